"""The core's one door to the data types: it imports them only when a value is not a plain
number, string, bool or None, so `import tracklab` and the common `log()` stay light."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tracklab.sdk.data_types._media_sink import MediaSink


def is_media(value: Any) -> bool:
    """Whether `value` is a TrackLab (or wandb-style) data type, without importing any."""
    module = sys.modules.get("tracklab.sdk.data_types")
    if module is None:
        return False
    return isinstance(value, module.WBValue)


def scalar_of(value: Any) -> Any:
    """A plain Python scalar for numpy/torch 0-d values, else the sentinel `NotImplemented`."""
    shape = getattr(value, "shape", None)  # numpy scalars and 0-d arrays/tensors have shape ()
    if shape is not None and tuple(shape) == () and hasattr(value, "item"):
        return value.item()
    return NotImplemented


def serialize(value: Any, key: str, step: int, sink: MediaSink) -> Any:
    """wandb's history form of a non-plain value (media, arrays, tensors, figures); media are
    written to `sink`, their files named after `key` (the innermost key) and `step` (wandb's
    log counter)."""
    scalar = scalar_of(value)
    if scalar is not NotImplemented:
        return scalar
    from tracklab.sdk.data_types import serialize_value

    try:
        return serialize_value(value, sink.dir, key, step, run=sink)
    except OSError as exc:
        on_fault = getattr(sink, "on_disk_fault", None)
        if on_fault is None or not on_fault(exc, key):
            raise
        return None  # a full disk: the value is left out of this step (said once), training goes on


def serialize_summary(value: Any, key: str, sink: MediaSink) -> Any:
    """wandb's summary form of a value set with `run.summary[key] = value`."""
    scalar = scalar_of(value)
    if scalar is not NotImplemented:
        return scalar
    from tracklab.sdk.data_types import serialize_summary_value

    try:
        return serialize_summary_value(value, sink.dir, key, run=sink)
    except OSError as exc:
        on_fault = getattr(sink, "on_disk_fault", None)
        if on_fault is None or not on_fault(exc, key):
            raise
        return None  # a full disk: the summary value is left out (said once)


def pop_charts(data: dict[str, Any]) -> list[tuple[tuple[str, ...], Any]]:
    """Replace `wandb.plot` charts in `data` by their tables; return the config entries they need."""
    if "tracklab.sdk.data_types._charts" not in sys.modules:  # no chart was made (tracklab.plot loads it)
        return []
    from tracklab.sdk.data_types import pop_custom_charts

    return pop_custom_charts(data)
