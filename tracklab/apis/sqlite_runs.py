"""Finding a run in a local SQLite store with plain SQL, shaped like MLflow's `Run` entity.

`Api().run(path).history()` in a fresh process would otherwise spend 1-2.5 s importing MLflow
to look one run up. Only reads happen here; edits still go through MLflow's client.
"""

from __future__ import annotations

import contextlib
import dataclasses
import sqlite3
from tracklab.backend import mapping


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


def _connect(db_path: str) -> sqlite3.Connection:
    return sqlite3.connect(f"file:{db_path}?mode=ro", uri=True, timeout=30)


def find_run(db_path: str, project: str, run_id: str) -> StoredRun | None:
    """The active run tagged with wandb id `run_id` in experiment `project`, or the run whose
    MLflow id is `run_id` in it (what `StoreReader.find_run` does through MLflow)."""
    with contextlib.closing(_connect(db_path)) as conn:
        row = conn.execute(
            "SELECT r.run_uuid FROM runs r JOIN experiments e ON e.experiment_id = r.experiment_id "
            "JOIN tags t ON t.run_uuid = r.run_uuid WHERE e.name = ? AND t.key = ? AND t.value = ? "
            "AND r.lifecycle_stage = 'active' ORDER BY r.start_time DESC LIMIT 1",
            (project, mapping.TAG_RUN_ID, run_id)).fetchone()
        if row is None and len(run_id) == 32:
            row = conn.execute(
                "SELECT r.run_uuid FROM runs r JOIN experiments e ON e.experiment_id = r.experiment_id "
                "WHERE e.name = ? AND r.run_uuid = ?", (project, run_id)).fetchone()
        return None if row is None else _load(conn, row[0])


def _load(conn: sqlite3.Connection, run_uuid: str) -> StoredRun:
    (name, user, status, start, end, artifact_uri, stage, experiment_id) = conn.execute(
        "SELECT name, user_id, status, start_time, end_time, artifact_uri, lifecycle_stage, experiment_id "
        "FROM runs WHERE run_uuid = ?", (run_uuid,)).fetchone()
    metrics = {key: (float("nan") if is_nan else value) for key, value, is_nan in conn.execute(
        "SELECT key, value, is_nan FROM latest_metrics WHERE run_uuid = ?", (run_uuid,))}
    params = dict(conn.execute("SELECT key, value FROM params WHERE run_uuid = ?", (run_uuid,)))
    tags = dict(conn.execute("SELECT key, value FROM tags WHERE run_uuid = ?", (run_uuid,)))
    info = StoredRunInfo(run_id=run_uuid, experiment_id=str(experiment_id), run_name=name or "", user_id=user or "",
                         status=status, start_time=start, end_time=end, artifact_uri=artifact_uri,
                         lifecycle_stage=stage)
    return StoredRun(info=info, data=StoredRunData(metrics=metrics, params=params, tags=tags))

