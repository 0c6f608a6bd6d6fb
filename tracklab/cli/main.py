"""`tracklab` — wandb's verbs where they mean something locally."""

from __future__ import annotations

import os
import sys

import click


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="tracklab", prog_name="tracklab")
def cli() -> None:
    """TrackLab: wandb's API on a local MLflow store."""


# (module, command) pairs; each command lives in its own module under tracklab/cli/.
_COMMANDS = [
    ("tracklab.cli.sync_cmd", "sync"),
    ("tracklab.cli.local_cmds", "login"),
    ("tracklab.cli.local_cmds", "logout"),
    ("tracklab.cli.local_cmds", "status"),
    ("tracklab.cli.local_cmds", "online"),
    ("tracklab.cli.local_cmds", "offline"),
    ("tracklab.cli.local_cmds", "disabled"),
    ("tracklab.cli.local_cmds", "enabled"),
    ("tracklab.cli.local_cmds", "init"),
    ("tracklab.cli.local_cmds", "demo"),
    ("tracklab.cli.runs_cmd", "runs"),
    ("tracklab.cli.ui_cmd", "ui"),
    ("tracklab.cli.server_cmd", "server"),
    ("tracklab.cli.sweep_cmd", "sweep"),
    ("tracklab.cli.sweep_cmd", "agent"),
    ("tracklab.cli.artifact_cmd", "artifact"),
    ("tracklab.cli.run_cmd", "run"),
    ("tracklab.cli.import_cmd", "import_wandb"),
    ("tracklab.cli.restore_cmd", "restore"),
    ("tracklab.cli.pull_cmd", "pull"),
    ("tracklab.cli.verify_cmd", "verify"),
    ("tracklab.cli.gc_cmd", "gc"),
]


def _register() -> None:
    import importlib

    for module_name, attr in _COMMANDS:
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name != module_name:  # a real import error inside the command module
                raise
            continue  # that command is not part of this build yet
        cli.add_command(getattr(module, attr))


#: Set to 1 to see the Python traceback behind a command's one-line error.
DEBUG_ENV = "TRACKLAB_DEBUG"


#: An MLflow server that does not answer fails a command in seconds, not after MLflow's minutes
#: of retries (set the variables to choose otherwise).
_FAIL_FAST = {"MLFLOW_HTTP_REQUEST_MAX_RETRIES": "2", "MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR": "1"}
#: Commands that start the user's programs, which keep MLflow's own patience.
_USER_PROGRAMS = {"run", "agent"}


def main(argv: list[str] | None = None) -> int:
    """Entry point of the console script: a failing command prints one `Error: ...` line and
    exits 1 (usage errors exit 2, as click's do); `TRACKLAB_DEBUG=1` shows the traceback."""
    args = sys.argv[1:] if argv is None else argv
    if not set(args[:1]) & _USER_PROGRAMS:
        for name, value in _FAIL_FAST.items():
            os.environ.setdefault(name, value)
    _register()
    try:
        cli.main(args=argv, prog_name="tracklab", standalone_mode=True)
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except Exception as exc:  # the last stop before a traceback reaches the user
        if os.environ.get(DEBUG_ENV, "").lower() in ("1", "true", "yes"):
            raise
        from tracklab.cli._messages import one_line

        click.echo(f"Error: {one_line(exc)}", err=True)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
