"""From a logged value to the JSON wandb would store for it (history and summary).

This mirrors wandb 0.31's `val_to_json` plus its history/summary JSON encoders:
media are bound to the run (their file copied under `files/media/...`), lists of
one media kind become one batch descriptor, DataFrames become tables, matplotlib
and plotly figures become plotly files, numpy/torch values become numbers, lists
or (over 32 elements) histograms.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from typing import Any

from ._json import (
    _is_matplotlib,
    _is_ndarray,
    _is_pandas_dataframe,
    _is_plotly,
    dumps_history,
    json_friendly,
)
from ._media_sink import FilesOnlySink, MediaSink
from .base_types.media import BatchableMedia, Media
from .base_types.wb_value import WBValue

_RULE = (
    "values must be numbers, strings, bools, None, dicts or lists of those, numpy/torch "
    "arrays or scalars, pandas DataFrames, matplotlib/plotly figures, or TrackLab data "
    "types (Image, Table, Histogram, Audio, Video, Html, Plotly, Object3D, Molecule, ...)"
)


def _prune(seq: Sequence[BatchableMedia]) -> Sequence[BatchableMedia]:
    limit = getattr(seq[0], "MAX_ITEMS", None)
    if limit is not None and limit < len(seq):
        logging.warning(f"Only {limit} {seq[0].__class__.__name__} will be uploaded.")
        return seq[:limit]
    return seq


def _val_to_json(target: MediaSink, key: str, val: Any, step: int | str) -> Any:
    """wandb's `val_to_json`: media and figures to descriptors, the rest unchanged."""
    if isinstance(val, (int, float, str, bool)):
        return val

    if _is_pandas_dataframe(val):
        from .table import Table

        val = Table(dataframe=val)
    elif _is_matplotlib(val) or _is_plotly(val):
        from .plotly import Plotly

        val = Plotly.make_plot_media(val)
    elif isinstance(val, (list, tuple, range)) and all(isinstance(v, WBValue) for v in val):
        if (
            len(val)
            and isinstance(val[0], BatchableMedia)
            and all(isinstance(v, type(val[0])) for v in val)
        ):
            items = _prune(val)  # type: ignore[arg-type]
            for item in items:
                item.bind_to_run(target, key, step, ignore_copy_err=True)
            return items[0].seq_to_json(items, target, key, step)
        return [_val_to_json(target, key, v, step) for v in val]

    if isinstance(val, WBValue):
        if isinstance(val, Media) and not val.is_bound():
            log_type = val._log_type
            if log_type in ("table", "partitioned-table", "joined-table"):
                from ._run_table_artifact import _log_table_artifact

                _log_table_artifact(val, key, target)
            if log_type not in ("partitioned-table", "joined-table"):
                val.bind_to_run(target, key, step)
        result = val.to_json(target)
        if getattr(val, "log_mode", None) == "INCREMENTAL":
            # Only rows added after this log go into the next increment.
            val._last_logged_idx = len(val.data) - 1  # type: ignore[attr-defined]
        return result
    return val


def _convert(target: MediaSink, key: str, value: Any, step: int | str) -> Any:
    if isinstance(value, dict):
        # Nested dicts keep their shape; media inside are named by their own
        # (innermost) key, as wandb names them.
        return {k: _convert(target, k, v, step) for k, v in value.items()}
    return _val_to_json(target, key, value, step)


def _unsupported(key: str, value: Any, cause: Exception) -> TypeError:
    return TypeError(
        f"Cannot log key {key!r}: a value of type {type(value).__module__}.{type(value).__qualname__} "
        f"is not supported ({cause}); rule: {_RULE}"
    )


def serialize_value(
    value: Any,
    files_dir: str,
    key: str,
    step: int | str,
    *,
    run: MediaSink | None = None,
) -> Any:
    """The JSON-able value wandb would put in a history row for `value` logged at `key`.

    Media are written to `files_dir/media/<kind>/<key>_<step>_<sha256[:20]><ext>`
    and described by wandb's descriptor dict; the summary keeps the same dict.
    `run` (optional) is the `MediaSink` media write to (the Run's); without one, media files
    still go into `files_dir`.
    Raises TypeError (naming the key, the type and the rule) for values that cannot
    be logged.
    """
    if value is None or isinstance(value, (int, float, str, bool)):
        return value
    target = run if run is not None else FilesOnlySink(files_dir)
    converted = _convert(target, key, value, step)
    try:
        return json.loads(dumps_history(converted))
    except (TypeError, ValueError, OverflowError) as e:
        raise _unsupported(key, value, e) from e


def serialize_summary_value(value: Any, files_dir: str, key: str, *, run: MediaSink | None = None) -> Any:
    """The JSON-able value wandb stores for an explicit `run.summary[key] = value`.

    Media are named `<key>_summary_<hash>`; numpy arrays over 32 elements become
    a statistics dict (`{"_type": "numpy.ndarray", "min", "max", "mean", ...}`)
    rather than a histogram, and NaN becomes null, as in wandb's summary encoder.
    """
    if value is None or isinstance(value, (str, bool, int)):
        return value
    target = run if run is not None else FilesOnlySink(files_dir)

    def encode(v: Any, path: str) -> Any:
        if isinstance(v, dict):
            return {k: encode(item, f"{path}.{k}") for k, item in v.items()}
        friendly, _ = json_friendly(_val_to_json(target, path, v, "summary"))
        return _compress_summary(friendly, v)

    try:
        converted, _ = json_friendly(encode(value, key))
        from ._json import _dumps

        return json.loads(_dumps(converted, _summary_default))
    except (TypeError, ValueError, OverflowError) as e:
        raise _unsupported(key, value, e) from e


def _h5_typename(obj: Any) -> str:
    from ._json import _is_tf_tensor, _is_torch_tensor

    if _is_tf_tensor(obj):
        return "tensorflow.Tensor"
    if _is_torch_tensor(obj):
        return "torch.Tensor"
    return obj.__class__.__module__.split(".")[0] + "." + obj.__class__.__name__


def _compress_summary(obj: Any, original: Any) -> Any:
    if _is_ndarray(obj) and obj.size > 32:
        import numpy as np

        return {
            "_type": _h5_typename(original),
            "var": np.var(obj).item(),
            "mean": np.mean(obj).item(),
            "min": np.amin(obj).item(),
            "max": np.amax(obj).item(),
            "10%": np.percentile(obj, 10),
            "25%": np.percentile(obj, 25),
            "75%": np.percentile(obj, 75),
            "90%": np.percentile(obj, 90),
            "size": obj.size,
        }
    return obj


def _summary_default(obj: Any) -> Any:
    # wandb's summary encoder: json_friendly (NaN -> null) then array statistics.
    converted_obj, converted = json_friendly(obj)
    compressed = _compress_summary(converted_obj, obj)
    if converted or compressed is not converted_obj:
        return compressed
    raise TypeError(f"Object of type {type(obj).__name__} is not JSON serializable")

