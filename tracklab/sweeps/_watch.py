"""Follow a trial's run through its run log: the metric as it is logged, the summary at the end.

The run log is where every TrackLab run writes first (in-process or in a child process, online or
offline), so the agent sees the metric within the log's flush interval without reading MLflow.
"""

from __future__ import annotations

import glob
import math
import os
from typing import Any, Mapping

from tracklab.backend import location, runlog
from tracklab.backend.run_folder import RunFolder


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    value = float(value)
    return value if math.isfinite(value) else None


def summary_value(summary: Mapping[str, Any], name: str, goal: str) -> float | None:
    """The sweep metric in a run summary: by key, else by a `.`/`/` path into nested values.

    A `define_metric(summary=...)` aggregate (`{"min": .., "last": ..}`) gives the goal's end
    (`min` when minimizing, `max` when maximizing), else `best`, else `last`.
    """
    value: Any = summary.get(name)
    if value is None:
        for sep in (".", "/"):
            node: Any = summary
            for part in name.split(sep):
                node = node.get(part) if isinstance(node, Mapping) else None
            if node is not None:
                value = node
                break
    if isinstance(value, Mapping):
        order = ("min", "best", "last", "max", "mean") if goal == "minimize" else ("max", "best", "last", "min", "mean")
        value = next((value[k] for k in order if k in value), None)
    return _number(value)


class RunLogWatcher:
    """Reads new records of one run's log on each `poll()`."""

    def __init__(self, run_id: str, project: str, metric: str | None) -> None:
        self.run_id = run_id
        self.project = project
        self.metric = metric
        self.history: list[float] = []
        self.summary: dict[str, Any] = {}
        self.header: dict[str, Any] = {}
        self.exit: dict[str, Any] | None = None
        self._path: str | None = None
        self._offset = 0
        self._keys = (metric, metric.replace(".", "/")) if metric else ()

    def _find(self) -> str | None:
        if self._path is None:
            path = RunFolder.for_run(self.project, self.run_id).log_path
            if not os.path.exists(path):  # the program may have picked another project
                found = glob.glob(os.path.join(location.runs_dir(), "*", glob.escape(self.run_id), runlog.LOG_NAME))
                path = found[0] if found else None
            self._path = path
        return self._path

    @property
    def started(self) -> bool:
        """Whether the run has begun writing its log."""
        return bool(self.header)

    def poll(self) -> list[float]:
        """Read what was written since the last call; return the new values of the metric."""
        path = self._find()
        if path is None:
            return []
        try:
            records, self._offset = runlog.read_records(path, self._offset)
        except OSError:
            return []
        new: list[float] = []
        for kind, payload in records:
            if kind == runlog.HISTORY:
                for key in self._keys:
                    if key in payload:
                        value = _number(payload[key])
                        if value is not None:
                            new.append(value)
                        break
            elif kind == runlog.SUMMARY:
                self.summary = payload
            elif kind == runlog.HEADER:
                self.header.update(payload)
                self.exit = None  # a resumed session starts again
            elif kind == runlog.EXIT:
                self.exit = payload
        self.history.extend(new)
        return new

    def objective(self, goal: str) -> float | None:
        """The metric's final value: from the summary, else the last logged value."""
        if not self.metric:
            return None
        value = summary_value(self.summary, self.metric, goal)
        if value is None and self.history:
            value = self.history[-1]
        return value
