"""Serving a run's files to the panels without ever leaving the run's artifact folder.

Paths are checked before anything is opened: absolute paths, `..` parts, backslashes and NUL
are refused, and on a local store the resolved real path (symlinks followed) must stay under
the run's artifact folder. Every response forbids sniffing and carries a sandboxing CSP, so a
logged HTML or SVG file runs only as an opaque-origin document, never as the MLflow origin,
and cannot fetch anything from outside the machine.
"""

from __future__ import annotations

import mimetypes
import os
import posixpath
import tempfile
from typing import Any

# Media the panels show inline; anything else is sent as a download.
INLINE_TYPES = {
    ".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".gif": "image/gif",
    ".bmp": "image/bmp", ".webp": "image/webp", ".svg": "image/svg+xml",
    ".wav": "audio/wav", ".mp3": "audio/mpeg", ".ogg": "audio/ogg", ".flac": "audio/flac", ".m4a": "audio/mp4",
    ".mp4": "video/mp4", ".webm": "video/webm", ".ogv": "video/ogg",
    ".json": "application/json", ".html": "text/html", ".htm": "text/html", ".txt": "text/plain",
    ".log": "text/plain", ".yaml": "text/plain", ".csv": "text/plain",
}

# Applied to every served file: a sandboxed document that may run its own scripts but reach
# nothing outside this server (and, being sandboxed, not even this server's cookies or DOM).
FILE_CSP = ("sandbox allow-scripts; default-src 'self' data: blob:; script-src 'self' 'unsafe-inline' "
            "'unsafe-eval' data: blob:; style-src 'self' 'unsafe-inline' data:; connect-src 'none'")


class UnsafePath(ValueError):
    """A requested path that could leave the run's folder."""


def clean_relative(path: str) -> str:
    """`path` as a normalised relative POSIX path, or UnsafePath."""
    if not path or "\x00" in path or "\\" in path or path.startswith("/") or (len(path) > 1 and path[1] == ":"):
        raise UnsafePath(path)
    parts = path.split("/")
    if any(part in ("..", ".") for part in parts) or "" in parts:
        raise UnsafePath(path)
    normal = posixpath.normpath(path)
    if normal != path:
        raise UnsafePath(path)
    return normal


def local_file(root: str, relative: str) -> str:
    """The real path of `relative` under `root`; UnsafePath if it resolves outside it."""
    relative = clean_relative(relative)
    base = os.path.realpath(root)
    target = os.path.realpath(os.path.join(base, *relative.split("/")))
    if os.path.commonpath([base, target]) != base or target == base:
        raise UnsafePath(relative)
    return target


def content_type(path: str) -> tuple[str, bool]:
    """(MIME type, shown inline?) for a file name."""
    ext = os.path.splitext(path)[1].lower()
    if ext in INLINE_TYPES:
        return INLINE_TYPES[ext], True
    guessed = mimetypes.guess_type(path)[0]
    return guessed or "application/octet-stream", False


def fetch_remote(tracking_uri: str, run_uuid: str, relative: str) -> tuple[str, Any]:
    """Download one artifact of a run on a non-local store; (local path, temp dir to clean)."""
    import mlflow.artifacts

    relative = clean_relative(relative)
    tmp = tempfile.TemporaryDirectory(prefix="tracklab-ui-")
    got = mlflow.artifacts.download_artifacts(run_id=run_uuid, artifact_path=relative, dst_path=tmp.name,
                                              tracking_uri=tracking_uri)
    return local_file(tmp.name, os.path.relpath(got, tmp.name).replace(os.sep, "/")), tmp
