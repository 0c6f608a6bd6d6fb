"""The core's one door to the data types: it imports them only when a value is not a plain
number, string, bool or None, so `import tracklab` and the common `log()` stay light."""

from __future__ import annotations

import sys
from typing import Any


def is_media(value: Any) -> bool:
    """Whether `value` is a TrackLab (or wandb-style) data type, without importing any."""
    module = sys.modules.get("tracklab.sdk.data_types")
    if module is None:
        return False
    return isinstance(value, module.WBValue)


def scalar_of(value: Any) -> Any:
    """A plain Python scalar for numpy/torch 0-d values, else the sentinel `NotImplemented`."""
    shape = getattr(value, "shape", None)
    if shape is not None and tuple(shape) == () and hasattr(value, "item"):
        return value.item()
    kind = type(value).__module__
    if kind == "numpy" and hasattr(value, "item"):
        return value.item()
    return NotImplemented


def serialize(value: Any, files_dir: str, key: str, step: int) -> Any:
    """wandb's history form of a non-plain value (media, arrays, tensors, figures)."""
    scalar = scalar_of(value)
    if scalar is not NotImplemented:
        return scalar
    try:
        from tracklab.sdk.data_types import serialize_value
    except ImportError:
        serialize_value = None
    if serialize_value is not None:
        return serialize_value(value, files_dir, key, step)
    if isinstance(value, (list, tuple)):
        return [serialize(v, files_dir, key, step) for v in value]
    raise TypeError(
        f"tracklab.log: key {key!r} has a value of type {type(value).__name__}, which cannot be logged "
        "(rule: values must be numbers, strings, bools, None, dicts, lists or TrackLab data types)"
    )
