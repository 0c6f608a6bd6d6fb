"""The run's own log files: `debug.log` (TrackLab's messages during the run), loggers named by
`settings.capture_loggers` copied into `output.log`, and the `latest-run` links wandb keeps."""

from __future__ import annotations

import logging
import os
from typing import Any, Callable

_FORMAT = "%(asctime)s %(levelname)-7s %(threadName)s:%(process)d [%(filename)s:%(funcName)s():%(lineno)s] %(message)s"


class DebugLog:
    """Copies the `tracklab` logger's records at `settings.x_log_level` or above into `settings.log_user`.

    The logger's own level is left alone (lowering it would send TrackLab's INFO lines to the
    program's root handlers too), so what reaches the file is also bounded by that level.
    """

    def __init__(self, settings: Any) -> None:
        self._logger = logging.getLogger("tracklab")
        self._handler = _QuietFileHandler(settings.log_user, encoding="utf-8", delay=True)
        self._handler.setLevel(int(settings.x_log_level))
        self._handler.setFormatter(logging.Formatter(_FORMAT))
        self._logger.addHandler(self._handler)

    def close(self) -> None:
        self._logger.removeHandler(self._handler)
        self._handler.close()


class _QuietFileHandler(logging.FileHandler):
    """debug.log on a full or read-only disk: lines are lost quietly, not a '--- Logging error ---'
    traceback per record (the run log's own warning says the disk failed)."""

    def handleError(self, record: logging.LogRecord) -> None:  # noqa: N802 - logging's name
        pass

    def flush(self) -> None:
        try:
            super().flush()
        except OSError:
            pass


class _ToRunOutput(logging.Handler):
    def __init__(self, write: Callable[[str], None], level: int) -> None:
        super().__init__(level)
        self._write = write
        self.setFormatter(logging.Formatter(logging.BASIC_FORMAT))  # wandb: "INFO:my_module:Some message."

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self._write(self.format(record) + "\n")
        except Exception:  # a logging handler must never break the program that logs
            self.handleError(record)


class LoggerCapture:
    """`settings.capture_loggers` ({name: level}): those loggers' records go to the run's output.log."""

    def __init__(self, loggers: dict[str, str], write: Callable[[str], None]) -> None:
        self._installed: list[tuple[logging.Logger, logging.Handler]] = []
        for name, level in loggers.items():
            target = logging.getLogger() if name == "root" else logging.getLogger(name)
            handler = _ToRunOutput(write, logging.getLevelName(level))
            target.addHandler(handler)
            self._installed.append((target, handler))

    def close(self) -> None:
        for target, handler in self._installed:
            target.removeHandler(handler)
        self._installed.clear()


def link_latest(settings: Any, run_dir: str) -> None:
    """wandb's links in `wandb_dir`: `latest-run` to the run's folder, `debug.log` and
    `debug-internal.log` to the run's logs. Best effort: a file system without symlinks skips them."""
    for link, target in ((settings.sync_symlink_latest, run_dir), (settings.log_symlink_user, settings.log_user),
                         (settings.log_symlink_internal, settings.log_internal)):
        try:
            os.makedirs(os.path.dirname(link), exist_ok=True)
            tmp = f"{link}.{os.getpid()}.tmp"
            os.symlink(target, tmp)
            os.replace(tmp, link)
        except OSError:
            continue
