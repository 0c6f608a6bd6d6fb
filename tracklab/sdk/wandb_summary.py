"""`Summary`: the last value of each history key, explicit overrides, and define_metric
aggregations, with wandb's rule that the next `log` of a key replaces an override."""

from __future__ import annotations

import math
from typing import Any, Callable, Iterator, Mapping

from tracklab.sdk.wandb_metric import MetricRules


class _Aggregate:
    """Running min/max/mean/first/last/best of one key."""

    __slots__ = ("ops", "goal", "min", "max", "total", "count", "first", "last")

    def __init__(self, ops: tuple[str, ...], goal: str | None) -> None:
        self.ops = ops
        self.goal = goal or "minimize"
        self.min = self.max = self.first = self.last = None
        self.total = 0.0
        self.count = 0

    def add(self, value: Any) -> None:
        if self.first is None:
            self.first = value
        self.last = value
        if isinstance(value, (int, float)) and not isinstance(value, bool) and not math.isnan(value):
            self.min = value if self.min is None else min(self.min, value)
            self.max = value if self.max is None else max(self.max, value)
            self.total += value
            self.count += 1

    def result(self) -> Any:
        out: dict[str, Any] = {}
        for op in self.ops:
            if op == "mean":
                if self.count:
                    out["mean"] = self.total / self.count
            elif op == "best":
                out["best"] = self.max if self.goal.startswith("max") else self.min
            elif op == "copy":
                return self.last
            elif op in ("min", "max", "first", "last"):
                value = getattr(self, op)
                if value is not None:
                    out[op] = value
        return out


class Summary:
    """A run's summary (wandb.sdk.wandb_summary.Summary)."""

    def __init__(self, serialize: Callable[[str, Any], Any] | None = None) -> None:
        object.__setattr__(self, "_values", {})
        object.__setattr__(self, "_aggregates", {})
        object.__setattr__(self, "_suppressed", set())
        object.__setattr__(self, "_serialize", serialize)
        object.__setattr__(self, "_dirty", False)

    # -- updates from the run -----------------------------------------------------------
    def _from_history(self, row: Mapping[str, Any], rules: MetricRules | None, nested: Mapping[str, Any] | None) -> None:
        """Fold one committed history row in (the hot path)."""
        values = self._values
        if None in row.values():  # wandb's summary skips None values
            row = {k: v for k, v in row.items() if v is not None}
            if nested is not None:
                nested = {k: v for k, v in nested.items() if v is not None}
        if rules:
            self._from_history_with_rules(row, rules)
        elif nested is None:
            values.update(row)
        else:
            values["_step"] = row["_step"]
            values["_runtime"] = row["_runtime"]
            values["_timestamp"] = row["_timestamp"]
            _deep_merge(values, nested)
        object.__setattr__(self, "_dirty", True)

    def _from_history_with_rules(self, row: Mapping[str, Any], rules: MetricRules) -> None:
        values = self._values
        for key, value in row.items():
            metric = rules.for_key(key) if key[:1] != "_" else None
            ops = metric.summary_ops if metric is not None else ()
            if not ops:
                values[key] = value
                continue
            if "none" in ops:
                values.pop(key, None)
                continue
            agg = self._aggregates.get(key)
            if agg is None:
                agg = self._aggregates[key] = _Aggregate(ops, metric.goal)
            agg.add(value)
            values[key] = agg.result()

    def _load(self, values: Mapping[str, Any]) -> None:
        """Replace the contents (resume)."""
        self._values.clear()
        self._values.update(values)

    def _add_missing(self, values: Mapping[str, Any]) -> None:
        """Add already-serialized values for keys the summary lacks (what attached processes logged)."""
        missing = {key: value for key, value in values.items() if key not in self._values}
        if missing:
            self._values.update(missing)
            object.__setattr__(self, "_dirty", True)

    def _take_dirty(self) -> bool:
        dirty = self._dirty
        object.__setattr__(self, "_dirty", False)
        return dirty

    def _snapshot(self) -> dict[str, Any]:
        return dict(self._values)

    # -- user API ---------------------------------------------------------------------
    def __setitem__(self, key: str, value: Any) -> None:
        if self._serialize is not None:
            value = self._serialize(key, value)
        self._values[key] = value
        object.__setattr__(self, "_dirty", True)

    def __setattr__(self, key: str, value: Any) -> None:
        self[key] = value

    def __getitem__(self, key: str) -> Any:
        return self._values[key]

    def __getattr__(self, key: str) -> Any:
        if key.startswith("__"):
            raise AttributeError(key)
        try:
            return self._values[key]
        except KeyError:
            raise AttributeError(f"'Summary' object has no attribute '{key}'") from None

    def __delitem__(self, key: str) -> None:
        del self._values[key]
        object.__setattr__(self, "_dirty", True)

    __delattr__ = __delitem__

    def __contains__(self, key: object) -> bool:
        return key in self._values

    def __iter__(self) -> Iterator[str]:
        return iter(self.keys())

    def __len__(self) -> int:
        return len(self._values)

    def __repr__(self) -> str:
        return repr(self._values)

    def keys(self) -> list[str]:
        return list(self._values)

    def items(self) -> list[tuple[str, Any]]:
        return list(self._values.items())

    def values(self) -> list[Any]:
        return list(self._values.values())

    def get(self, key: str, default: Any = None) -> Any:
        return self._values.get(key, default)

    def update(self, values: Mapping[str, Any] | None = None, **kwargs: Any) -> None:
        """Override several keys (until they are logged again)."""
        for key, value in dict(values or {}, **kwargs).items():
            self[key] = value

    def as_dict(self) -> dict[str, Any]:
        return dict(self._values)


def _deep_merge(target: dict, source: Mapping[str, Any]) -> None:
    for key, value in source.items():
        if isinstance(value, dict) and isinstance(target.get(key), dict):
            _deep_merge(target[key], value)
        else:
            target[key] = value
