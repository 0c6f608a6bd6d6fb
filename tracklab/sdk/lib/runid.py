"""Run ids: base-36 characters, as wandb makes them (`wandb.sdk.lib.runid`)."""

from __future__ import annotations

import random
import secrets
import string

_ID_CHARS = string.ascii_lowercase + string.digits

# Its own generator, seeded from the OS: `random.seed()` in user code never repeats ids, and a
# forked child re-seeds (below) instead of inheriting its parent's state.
_fast = random.Random()


def _reseed() -> None:
    _fast.seed(secrets.randbits(128))


_reseed()
try:
    import os

    os.register_at_fork(after_in_child=_reseed)
except (AttributeError, ImportError):  # platforms without fork
    pass


def generate_id(length: int = 8) -> str:
    """A random base-36 id from the OS's secure source."""
    return "".join(secrets.choice(_ID_CHARS) for _ in range(length))


def generate_fast_id(length: int = 8) -> str:
    """A random base-36 id, faster than `generate_id` (not for secrets); independent of
    `random.seed()` and distinct in forked children."""
    return "".join(_fast.choices(_ID_CHARS, k=length))
