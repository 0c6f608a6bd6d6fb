"""`wandb.sdk.artifacts.artifact_file_cache`: the digest-addressed cache of artifact files
(`<cache dir>/artifacts/obj/md5/...`, `WANDB_CACHE_DIR` / `TRACKLAB_CACHE_DIR`)."""

from __future__ import annotations

import os

from tracklab.backend.artifact_store._cache import ArtifactCache, cache_dir


class ArtifactFileCache(ArtifactCache):
    """The artifact cache under `cache_dir` (its `artifacts/` folder holds the objects)."""

    def __init__(self, cache_dir: str | os.PathLike[str]) -> None:
        super().__init__(os.fspath(cache_dir))
        self._cache_dir = os.fspath(cache_dir)


def get_artifact_file_cache() -> ArtifactFileCache:
    """The cache the environment names (read each call, so a changed variable takes effect)."""
    return ArtifactFileCache(cache_dir())
