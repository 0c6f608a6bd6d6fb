"""wandb's artifacts on MLflow: `Artifact`, its manifest, and `sync_staged` for `tracklab sync`.

Mapping (docs/artifacts.md): collection `project/name` -> registered model `<project>.<name>`,
version `vN` -> model version N+1 plus the LoggedModel holding its files, custom aliases ->
registered-model aliases, used-by -> the consuming run's model inputs.
"""

from __future__ import annotations

from tracklab.artifacts._expiry import expired_versions
from tracklab.artifacts._staging import has_staged, sync_staged
from tracklab.artifacts.artifact import Artifact
from tracklab.artifacts.artifact_ttl import ArtifactTTL
from tracklab.artifacts.exceptions import (
    ArtifactFinalizedError,
    ArtifactNotLoggedError,
    WaitTimeoutError,
)
from tracklab.artifacts.manifest import ArtifactManifest, ArtifactManifestEntry

__all__ = [
    "Artifact", "ArtifactTTL", "ArtifactManifest", "ArtifactManifestEntry", "ArtifactNotLoggedError", "ArtifactFinalizedError",
    "WaitTimeoutError", "expired_versions", "has_staged", "sync_staged",
]
