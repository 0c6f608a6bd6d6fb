"""Messages of sweeps and agents on stderr, as wandb's `termlog` prints them (quiet when silent)."""

from __future__ import annotations

import logging
import os
import sys

logger = logging.getLogger("tracklab")


def _silent() -> bool:
    return any(os.environ.get(name, "").lower() in ("1", "true", "yes")
               for name in ("WANDB_SILENT", "TRACKLAB_SILENT"))


def log(message: str) -> None:
    """An information line (`tracklab: ...`)."""
    logger.info(message)
    if not _silent():
        sys.stderr.write(f"tracklab: {message}\n")
        sys.stderr.flush()


def warn(message: str) -> None:
    """A warning line (`tracklab: WARNING ...`); also sent to the `tracklab` logger."""
    logger.warning(message)
    if not _silent():
        sys.stderr.write(f"tracklab: WARNING {message}\n")
        sys.stderr.flush()


def error(message: str) -> None:
    """An error line, printed even when silent."""
    logger.error(message)
    sys.stderr.write(f"tracklab: ERROR {message}\n")
    sys.stderr.flush()
