"""wandb's artifacts on MLflow: `Artifact`, its manifest, and `sync_staged` for `tracklab sync`.

Mapping (docs/artifacts.md): collection `project/name` -> registered model `<project>.<name>`,
version `vN` -> model version N+1 plus the LoggedModel holding its files, custom aliases ->
registered-model aliases, used-by -> the consuming run's model inputs.
"""

from __future__ import annotations

from tracklab.backend.artifact_store._staging import has_staged, sync_staged
from tracklab.backend.artifact_store.manifest import ArtifactManifest, ArtifactManifestEntry
from tracklab.sdk.artifacts._expiry import expired_versions
from tracklab.sdk.artifacts.artifact import Artifact
from tracklab.sdk.artifacts.artifact_ttl import ArtifactTTL
from tracklab.sdk.artifacts.exceptions import (
    ArtifactFinalizedError,
    ArtifactNotLoggedError,
    WaitTimeoutError,
)

__all__ = [
    "Artifact", "ArtifactTTL", "ArtifactManifest", "ArtifactManifestEntry", "ArtifactNotLoggedError", "ArtifactFinalizedError",
    "WaitTimeoutError", "expired_versions", "has_staged", "sync_staged",
]
