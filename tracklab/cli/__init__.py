"""The `tracklab` command line (click); each command lives in its own module."""

from tracklab.cli.main import cli, main

__all__ = ["cli", "main"]
