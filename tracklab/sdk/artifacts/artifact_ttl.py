"""`ArtifactTTL` (wandb.ArtifactTTL): `ArtifactTTL.INHERIT` gives a version its collection's
default TTL (the registered-model tag `tracklab.default_ttl`, in seconds), if any."""

from __future__ import annotations

from enum import Enum


class ArtifactTTL(Enum):
    INHERIT = 0
