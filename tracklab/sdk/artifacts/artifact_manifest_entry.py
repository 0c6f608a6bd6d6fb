"""`wandb.sdk.artifacts.artifact_manifest_entry.ArtifactManifestEntry`: one file of an artifact."""

from tracklab.backend.artifact_store.manifest import ArtifactManifestEntry

__all__ = ["ArtifactManifestEntry"]
