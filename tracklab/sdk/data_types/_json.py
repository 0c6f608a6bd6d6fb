"""JSON encoding of logged values, matching wandb's encoders byte for byte.

wandb 0.31 encodes through `pydantic_core.to_json` (compact, NaN/Infinity as
constants) with a fallback hook for numpy, torch and friends, and only falls back
to the standard library when pydantic refuses. Doing the same here keeps file
hashes (sha256 in the descriptors) identical to wandb's.
"""

from __future__ import annotations

import json
import math
import sys
from collections.abc import Callable
from datetime import date, datetime
from typing import Any

#: numpy arrays longer than this are logged as a histogram, not a list.
MAX_LIST_LENGTH = 32


def _typename(obj: Any) -> str:
    """`module.Class` of a value (a module's own name for modules), as wandb tests it.

    Types are recognised by name so that torch, pandas, matplotlib... are never
    imported just to check a value.
    """
    cls = obj.__class__
    name = f"{cls.__module__}.{cls.__name__}"
    if name == "builtins.module":
        return obj.__name__
    return name


def _is_torch_tensor(obj: Any) -> bool:
    # By name, as wandb does: torch.nn.Parameter is *not* matched by this rule.
    name = _typename(obj)
    return name.startswith("torch.") and ("Tensor" in name or "Variable" in name)


def _is_tf_tensor(obj: Any) -> bool:
    name = _typename(obj)
    return name.startswith("tensorflow.") and ("Tensor" in name or "Variable" in name)


def _is_jax_array(obj: Any) -> bool:
    name = _typename(obj)
    return name.startswith("jaxlib.") and "Array" in name


def _is_matplotlib(obj: Any) -> bool:
    return _typename(obj).startswith("matplotlib.")


def _is_plotly(obj: Any) -> bool:
    return _typename(obj).startswith("plotly.")


def _is_plotly_figure(obj: Any) -> bool:
    name = _typename(obj)
    return name.startswith("plotly.") and name.endswith(".Figure")


def _is_pandas_dataframe(obj: Any) -> bool:
    name = _typename(obj)
    return name.startswith("pandas.") and "DataFrame" in name


def _is_ndarray(obj: Any) -> bool:
    # A value cannot be a numpy array unless numpy is already imported.
    np = sys.modules.get("numpy")
    return np is not None and isinstance(obj, np.ndarray)


def _is_numpy_generic(obj: Any) -> bool:
    np = sys.modules.get("numpy")
    return np is not None and isinstance(obj, np.generic)


def _numpy_scalar(obj: Any, *, preserve_nan: bool) -> Any:
    """A numpy scalar as the Python number wandb writes (NaN kept only when asked)."""
    value = obj.item()
    if isinstance(value, float) and math.isnan(value) and not preserve_nan:
        return None
    if _is_numpy_generic(value):
        # float128 / bfloat16 etc. have no exact Python type: wandb narrows to float.
        return float(value)
    return value


def json_friendly(obj: Any, *, preserve_numpy_nan: bool = False) -> tuple[Any, bool]:
    """One conversion step towards JSON (wandb's `util.json_friendly`).

    Returns the converted object and whether anything was converted.
    """
    if _is_tf_tensor(obj):
        obj = obj.numpy()
    elif _is_torch_tensor(obj):
        if getattr(obj, "requires_grad", False):
            obj = obj.detach()
        obj = getattr(obj, "data", obj)
        if not obj.size():
            return obj.item(), True
        obj = obj.cpu().detach().numpy()
    elif _is_jax_array(obj):
        import numpy as np

        obj = np.asarray(obj)

    if _is_ndarray(obj):
        if obj.size == 1:
            return obj.flatten()[0], True
        if obj.size <= MAX_LIST_LENGTH:
            return obj.tolist(), True
        return obj, True
    if _is_numpy_generic(obj):
        return _numpy_scalar(obj, preserve_nan=preserve_numpy_nan), True
    if isinstance(obj, bytes):
        return obj.decode("utf-8"), True
    if isinstance(obj, (datetime, date)):
        return obj.isoformat(), True
    if callable(obj):
        if hasattr(obj, "__qualname__") and hasattr(obj, "__module__"):
            return f"{obj.__module__}.{obj.__qualname__}", True
        return str(obj), True
    if isinstance(obj, float) and math.isnan(obj):
        return None, True
    if isinstance(obj, dict):
        return {
            (_numpy_scalar(k, preserve_nan=False) if _is_numpy_generic(k) else k): v
            for k, v in obj.items()
        }, True
    if isinstance(obj, set):
        return tuple(obj), True
    import enum

    if isinstance(obj, enum.Enum):
        return obj.name, True
    return obj, False


def _not_serializable(obj: Any) -> TypeError:
    return TypeError(f"Object of type {type(obj).__name__} is not JSON serializable")


def _default_safer(obj: Any) -> Any:
    """Fallback of wandb's `WandBJSONEncoder` (files such as tables and plotly)."""
    if hasattr(obj, "json_encode"):
        return obj.json_encode()
    converted_obj, converted = json_friendly(obj, preserve_numpy_nan=True)
    if converted:
        return converted_obj
    raise _not_serializable(obj)


def _default_history(obj: Any) -> Any:
    """Fallback of wandb's history encoder: big arrays become 32-bin histograms."""
    converted_obj, converted = json_friendly(obj, preserve_numpy_nan=True)
    if _is_ndarray(converted_obj) and converted_obj.size > MAX_LIST_LENGTH:
        from .histogram import Histogram

        return Histogram(converted_obj, num_bins=MAX_LIST_LENGTH).to_json()
    if converted:
        return converted_obj
    raise _not_serializable(obj)


def _default_uncompressed(obj: Any) -> Any:
    """Fallback of wandb's plain encoder (metadata files such as boxes)."""
    if _is_ndarray(obj):
        return obj.tolist()
    if _is_numpy_generic(obj):
        return obj.item()
    raise _not_serializable(obj)


def _dumps(obj: Any, default: Callable[[Any], Any] | None) -> str:
    try:
        import pydantic_core
    except ImportError:  # pragma: no cover - pydantic ships with mlflow and wandb
        pydantic_core = None
    if pydantic_core is not None:
        try:
            return pydantic_core.to_json(obj, inf_nan_mode="constants", fallback=default).decode()
        except Exception:
            pass  # wandb retries with the standard library, so do we
    return json.dumps(obj, default=default)


def dumps_safer(obj: Any) -> str:
    """JSON text as wandb's `json_dumps_safer` writes it."""
    return _dumps(obj, _default_safer)


def dumps_history(obj: Any) -> str:
    """JSON text as wandb writes a history value."""
    return _dumps(obj, _default_history)


def dumps_uncompressed(obj: Any) -> str:
    """JSON text as wandb's `json_dump_uncompressed` writes it."""
    return _dumps(obj, _default_uncompressed)


def dumps_plain(obj: Any) -> str:
    """JSON text as wandb's `json_util.dumps` writes it (no fallback hook)."""
    return _dumps(obj, None)
