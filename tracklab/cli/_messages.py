"""How a command shows an error: one line, never a traceback."""

from __future__ import annotations

import re


def one_line(exc: BaseException) -> str:
    """The error as one line: TrackLab's own messages as they are, others with their type name
    (a database driver's error without the SQL that SQLAlchemy appends)."""
    from tracklab.errors import Error

    exc = getattr(exc, "orig", None) or exc
    text = " ".join(str(exc).split()) or type(exc).__name__
    if isinstance(exc, Error):
        return text
    unreachable = re.search(r"API request to (https?://[^/\s]+)\S* failed", text)
    if unreachable and ("Max retries exceeded" in text or "Failed to establish" in text):
        reason = re.search(r"\[Errno -?\d+\] ([^'\"()]+)", text)
        return f"cannot reach the MLflow server at {unreachable.group(1)}: {reason.group(1) if reason else 'no answer'}"
    if isinstance(exc, OSError) and exc.filename is not None:
        return f"{exc.strerror or type(exc).__name__}: {exc.filename}"
    return f"{type(exc).__name__}: {text}"
