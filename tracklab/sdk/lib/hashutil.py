"""wandb's `wandb.sdk.lib.hashutil` name for the file hashes media descriptors use
(`tracklab.backend.hashing` holds them: the writer names media files by them too)."""

from __future__ import annotations

from tracklab.backend.hashing import sha256_file

__all__ = ["sha256_file"]
