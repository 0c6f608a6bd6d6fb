"""`Summary`: the last value of each history key, explicit overrides, and define_metric
aggregations, with wandb's rule that the next `log` of a key replaces an override."""

from __future__ import annotations

import math
from collections.abc import MutableMapping
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
    """A run's summary (wandb.sdk.wandb_summary.Summary).

    `run.summary["a"]["b"] = 1` changes a nested value and is saved like a top-level one (nested
    dicts are read through `_SubSummary` views). As wandb's, a Summary may also be built over a
    `get_current_summary_callback` (reads go there) with `_set_update_callback(cb)` (each change is
    reported as a `SummaryRecord`, one per `update()`).
    """

    def __init__(self, get_current_summary_callback: Callable[[], dict] | None = None,
                 serialize: Callable[[str, Any], Any] | None = None) -> None:
        object.__setattr__(self, "_values", {})
        object.__setattr__(self, "_aggregates", {})
        object.__setattr__(self, "_suppressed", set())
        object.__setattr__(self, "_serialize", serialize)
        object.__setattr__(self, "_dirty", False)
        object.__setattr__(self, "_get_current", get_current_summary_callback)
        object.__setattr__(self, "_update_callback", None)

    def _set_update_callback(self, callback: Callable[[Any], None] | None) -> None:
        """`callback(SummaryRecord)` after every change made through this summary."""
        object.__setattr__(self, "_update_callback", callback)

    def _current(self) -> dict:
        return self._get_current() if self._get_current is not None else self._values

    def _report(self, update: Mapping[tuple[str, ...], Any] = {}, remove: tuple = ()) -> None:  # noqa: B006
        if self._update_callback is None:
            return
        from tracklab.sdk.interface.summary_record import SummaryItem, SummaryRecord

        record = SummaryRecord()
        for key, value in update.items():
            item = SummaryItem()
            item.key, item.value = key, value
            record.update.append(item)
        for key in remove:
            item = SummaryItem()
            item.key = key
            record.remove.append(item)
        self._update_callback(record)

    def _set_path(self, path: tuple[str, ...], value: Any) -> None:
        """Set the value at a nested path (its parents exist) and save and report the change."""
        if self._get_current is None:
            node = self._values
            for part in path[:-1]:
                node = node[part]
            node[path[-1]] = value
            object.__setattr__(self, "_dirty", True)
        self._report({path: value})

    def _delete_path(self, path: tuple[str, ...]) -> None:
        if self._get_current is None:
            node = self._values
            for part in path[:-1]:
                node = node[part]
            del node[path[-1]]
            object.__setattr__(self, "_dirty", True)
        self._report(remove=(path,))

    def _view(self, path: tuple[str, ...], value: Any) -> Any:
        return _SubSummary(self, path) if isinstance(value, dict) else value

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
    def _prepared(self, key: str, value: Any) -> Any:
        return self._serialize(key, value) if self._serialize is not None else value

    def __setitem__(self, key: str, value: Any) -> None:
        self._set_path((key,), self._prepared(key, value))

    def __setattr__(self, key: str, value: Any) -> None:
        self[key] = value

    def __getitem__(self, key: str) -> Any:
        return self._view((key,), self._current()[key])

    def __getattr__(self, key: str) -> Any:
        if key.startswith("__"):
            raise AttributeError(key)
        try:
            return self[key]
        except KeyError:
            raise AttributeError(f"'Summary' object has no attribute '{key}'") from None

    def __delitem__(self, key: str) -> None:
        self._delete_path((key,))

    __delattr__ = __delitem__

    def __contains__(self, key: object) -> bool:
        return key in self._current()

    def __iter__(self) -> Iterator[str]:
        return iter(self.keys())

    def __len__(self) -> int:
        return len(self._current())

    def __repr__(self) -> str:
        return repr(self._current())

    def keys(self) -> list[str]:
        return list(self._current())

    def items(self) -> list[tuple[str, Any]]:
        return list(self._current().items())

    def values(self) -> list[Any]:
        return list(self._current().values())

    def get(self, key: str, default: Any = None) -> Any:
        return self._current().get(key, default)

    def update(self, values: Mapping[str, Any] | None = None, **kwargs: Any) -> None:
        """Override several keys (until they are logged again); reported as one change."""
        prepared = {key: self._prepared(key, value) for key, value in dict(values or {}, **kwargs).items()}
        if not prepared:
            return
        if self._get_current is None:
            self._values.update(prepared)
            object.__setattr__(self, "_dirty", True)
        self._report({(key,): value for key, value in prepared.items()})

    def as_dict(self) -> dict[str, Any]:
        return dict(self._current())


class _SubSummary(MutableMapping):
    """A dict inside the summary, at `path`: reads give its values (nested dicts as views),
    writes and deletes go through the summary, so they are saved and reported."""

    def __init__(self, root: Summary, path: tuple[str, ...]) -> None:
        self._root = root
        self._path = path

    def _node(self) -> dict:
        node = self._root._current()
        for part in self._path:
            node = node[part]
        return node

    def __getitem__(self, key: str) -> Any:
        return self._root._view((*self._path, key), self._node()[key])

    def __setitem__(self, key: str, value: Any) -> None:
        self._root._set_path((*self._path, key), value)

    def __delitem__(self, key: str) -> None:
        self._root._delete_path((*self._path, key))

    def __iter__(self) -> Iterator[str]:
        return iter(self._node())

    def __len__(self) -> int:
        return len(self._node())

    def __eq__(self, other: object) -> bool:
        return self._node() == (dict(other) if isinstance(other, Mapping) else other)

    def __repr__(self) -> str:
        return repr(self._node())

    def __getattr__(self, key: str) -> Any:
        if not key.startswith("_") and key in self._node():
            return self[key]
        raise AttributeError(f"summary entry {'.'.join(self._path)!r} has no key {key!r}")


def _deep_merge(target: dict, source: Mapping[str, Any]) -> None:
    for key, value in source.items():
        if isinstance(value, dict) and isinstance(target.get(key), dict):
            _deep_merge(target[key], value)
        else:
            target[key] = value
