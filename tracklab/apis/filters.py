"""wandb's MongoDB-style run filters and orders, evaluated on public runs."""

from __future__ import annotations

import re
from typing import Any, Callable, Mapping

_MISSING = object()


def _field(run: Any, name: str) -> Any:
    """The value a filter field names on a public run (`config.lr`, `summary_metrics.acc`, `state`, ...)."""
    head, _, rest = name.partition(".")
    if head == "config":
        value: Any = run.config
        parts = rest.split(".")
        if parts and parts[-1] == "value":  # the server spells it config.<key>.value
            parts = parts[:-1]
        for part in parts:
            if isinstance(value, Mapping) and part in value:
                value = value[part]
            else:
                flat = ".".join(parts)
                return run.config.get(flat, _MISSING) if isinstance(run.config, Mapping) else _MISSING
        return value
    if head in ("summary_metrics", "summary"):
        value = run.summary_metrics
        if rest in value:
            return value[rest]
        for part in rest.split("."):
            if isinstance(value, Mapping) and part in value:
                value = value[part]
            else:
                return _MISSING
        return value
    simple = {
        "state": lambda: run.state,
        "tags": lambda: list(run.tags),
        "createdAt": lambda: run.created_at,
        "created_at": lambda: run.created_at,
        "displayName": lambda: run.name,
        "display_name": lambda: run.name,
        "name": lambda: run.id,
        "id": lambda: run.id,
        "group": lambda: run.group,
        "jobType": lambda: run.job_type,
        "job_type": lambda: run.job_type,
        "username": lambda: run.username,
        "host": lambda: (run.metadata or {}).get("host"),
        "duration": lambda: run.duration,
        "sweep": lambda: run.sweep_id,
    }
    getter = simple.get(name)
    return getter() if getter else _MISSING


def _compare(op: str, actual: Any, expected: Any) -> bool:
    if op == "$exists":
        return (actual is not _MISSING and actual is not None) == bool(expected)
    if actual is _MISSING:
        return op in ("$ne", "$nin")
    if op == "$eq":
        return expected in actual if isinstance(actual, list) and not isinstance(expected, list) else actual == expected
    if op == "$ne":
        return not _compare("$eq", actual, expected)
    if op in ("$gt", "$gte", "$lt", "$lte"):
        try:
            return {"$gt": actual > expected, "$gte": actual >= expected,
                    "$lt": actual < expected, "$lte": actual <= expected}[op]
        except TypeError:
            return False
    if op == "$in":
        if isinstance(actual, list):
            return any(a in expected for a in actual)
        return actual in expected
    if op == "$nin":
        return not _compare("$in", actual, expected)
    if op == "$regex":
        return isinstance(actual, str) and re.search(expected, actual) is not None
    if op == "$contains":
        return expected in actual if isinstance(actual, (str, list)) else False
    if op == "$all":
        return isinstance(actual, list) and all(e in actual for e in expected)
    if op == "$size":
        return isinstance(actual, list) and len(actual) == expected
    raise ValueError(f"unsupported filter operator {op!r}")


def matches(run: Any, query: Mapping[str, Any]) -> bool:
    """Whether a public run satisfies a MongoDB-style query."""
    for key, condition in query.items():
        if key == "$and":
            if not all(matches(run, q) for q in condition):
                return False
        elif key == "$or":
            if not any(matches(run, q) for q in condition):
                return False
        elif key == "$nor":
            if any(matches(run, q) for q in condition):
                return False
        elif key == "$not":
            if matches(run, condition):
                return False
        else:
            actual = _field(run, key)
            if isinstance(condition, Mapping) and condition and all(str(k).startswith("$") for k in condition):
                for op, expected in condition.items():
                    if op == "$not":
                        if all(_compare(o, actual, e) for o, e in expected.items()):
                            return False
                    elif not _compare(op, actual, expected):
                        return False
            elif not _compare("$eq", actual, condition):
                return False
    return True


def sort_key(order: str) -> tuple[Callable[[Any], Any], bool]:
    """A sort key and `reverse` flag for wandb's `order` ("+created_at", "-summary_metrics.acc", "loss")."""
    reverse = order.startswith("-")
    name = order.lstrip("+-")
    if "." not in name and name not in ("created_at", "createdAt", "name", "state", "display_name"):
        name = f"summary_metrics.{name}"

    def key(run: Any) -> Any:
        if name in ("created_at", "createdAt"):
            return (False, False, run.created_at_ms, "")  # the text form has whole seconds only
        value = _field(run, name)
        missing = value is _MISSING or value is None
        numeric = not missing and isinstance(value, (int, float))
        # Missing values sort last either way; numbers before text.
        return (missing != reverse, not numeric, value if numeric else 0, "" if numeric else str(value))

    return key, reverse
