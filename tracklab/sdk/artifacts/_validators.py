"""Rules on artifact names and entry paths, at the path wandb keeps them
(`wandb.sdk.artifacts._validators`)."""

from __future__ import annotations

import os
import re
from pathlib import Path, PurePosixPath, PureWindowsPath

from tracklab.backend.artifact_store._names import MAX_NAME_LENGTH

NAME_MAXLEN = MAX_NAME_LENGTH


def validate_fspath(root: str | os.PathLike[str], path: str | os.PathLike[str]) -> str:
    """`root/path` for an entry `path` that stays inside `root`; an absolute path (POSIX or a
    Windows drive) or one climbing out with `..` is a ValueError ("Invalid artifact path")."""
    text = os.fspath(path)
    posix, windows = PurePosixPath(text.replace("\\", "/")), PureWindowsPath(text)
    if posix.is_absolute() or windows.is_absolute() or windows.drive or re.match(r"^[A-Za-z]:", text):
        raise ValueError(f"Invalid artifact path {text!r}: entry paths are relative (rule: no root or drive)")
    base = Path(root).resolve()
    target = (base / posix).resolve()
    if target != base and base not in target.parents:
        raise ValueError(f"Invalid artifact path {text!r}: it leaves the download folder {str(base)!r}")
    return os.fspath(Path(root) / posix)
