"""Identical media bytes stored once per run folder.

wandb names a media file after the key, the step and the content hash, so logging the same
picture at 100 steps makes 100 names. Every name is kept (the descriptors point at them), but
the later ones are hard links to the first file with those bytes: one copy on disk. Where a
link is impossible (another file system, a file system without links) the file is copied.
"""

from __future__ import annotations

import os
import shutil
import threading

# files folder -> sha256 -> the first path holding those bytes
_FIRST: dict[str, dict[str, str]] = {}
_LOCK = threading.Lock()


def _known_copy(files_dir: str, sha256: str, size: int | None) -> str | None:
    path = _FIRST.get(files_dir, {}).get(sha256)
    if path is None:
        return None
    try:
        if size is not None and os.path.getsize(path) != size:
            return None  # changed behind our back: not the same bytes any more
    except OSError:
        return None
    return path


def place(source: str, target: str, files_dir: str, sha256: str, size: int | None, *, move: bool,
          link: bool = False) -> None:
    """Put the bytes of `source` (hash `sha256`) at `target` inside `files_dir`, once per run.

    `move` says the source is a scratch file the caller no longer needs; `link`
    (settings.allow_media_symlink) hard-links a user's file instead of copying it.
    """
    files_dir = os.path.abspath(files_dir)
    with _LOCK:
        first = _known_copy(files_dir, sha256, size)
        if first is not None and os.path.abspath(first) != os.path.abspath(target):
            if _link(first, target):
                if move:
                    os.remove(source)
                return
        if move:
            shutil.move(source, target)
        elif not (link and _link(os.path.abspath(source), target)):
            shutil.copy(source, target)
        _FIRST.setdefault(files_dir, {})[sha256] = target


def _link(first: str, target: str) -> bool:
    """Make `target` a hard link to `first` (replacing what was there); False if impossible."""
    if os.path.exists(target):
        try:
            if os.path.samefile(first, target):
                return True
        except OSError:
            pass
    tmp = f"{target}.{os.getpid()}.{threading.get_ident()}.link"
    try:
        os.link(first, tmp)
    except OSError:
        return False
    os.replace(tmp, target)
    return True
