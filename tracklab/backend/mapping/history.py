"""History values as MLflow metrics, and which ones also need their exact copy in
`tracklab/history-objects.jsonl` (`docs/mapping.md`, "History")."""

from __future__ import annotations

import math
from typing import Any

DBL_MAX = 1.7976931348623157e308


def metric_value(value: Any) -> tuple[float, bool] | None:
    """(value, is_nan) as MLflow stores it, or None when `value` is not a number.

    MLflow clamps +-inf to +-DBL_MAX; we do the same here so every store holds the same value,
    and keep the exact value in the history-objects file.
    """
    if value is True or value is False:
        return (1.0 if value else 0.0), False
    if not isinstance(value, (int, float)):
        return None
    number = float(value) if not isinstance(value, float) else value
    if number != number:
        return 0.0, True
    if math.isinf(number):
        return (DBL_MAX if number > 0 else -DBL_MAX), False
    return number, False


def needs_exact_copy(value: Any) -> bool:
    """Whether a history value cannot be read back exactly from an MLflow metric.

    Strings, None, bools, containers, media, +-inf and ints beyond float precision go to the
    history-objects file as well (or only there).
    """
    kind = type(value)
    if kind is float:
        return value in (math.inf, -math.inf)
    if kind is int:
        return abs(value) > 2**53
    return True
