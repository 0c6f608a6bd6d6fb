"""`tracklab` — wandb's verbs where they mean something locally."""

from __future__ import annotations

import sys

import click


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="tracklab", prog_name="tracklab")
def cli() -> None:
    """TrackLab: wandb's API on a local MLflow store."""


def _register() -> None:
    from tracklab.cli import sync_cmd

    cli.add_command(sync_cmd.sync)


def main(argv: list[str] | None = None) -> int:
    """Entry point of the console script."""
    _register()
    try:
        cli.main(args=argv, prog_name="tracklab", standalone_mode=True)
    except SystemExit as exc:
        return int(exc.code or 0)
    return 0


if __name__ == "__main__":
    sys.exit(main())
