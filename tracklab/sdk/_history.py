"""wandb's step rules for `log()`: the open row, `commit=False`, explicit `step=`, and the
flattening and conversion of values. This is the hot path of every training loop."""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING, Any, Callable, Mapping

from tracklab.errors import term
from tracklab.sdk import _media_bridge

if TYPE_CHECKING:
    from tracklab.sdk.data_types._media_sink import MediaSink

logger = logging.getLogger("tracklab")

_PLAIN = (int, float, str, bool, type(None))


class History:
    """Accumulates rows and hands each committed row to `emit(row, nested)`.

    `nested` is the same row with nested dicts kept (wandb's summary keeps them nested), or
    None when nothing was nested.
    """

    def __init__(self, emit: Callable[[dict[str, Any], dict[str, Any] | None], None], start_time: float,
                 step: int, media: MediaSink,
                 set_internal_config: Callable[[tuple[str, ...], Any], None]) -> None:
        self._emit = emit
        self._start = start_time
        self.step = step
        # wandb names media files with its own count of log calls, not with `_step`.
        self.media_step = step
        self._row: dict[str, Any] = {}
        self._nested: dict[str, Any] | None = None
        self._media = media
        self._set_internal_config = set_internal_config

    # -- values -------------------------------------------------------------------------
    def _convert(self, key: str, value: Any) -> Any:
        if isinstance(value, _PLAIN):  # subclasses of int/float/str (IntEnum, np.float64)
            if type(value) is not bool and isinstance(value, int):
                return int(value)
            if isinstance(value, float):
                return float(value)
            return value
        return _media_bridge.serialize(value, key, self.media_step, self._media)

    def _flatten(self, data: Mapping[str, Any], prefix: str, flat: dict[str, Any]) -> dict[str, Any]:
        nested: dict[str, Any] = {}
        for key, value in data.items():
            if type(key) is not str:
                raise TypeError("Key values passed to `wandb.log` must be strings.")
            if not key:
                logger.warning("tracklab.log: dropped a value logged under the empty key %r (rule: keys must be "
                               "non-empty; wandb drops them too)", prefix)
                continue
            full = prefix + key
            kind = type(value)
            if kind is float or kind is int or kind is str or kind is bool or value is None:
                flat[full] = nested[key] = value
            elif isinstance(value, Mapping):
                inner = self._flatten(value, full + ".", flat)  # wandb flattens nested keys with "."
                if inner:  # wandb keeps no trace of an empty dict
                    nested[key] = inner
            else:
                flat[full] = nested[key] = self._convert(key, value)
        return nested

    # -- rows ----------------------------------------------------------------------------
    def log(self, data: Mapping[str, Any], step: int | None, commit: bool | None) -> None:
        """Apply wandb's step rules to one `log()` call."""
        if step is not None:
            if type(step) is not int:
                step = _coerce_step(step)
            if step < self.step:
                term.termwarn(f"Tried to log to step {step} that is less than the current step {self.step}. Steps "
                              "must be monotonically increasing, so this data will be ignored. See "
                              "https://wandb.me/define-metric to log data out of order.")
                return
            if step > self.step:
                if self._row:
                    self._commit()
                self.step = step
        self._merge(data)
        if step is not None and step > self.media_step:
            self.media_step = step
        if commit is None:
            commit = step is None
        if commit:
            self.media_step += 1
            self._commit()

    def _merge(self, data: Mapping[str, Any]) -> None:
        row = self._row
        simple = True
        for key, value in data.items():
            kind = type(value)
            if (kind is float or kind is int or kind is str or kind is bool or value is None) and \
                    type(key) is str and key:
                row[key] = value
            else:  # anything else (rich values, nested dicts, odd keys) takes the slow path
                simple = False
                break
        if simple:
            if self._nested is not None:
                self._nested.update(data)
            return
        # Slow path: nested dicts or rich values somewhere in this call.
        data = dict(data)
        for path, value in _media_bridge.pop_charts(data):
            self._set_internal_config(path, value)
        flat: dict[str, Any] = {}
        nested = self._flatten(data, "", flat)
        row.update(flat)
        if self._nested is None:
            self._nested = {k: v for k, v in row.items() if k not in flat}
        self._nested.update(nested)

    def _commit(self) -> None:
        row = self._row
        now = time.time()
        row["_step"] = self.step
        row["_runtime"] = now - self._start
        row["_timestamp"] = now
        nested = self._nested
        if nested is not None and not any(isinstance(v, dict) and "_type" not in v for v in nested.values()):
            nested = None  # nothing was really nested (only rich values)
        self._row = {}
        self._nested = None
        self.step += 1
        self._emit(row, nested)

    def flush(self) -> None:
        """Commit the open row, if any (at finish)."""
        if self._row:
            self._commit()


def _coerce_step(step: Any) -> int:
    try:
        as_int = int(step)
    except (TypeError, ValueError):
        raise TypeError(f"tracklab.log: step={step!r} must be an int") from None
    if as_int != step:
        raise TypeError(f"tracklab.log: step={step!r} must be a whole number")
    return as_int
