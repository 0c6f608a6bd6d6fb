"""wandb's `wandb.sdk.data_types.utils`: turning logged values into what a history row holds.

The work is done in `_serialize`; these are the names wandb's callers use.
"""

from __future__ import annotations

from typing import Any

from ._serialize import _prune as _prune_max_seq
from ._serialize import _val_to_json


def val_to_json(run: Any, key: str, val: Any, namespace: Any = None, ignore_copy_err: bool | None = None) -> Any:
    """A logged value as its history form (media written through the run)."""
    step = namespace if namespace is not None else 0
    target = getattr(run, "_media_sink", run)
    return _val_to_json(target, key, val, step)


__all__ = ["_prune_max_seq", "val_to_json"]
