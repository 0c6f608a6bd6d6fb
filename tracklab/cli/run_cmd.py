"""`tracklab run -- python train.py`: run a program with TrackLab standing in for `wandb`.

The child gets `TRACKLAB_AS_WANDB=1` and the stand-in's shim folder first on `PYTHONPATH`. Python
imports the shim's `sitecustomize` at start-up, which enables the stand-in (then runs any
`sitecustomize` it shadows). Every Python process the program starts inherits both, so DDP
workers, DataLoader workers and `subprocess` children log to TrackLab too.
"""

from __future__ import annotations

import shlex
import subprocess
import sys

import click

from tracklab.integration import standin_environment


@click.command(context_settings={"ignore_unknown_options": True, "allow_interspersed_args": False})
@click.option("--print-env", is_flag=True,
              help="Print the shell exports that switch the stand-in on, and exit.")
@click.argument("command", nargs=-1, type=click.UNPROCESSED)
def run(print_env: bool, command: tuple[str, ...]) -> None:
    """Run COMMAND with `import wandb` giving TrackLab (`tracklab run -- python train.py`).

    A first argument ending in `.py` is run with this Python (`tracklab run train.py --lr 0.1`).
    """
    env = standin_environment()
    if print_env:
        click.echo(f"export TRACKLAB_AS_WANDB=1\nexport PYTHONPATH={shlex.quote(env['PYTHONPATH'])}")
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
