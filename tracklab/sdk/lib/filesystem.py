"""File-system helpers wandb code imports (`wandb.sdk.lib.filesystem`)."""

from __future__ import annotations

import os
import shutil

from tracklab.sdk.lib.paths import StrPath


def mkdir_exists_ok(dir_name: StrPath) -> None:
    """Create a folder and its parents; an existing folder is fine, a file in the way is an error."""
    try:
        os.makedirs(dir_name, exist_ok=True)
    except FileExistsError as exc:
        raise FileExistsError(f"{dir_name!s} exists and is not a directory") from exc


def copy_or_overwrite_changed(source_path: StrPath, target_path: StrPath) -> str:
    """Copy a file unless the target already has the same size and modification time; the target."""
    target = os.fspath(target_path)
    try:
        src, dst = os.stat(source_path), os.stat(target)
        if src.st_size == dst.st_size and int(src.st_mtime) == int(dst.st_mtime):
            return target
    except OSError:
        pass
    os.makedirs(os.path.dirname(os.path.abspath(target)), exist_ok=True)
    shutil.copy2(source_path, target)
    return target
