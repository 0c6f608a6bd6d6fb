"""File hashes as wandb's media descriptors and the writer's media files (`native_media`) name them."""

from __future__ import annotations

import hashlib


def sha256_file(path: str) -> str:
    """The hex SHA-256 of a file, read in 1 MiB blocks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
