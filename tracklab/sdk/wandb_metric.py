"""`define_metric`: metric definitions (step axis, step sync, summary aggregation)."""

from __future__ import annotations

import fnmatch
from typing import Any

_SUMMARY_OPS = {"min", "max", "mean", "first", "last", "best", "copy", "none"}


class Metric:
    """One definition made by `run.define_metric` (wandb.sdk.wandb_metric.Metric)."""

    def __init__(
        self,
        name: str,
        step_metric: str | None = None,
        step_sync: bool | None = None,
        hidden: bool | None = None,
        summary: str | None = None,
        goal: str | None = None,
    ) -> None:
        self.name = name
        self.step_metric = step_metric
        self.step_sync = step_sync
        self.hidden = hidden
        self.summary = summary
        self.goal = goal

    @property
    def summary_ops(self) -> tuple[str, ...]:
        """The aggregations asked for, in order."""
        if not self.summary:
            return ()
        return tuple(op.strip() for op in self.summary.split(",") if op.strip())

    def as_record(self) -> dict[str, Any]:
        return {k: v for k, v in vars(self).items() if v is not None}

    def __repr__(self) -> str:
        return f"Metric({self.as_record()!r})"


def parse_summary(name: str, summary: str | None) -> None:
    """Check a `summary=` string; the error names the metric, the value and the rule."""
    if summary is None:
        return
    if not isinstance(summary, str):
        raise TypeError(f"define_metric({name!r}): summary={summary!r} must be a string such as 'min,max'")
    for op in summary.split(","):
        if op.strip() not in _SUMMARY_OPS:
            raise ValueError(
                f"define_metric({name!r}): summary={summary!r} has {op.strip()!r}; "
                f"allowed: {', '.join(sorted(_SUMMARY_OPS))}"
            )


class MetricRules:
    """Resolves which definition applies to a history key (exact names beat globs)."""

    def __init__(self) -> None:
        self._exact: dict[str, Metric] = {}
        self._globs: list[Metric] = []
        self._cache: dict[str, Metric | None] = {}

    def add(self, metric: Metric, overwrite: bool = False) -> Metric:
        """Store a definition; repeated calls merge unless `overwrite`."""
        is_glob = any(ch in metric.name for ch in "*?[")
        table = None if is_glob else self._exact
        previous = self._exact.get(metric.name) if table is not None else next(
            (g for g in self._globs if g.name == metric.name), None
        )
        if previous is not None and not overwrite:
            for attr, value in vars(metric).items():
                if value is not None:
                    setattr(previous, attr, value)
            metric = previous
        elif is_glob:
            self._globs = [g for g in self._globs if g.name != metric.name] + [metric]
        else:
            self._exact[metric.name] = metric
        self._cache.clear()
        return metric

    def for_key(self, key: str) -> Metric | None:
        """The definition governing `key`, if any."""
        try:
            return self._cache[key]
        except KeyError:
            pass
        found = self._exact.get(key)
        if found is None:
            for metric in reversed(self._globs):
                if fnmatch.fnmatchcase(key, metric.name):
                    found = metric
                    break
        self._cache[key] = found
        return found

    def __bool__(self) -> bool:
        return bool(self._exact or self._globs)
