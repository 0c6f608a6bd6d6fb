"""MLflow runs read with plain SQL on MLflow's tables (the SQLite and PostgreSQL readers).

A run is its `runs` row plus its latest metrics, params and tags. MLflow's `search_runs` builds
ORM objects for all of them and took seconds for a 2,000-run project (bench/
bench_workspace_scale.py); here a whole experiment is four queries, grouped in Python. The
objects have the fields of MLflow's `Run` that TrackLab reads (`info`, `data`).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from typing import Any


@dataclasses.dataclass
class StoredRunInfo:
    """The fields of MLflow's `RunInfo` the readers use."""

    run_id: str
    experiment_id: str
    run_name: str
    user_id: str
    status: str
    start_time: int | None
    end_time: int | None
    artifact_uri: str
    lifecycle_stage: str

    @property
    def run_uuid(self) -> str:
        return self.run_id


@dataclasses.dataclass
class StoredRunData:
    """The fields of MLflow's `RunData`: latest metric values, params, tags."""

    metrics: dict[str, float]
    params: dict[str, str]
    tags: dict[str, str]


@dataclasses.dataclass
class StoredRun:
    info: StoredRunInfo
    data: StoredRunData


Fetch = Callable[[str, Sequence[Any]], list[tuple]]

# `{where}` selects runs of table `runs`; `{p}` is the driver's placeholder.
_RUNS = ("SELECT run_uuid, name, user_id, status, start_time, end_time, artifact_uri, lifecycle_stage, experiment_id "
         "FROM runs WHERE {where} ORDER BY start_time DESC, run_uuid")
_CHILDREN = "SELECT run_uuid, {columns} FROM {table} WHERE run_uuid IN (SELECT run_uuid FROM runs WHERE {where})"


def load_runs(fetch: Fetch, where: str, args: Sequence[Any]) -> list[StoredRun]:
    """The runs `where` selects (newest first), each with its latest metrics, params and tags.
    `where` may use the placeholders of `fetch`'s driver."""
    runs: dict[str, StoredRun] = {}
    for uuid, name, user, status, start, end, artifact_uri, stage, experiment_id in fetch(
            _RUNS.format(where=where), args):
        info = StoredRunInfo(run_id=uuid, experiment_id=str(experiment_id), run_name=name or "", user_id=user or "",
                             status=status, start_time=start, end_time=end, artifact_uri=artifact_uri,
                             lifecycle_stage=stage)
        runs[uuid] = StoredRun(info=info, data=StoredRunData(metrics={}, params={}, tags={}))
    if not runs:
        return []
    for uuid, key, value, is_nan in fetch(_CHILDREN.format(columns="key, value, is_nan", table="latest_metrics",
                                                           where=where), args):
        if uuid in runs:
            runs[uuid].data.metrics[key] = float("nan") if is_nan else value
    for table, field in (("params", "params"), ("tags", "tags")):
        for uuid, key, value in fetch(_CHILDREN.format(columns="key, value", table=table, where=where), args):
            if uuid in runs:
                getattr(runs[uuid].data, field)[key] = value
    return list(runs.values())
