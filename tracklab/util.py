"""`wandb.util` helpers that libraries and user code import (`generate_id`, `json_dumps_safer`, ...)."""

from __future__ import annotations

import importlib
import json
import os
import re
from types import ModuleType
from typing import Any

from tracklab.sdk.lib.runid import generate_id


def json_dumps_safer(obj: Any, **kwargs: Any) -> str:
    """JSON for values `json.dumps` refuses (numpy, torch, dates, sets...), as wandb encodes them."""
    from tracklab.sdk.data_types import _json

    if not kwargs:
        return _json.dumps_safer(obj)
    return json.dumps(obj, default=_json._default_safer, **kwargs)


def json_friendly(obj: Any) -> tuple[Any, bool]:
    """`(value, converted)`: numpy/torch/dates turned into plain JSON values."""
    from tracklab.sdk.data_types._json import json_friendly as friendly

    return friendly(obj)


def get_module(name: str, required: str | bool | None = None, lazy: bool = True) -> ModuleType | None:
    """Import `name`; None when it is missing, unless `required` (then raise with that message)."""
    try:
        return importlib.import_module(name)
    except ImportError:
        if required:
            raise ImportError(required if isinstance(required, str) else f"{name} is required") from None
        return None


def make_artifact_name_safe(name: str) -> str:
    """Replace characters artifact names may not hold with `_` (wandb's rule)."""
    cleaned = re.sub(r"[^a-zA-Z0-9_\-.]", "_", name)
    return cleaned[-128:] if len(cleaned) > 128 else cleaned


def mkdir_exists_ok(path: str) -> None:
    os.makedirs(path, exist_ok=True)


__all__ = ["generate_id", "json_dumps_safer", "json_friendly", "get_module", "make_artifact_name_safe",
           "mkdir_exists_ok"]
