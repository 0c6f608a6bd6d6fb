"""`wandb.sdk.artifacts.artifact_state.ArtifactState`: where an artifact is in its life."""

from enum import Enum


class ArtifactState(Enum):
    """`Artifact.state` spells these values."""

    PENDING = "PENDING"
    COMMITTED = "COMMITTED"
    DELETED = "DELETED"
    GARBAGE_COLLECTED = "GARBAGE_COLLECTED"
    PENDING_DELETION = "PENDING_DELETION"
