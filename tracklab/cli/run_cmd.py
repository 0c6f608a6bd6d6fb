"""`tracklab run -- python train.py`: run a program with TrackLab standing in for `wandb`.

The child gets `TRACKLAB_AS_WANDB=1` and the stand-in's shim folder first on `PYTHONPATH`. Python
imports the shim's `sitecustomize` at start-up, which enables the stand-in (then runs any
`sitecustomize` it shadows). Every Python process the program starts inherits both, so DDP
workers, DataLoader workers and `subprocess` children log to TrackLab too.

The `wandb` command is covered as well: a folder holding a `wandb` script that runs
`python -m tracklab.cli` comes first on the child's `PATH`, so a shell script's `wandb offline`,
`wandb sync` or `wandb agent` reach TrackLab's commands (and `python -m wandb` does, through the
stand-in, since `wandb.__main__` is `tracklab.__main__`).
"""

from __future__ import annotations

import os
import shlex
import subprocess
import sys

import click

from tracklab.integration import standin_environment

#: Which Python the `wandb` script runs (the one `tracklab run` itself runs on).
PYTHON_ENV = "TRACKLAB_PYTHON"


def wandb_command_dir() -> str:
    """The folder whose `wandb` script stands in for wandb's command."""
    return os.path.join(os.path.dirname(os.path.abspath(__file__)), "_wandb_bin")


def child_environment() -> dict[str, str]:
    """This process's environment with the stand-in on for Python and for the `wandb` command."""
    env = standin_environment()
    shim = wandb_command_dir()
    rest = [p for p in env.get("PATH", os.defpath).split(os.pathsep) if p and p != shim]
    env["PATH"] = os.pathsep.join([shim, *rest])
    env.setdefault(PYTHON_ENV, sys.executable)
    return env


@click.command(context_settings={"ignore_unknown_options": True, "allow_interspersed_args": False})
@click.option("--print-env", is_flag=True,
              help="Print the shell exports that switch the stand-in (and the `wandb` command) on, and exit.")
@click.argument("command", nargs=-1, type=click.UNPROCESSED)
def run(print_env: bool, command: tuple[str, ...]) -> None:
    """Run COMMAND with `import wandb` and the `wandb` command giving TrackLab
    (`tracklab run -- python train.py`, `tracklab run -- sh train.sh`).

    A first argument ending in `.py` is run with this Python (`tracklab run train.py --lr 0.1`).
    """
    env = child_environment()
    if print_env:
        click.echo("export TRACKLAB_AS_WANDB=1")
        for name in ("PYTHONPATH", "PATH", PYTHON_ENV):
            click.echo(f"export {name}={shlex.quote(env[name])}")
        return
    argv = list(command)
    if not argv:
        raise click.UsageError("give the command to run, e.g. `tracklab run -- python train.py`")
    if argv[0].endswith(".py"):
        argv.insert(0, sys.executable)
    try:
        code = subprocess.call(argv, env=env)
    except FileNotFoundError:
        raise click.UsageError(f"command not found: {argv[0]}") from None
    except KeyboardInterrupt:
        code = 130
    raise SystemExit(code if code >= 0 else 128 - code)
