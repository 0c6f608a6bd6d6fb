"""TrackLab's exceptions, shaped like `wandb.errors` so `except wandb.Error` keeps working."""

from __future__ import annotations


class Error(Exception):
    """Base TrackLab error (wandb.Error)."""

    def __init__(self, message: str, context: dict | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.context = context or {}


class UsageError(Error):
    """The API was called in a way it does not support."""


class CommError(Error):
    """The store could not be reached or refused a write."""

    def __init__(self, msg: str, exc: BaseException | None = None) -> None:
        super().__init__(msg)
        self.exc = exc


class AuthenticationError(CommError):
    """Kept for wandb compatibility; TrackLab needs no credentials."""


class UnsupportedError(UsageError):
    """A wandb feature with no local meaning was asked for."""


class WandbCoreNotAvailableError(Error):
    """Kept for wandb compatibility."""


class ValueValidationError(Error, ValueError):
    """A logged key or value breaks a rule; the message names the key, the value and the rule."""


class RunInUseError(UsageError):
    """Another live process holds this run."""
