"""Run ids: eight base-36 characters, as wandb makes them."""

from __future__ import annotations

import secrets
import string

_ID_CHARS = string.ascii_lowercase + string.digits


def generate_id(length: int = 8) -> str:
    """Return a random base-36 id."""
    return "".join(secrets.choice(_ID_CHARS) for _ in range(length))
