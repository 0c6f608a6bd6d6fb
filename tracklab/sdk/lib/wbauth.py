"""wandb's credential holder (`wandb.sdk.lib.wbauth`). TrackLab stores runs locally and needs no
credentials: these accept what wandb's callers pass and remember it, nothing more."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class AuthApiKey:
    """An API key for a host (kept for scripts that build one; never sent anywhere)."""

    api_key: str
    host: str


_explicit: dict[str, Any] = {}


def use_explicit_auth(auth: Any, source: str = "") -> None:
    """Remember `auth` as the process's credentials (wandb's `wandb.login(key=...)` path)."""
    _explicit.update(auth=auth, source=source)


def explicit_auth() -> Any:
    """The credentials last given to `use_explicit_auth`, or None."""
    return _explicit.get("auth")


def unauthenticate_all() -> None:
    _explicit.clear()
