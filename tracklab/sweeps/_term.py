"""Messages of sweeps and agents on stderr, as wandb's `termlog` prints them (quiet when silent)."""

from __future__ import annotations

from tracklab.sdk._terminal import termerror, termlog, termwarn


def log(message: str) -> None:
    """An information line (`tracklab: ...`)."""
    termlog(message)


def warn(message: str) -> None:
    """A warning line (`tracklab: WARNING ...`)."""
    termwarn(message)


def error(message: str) -> None:
    """An error line (`tracklab: ERROR ...`)."""
    termerror(message)
