"""`wandb.sdk.artifacts.artifact_manifest.ArtifactManifest`: the file list of an artifact."""

from tracklab.backend.artifact_store.manifest import ArtifactManifest

__all__ = ["ArtifactManifest"]
