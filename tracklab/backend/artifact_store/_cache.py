"""The local artifact cache: file bytes keyed by digest (`<cache>/artifacts/obj/md5/<hh>/<rest>`,
wandb's layout), so a file downloaded or staged once is never fetched or copied again."""

from __future__ import annotations

import os
import shutil
import uuid
from typing import Callable

from tracklab.backend.artifact_store import _digest


def cache_dir() -> str:
    """`TRACKLAB_CACHE_DIR`, else `WANDB_CACHE_DIR`, else `<TRACKLAB_DIR>/cache`."""
    from tracklab.backend import location

    explicit = os.environ.get("TRACKLAB_CACHE_DIR") or os.environ.get("WANDB_CACHE_DIR")
    return os.path.abspath(os.path.expanduser(explicit)) if explicit else os.path.join(location.tracklab_dir(), "cache")


def link_or_copy(src: str, dst: str) -> None:
    """Hard-link `src` at `dst` (same bytes, no copy); copy when linking is impossible."""
    os.makedirs(os.path.dirname(dst) or ".", exist_ok=True)
    tmp = f"{dst}.{os.getpid()}.link"
    try:
        os.link(src, tmp)
    except OSError:
        shutil.copyfile(src, tmp)
    os.replace(tmp, dst)


class ArtifactCache:
    """Digest-addressed file store on local disk."""

    def __init__(self, root: str | None = None) -> None:
        self.root = os.path.join(root or cache_dir(), "artifacts")

    def obj_path(self, digest: str) -> str:
        hexdigest = _digest.b64_to_hex(digest)
        return os.path.join(self.root, "obj", "md5", hexdigest[:2], hexdigest[2:])

    def tmp_dir(self) -> str:
        path = os.path.join(self.root, "tmp")
        os.makedirs(path, exist_ok=True)
        return path

    def get(self, digest: str, size: int | None = None) -> str | None:
        """The cached file of `digest` (and `size`, when given), or None."""
        path = self.obj_path(digest)
        try:
            found = os.path.getsize(path)
        except OSError:
            return None
        return path if size is None or found == size else None

    def add_copy(self, src: str) -> tuple[str, int, str]:
        """Copy `src` into the cache, hashing as it goes; return (digest, size, cached path)."""
        tmp = os.path.join(self.tmp_dir(), uuid.uuid4().hex)
        digest, size = _digest.copy_hashing(src, tmp, label=f"caching {os.path.basename(src)}")
        path = self.obj_path(digest)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        os.replace(tmp, path)
        return digest, size, path

    def add_link(self, src: str, digest: str) -> str:
        """Put a file whose digest is already known into the cache (hard link when possible)."""
        path = self.obj_path(digest)
        if not os.path.exists(path):
            link_or_copy(src, path)
        return path

    def fill(self, digest: str, fetch: Callable[[str], None], check: bool) -> str:
        """The cached file of `digest`, fetching it with `fetch(tmp_path)` when missing.

        With `check`, the fetched bytes must hash to `digest` (else ValueError)."""
        path = self.get(digest)
        if path is not None:
            return path
        tmp = os.path.join(self.tmp_dir(), uuid.uuid4().hex)
        try:
            fetch(tmp)
            if check:
                got, _ = _digest.md5_file(tmp)
                if got != digest:
                    raise ValueError(f"fetched bytes have digest {got}, expected {digest}")
            path = self.obj_path(digest)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            os.replace(tmp, path)
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)
        return path

    def cleanup(self, target_size: int, remove_temp: bool = False) -> int:
        """Delete least recently used objects until the cache holds at most `target_size` bytes;
        return the bytes freed."""
        files = []
        for base, _, names in os.walk(os.path.join(self.root, "obj")):
            for name in names:
                path = os.path.join(base, name)
                try:
                    stat = os.stat(path)
                except OSError:
                    continue
                files.append((max(stat.st_atime, stat.st_mtime), stat.st_size, path))
        total = sum(size for _, size, _ in files)
        freed = 0
        for _, size, path in sorted(files):
            if total - freed <= target_size:
                break
            os.unlink(path)
            freed += size
        if remove_temp:
            shutil.rmtree(os.path.join(self.root, "tmp"), ignore_errors=True)
        return freed
