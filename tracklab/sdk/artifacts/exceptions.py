"""Artifact errors, named as in `wandb.sdk.artifacts.exceptions`."""

from __future__ import annotations

from tracklab.errors import Error


class ArtifactStatusError(AttributeError):
    """The artifact is not in a state that allows the operation (an AttributeError, as in wandb, so
    `hasattr(artifact, "version")` is False before logging)."""


class ArtifactNotLoggedError(ArtifactStatusError, ValueError):
    """The artifact has not been logged (or is offline until `tracklab sync`), so it has no version yet."""

    def __init__(self, artifact_name: str, attr: str) -> None:
        super().__init__(f"'{artifact_name}' used prior to logging: '{attr}' is only available once the "
                         "artifact is logged (offline runs: after `tracklab sync`)")


class ArtifactFinalizedError(ArtifactStatusError, ValueError):
    """The artifact was logged; its files can no longer change (use `new_draft()`)."""

    def __init__(self, artifact_name: str, attr: str) -> None:
        super().__init__(f"'{artifact_name}' is finalized: '{attr}' cannot change a logged artifact; "
                         "use artifact.new_draft() to make a new version")


class WaitTimeoutError(Error):
    """`Artifact.wait(timeout)` ran out of time."""


class TooFewItemsError(ValueError):
    """A collection holds fewer items than asked for."""


class TooManyItemsError(ValueError):
    """A collection holds more items than asked for."""
