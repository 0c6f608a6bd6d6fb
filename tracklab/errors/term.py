"""Terminal messages as wandb prints them: `tracklab: ...`, `tracklab: WARNING ...`,
`tracklab: ERROR ...` on stderr (`wandb: ...` while TrackLab stands in for wandb: `prefix_name()`).

`termlog` / `termwarn` / `termerror` are wandb's helpers (`wandb.termwarn(..., repeat=False)`).
`TerminalHandler` sits on the `tracklab` logger, so the warnings of every layer (which only use
`logging`) reach the terminal in the same format, each text once per process.

Silenced as wandb's are: `TRACKLAB_SILENT` / `WANDB_SILENT` (the TrackLab twin wins),
`settings.silent` of the run (`termsetup`), or Python logging for what goes through the logger
(`logging.getLogger("tracklab").setLevel(logging.ERROR)`). Silenced lines still go to the
`tracklab` logger (the run's debug.log), as wandb sends them to its fallback logger.
"""

from __future__ import annotations

import logging
import os
import sys
import threading
from typing import Any

NAME = "tracklab"


def prefix_name() -> str:
    """The name lines start with: `wandb` while TrackLab stands in for wandb (scripts and tests
    written for wandb read `wandb: WARNING ...`), `tracklab` otherwise."""
    facade = sys.modules.get("wandb")
    return "wandb" if getattr(facade, "__tracklab__", False) is True else NAME
_TRUE = ("1", "true", "yes", "on")

_lock = threading.Lock()
_printed: set[str] = set()
_settings_silent = False
#: settings.show_info / show_warnings / show_errors by level (wandb's per-kind switches).
_shown = {logging.INFO: True, logging.WARNING: True, logging.ERROR: True}

logger = logging.getLogger(NAME)


def _env_silent() -> bool:
    for name in ("TRACKLAB_SILENT", "WANDB_SILENT"):
        value = os.environ.get(name)
        if value is not None and value.strip():
            return value.strip().lower() in _TRUE
    return False


def is_silent() -> bool:
    """Whether terminal messages are silenced (environment or the run's `settings.silent`)."""
    return _settings_silent or _env_silent()


def termsetup(settings: Any = None, logger: Any = None) -> None:  # noqa: ARG001 - wandb's signature
    """Take `settings.silent` and `show_info` / `show_warnings` / `show_errors` from the run's
    settings (wandb calls this at setup); no settings means the defaults."""
    global _settings_silent
    _settings_silent = bool(getattr(settings, "silent", False))
    for level, name in ((logging.INFO, "show_info"), (logging.WARNING, "show_warnings"),
                        (logging.ERROR, "show_errors")):
        _shown[level] = getattr(settings, name, True) is not False


def _style(text: str, code: str) -> str:
    return f"\033[{code}m{text}\033[0m"


def _log(string: str, newline: bool, repeat: bool, prefix: bool, label: str, level: int,
         always: bool = False) -> None:
    string = str(string)
    with _lock:
        if not repeat:
            if string in _printed:
                return
            if len(_printed) < 1000:
                _printed.add(string)
    if not always and (is_silent() or not _shown[level]):
        if level > logging.INFO:  # to the run's debug.log; the terminal handler skips it
            logger.log(level, "%s", string, extra={"tracklab_terminal": True})
        return
    stream = sys.stderr
    isatty = getattr(stream, "isatty", None)
    coloured = bool(isatty and isatty())
    lines = []
    for line in string.split("\n"):
        if label:
            line = f"{_style(label, '33' if label == 'WARNING' else '41;32') if coloured else label} {line}"
        if prefix:
            name = prefix_name()
            line = f"{_style(name, '34;1') if coloured else name}: {line}"
        lines.append(line)
    try:
        stream.write("\n".join(lines) + ("\n" if newline else ""))
        stream.flush()
    except (OSError, ValueError):  # a closed stream at interpreter exit
        pass


def termlog(string: str = "", newline: bool = True, repeat: bool = True, prefix: bool = True) -> None:
    """An information line on stderr (`tracklab: ...`); `repeat=False` prints a text once."""
    _log(string, newline, repeat, prefix, "", logging.INFO)


def termwarn(string: str, newline: bool = True, repeat: bool = True, prefix: bool = True) -> None:
    """A warning on stderr (`tracklab: WARNING ...`)."""
    _log(string, newline, repeat, prefix, "WARNING", logging.WARNING)


def termerror(string: str, newline: bool = True, repeat: bool = True, prefix: bool = True) -> None:
    """An error on stderr (`tracklab: ERROR ...`)."""
    _log(string, newline, repeat, prefix, "ERROR", logging.ERROR)


def data_at_risk(string: str, error: bool = False) -> None:
    """A warning (`error`: an error) that logged data is not (yet) in the store, shown even when
    silenced: silence hides chatter, never the news that a run needs `tracklab sync` to be complete."""
    level = logging.ERROR if error else logging.WARNING
    logger.log(level, "%s", string, extra={"tracklab_terminal": True})
    _log(string, True, True, True, "ERROR" if error else "WARNING", level, always=True)


class TerminalHandler(logging.Handler):
    """Shows the `tracklab` logger's warnings and errors on stderr in wandb's format, once each.

    The writer's own records (`tracklab.writer`) are left to its log file.
    """

    def __init__(self) -> None:
        super().__init__(logging.WARNING)

    def emit(self, record: logging.LogRecord) -> None:
        if getattr(record, "tracklab_terminal", False) or record.name.startswith("tracklab.writer"):
            return
        level = logging.ERROR if record.levelno >= logging.ERROR else logging.WARNING
        if is_silent() or not _shown[level]:  # the record itself already went to the logger
            return
        try:
            text = record.getMessage()
            for name in (NAME, "wandb"):  # messages written with the prefix already
                if text.startswith(name + ": "):
                    text = text[len(name) + 2:]
            (termerror if record.levelno >= logging.ERROR else termwarn)(text, repeat=False)
        except Exception:  # a logging handler must never break the program that logs
            self.handleError(record)


def install_handler() -> None:
    """Put one `TerminalHandler` on the `tracklab` logger (idempotent)."""
    if not any(isinstance(h, TerminalHandler) for h in logger.handlers):
        logger.addHandler(TerminalHandler())


# -- interactive parts of wandb's terminal module ------------------------------------------
#: Live-updating text blocks (progress lines); TrackLab's progress lives in `tracklab.sdk._printer`.
_dynamic_blocks: list[Any] = []


class NotATerminalError(Exception):
    """Input was asked for, but stdin/stderr is not an interactive terminal."""


def _sys_stderr_isatty() -> bool:
    isatty = getattr(sys.stderr, "isatty", None)
    try:
        return bool(isatty and isatty())
    except (OSError, ValueError):
        return False


def _sys_stdin_isatty() -> bool:
    isatty = getattr(sys.stdin, "isatty", None)
    try:
        return bool(isatty and isatty())
    except (OSError, ValueError):
        return False


def can_use_terminput() -> bool:
    """Whether asking the user a question can work: both stdin and stderr are terminals, not silenced."""
    return not is_silent() and _sys_stdin_isatty() and _sys_stderr_isatty()


def _terminput(prompt: str, *, timeout: float | None = None, hide: bool = False) -> str:
    if hide:
        import getpass

        return getpass.getpass(prompt, stream=sys.stderr)
    sys.stderr.write(prompt)
    sys.stderr.flush()
    return sys.stdin.readline().rstrip("\n")


def terminput(prompt: str, *, timeout: float | None = None, hide: bool = False) -> str:
    """Ask on the terminal (prefixed like every message); NotATerminalError when there is none."""
    if not can_use_terminput():
        raise NotATerminalError(f"cannot ask {prompt!r}: not an interactive terminal (or silenced)")
    return _terminput(f"{prefix_name()}: {prompt}", timeout=timeout, hide=hide)


def confirm(prompt: str) -> bool:
    """A yes/no question on the terminal; anything but y/yes is no."""
    return terminput(f"{prompt} [y/N] ").strip().lower() in ("y", "yes")


class _NoBlock:
    def set_text(self, text: str) -> None:
        """Nothing is drawn off a terminal."""


def dynamic_text() -> Any:
    """A context manager giving a block of text that can be redrawn, or None off a terminal."""
    import contextlib

    @contextlib.contextmanager
    def block() -> Any:
        yield None if (is_silent() or not _sys_stderr_isatty()) else _NoBlock()

    return block()
