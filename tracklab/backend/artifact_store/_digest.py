"""Digests as wandb computes them, and streaming copies that hash on the way.

An entry's digest is the base64 MD5 of its bytes; an artifact's digest is the MD5 of its
sorted `path:digest` lines (`wandb-artifact-manifest-v1`). Files are read in fixed-size
chunks, so a 1 GB file never sits in memory.
"""

from __future__ import annotations

import base64
import hashlib
import os
from typing import Iterable

from tracklab.backend.artifact_store._progress import Progress

CHUNK = 4 * 1024 * 1024
_MANIFEST_PREFIX = b"wandb-artifact-manifest-v1\n"


def b64_to_hex(digest: str) -> str:
    return base64.b64decode(digest).hex()


def is_md5(digest: str) -> bool:
    """Whether `digest` is a base64 MD5 (an entry digest of real bytes, not a URI or ETag)."""
    try:
        return len(base64.b64decode(digest, validate=True)) == 16
    except ValueError:
        return False


def hex_to_b64(digest: str) -> str:
    return base64.b64encode(bytes.fromhex(digest)).decode("ascii")


def md5_file(path: str, label: str | None = None) -> tuple[str, int]:
    """(base64 MD5, size) of a file, read in chunks."""
    return _stream(path, None, label)


def copy_file(src: str, dst: str, label: str) -> None:
    """Copy a file; big files on a terminal go chunk by chunk with a progress bar."""
    import shutil

    progress = Progress(os.path.getsize(src), label)
    if not progress.enabled:
        shutil.copyfile(src, dst)
        return
    with open(src, "rb") as source, open(dst, "wb") as target:
        while True:
            chunk = source.read(CHUNK)
            if not chunk:
                break
            target.write(chunk)
            progress.update(len(chunk))
    progress.close()


def copy_hashing(src: str, dst: str, label: str | None = None) -> tuple[str, int]:
    """Copy `src` to `dst` (written atomically) and return the (base64 MD5, size) of what was copied."""
    os.makedirs(os.path.dirname(dst) or ".", exist_ok=True)
    tmp = f"{dst}.{os.getpid()}.{id(dst)}.tmp"
    try:
        result = _stream(src, tmp, label)
        os.replace(tmp, dst)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return result


def _stream(src: str, dst: str | None, label: str | None) -> tuple[str, int]:
    md5 = hashlib.md5()
    size = os.path.getsize(src)
    progress = Progress(size, label or os.path.basename(src))
    buffer = bytearray(CHUNK)
    view = memoryview(buffer)
    out = open(dst, "wb") if dst is not None else None
    try:
        with open(src, "rb") as handle:
            while True:
                count = handle.readinto(buffer)
                if not count:
                    break
                md5.update(view[:count])
                if out is not None:
                    out.write(view[:count])
                progress.update(count)
    finally:
        if out is not None:
            out.close()
        progress.close()
    return base64.b64encode(md5.digest()).decode("ascii"), progress.done


def manifest_digest(entries: Iterable[tuple[str, str]]) -> str:
    """wandb's artifact digest over (path, entry digest) pairs."""
    md5 = hashlib.md5(_MANIFEST_PREFIX)
    for path, digest in sorted(entries):
        md5.update(f"{path}:{digest}\n".encode())
    return md5.hexdigest()


def text_digest(text: str) -> str:
    """base64 MD5 of a string (used for references that carry no checksum)."""
    return base64.b64encode(hashlib.md5(text.encode()).digest()).decode("ascii")
