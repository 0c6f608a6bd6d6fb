"""The raw SQLite floors: how fast SQLite itself takes the workload's points in one transaction.

- "mlflow": a copy of a fresh MLflow database (as `ensure_sqlite_store` makes it: WAL, 16 KiB
  pages), its real `metrics` table with the primary key and its two extra indexes, opened as
  TrackLab's store opens it (synchronous=NORMAL, foreign keys off as in MLflow, one run row to
  point at);
- "pk": a new database with SQLite's defaults and MLflow's `metrics` table, primary key only
  (the floor anchors.md measures).

The rows are built before the timing (the training loop's job); the timing is BEGIN..COMMIT.
"""

from __future__ import annotations

import os
import sqlite3
import time
import uuid

from bench.contenders import Adapter

_INSERT = "INSERT INTO metrics (key, value, timestamp, step, is_nan, run_uuid) VALUES (?, ?, ?, ?, ?, ?)"


def metrics_table_sql(template: str) -> str:
    """MLflow's CREATE TABLE for `metrics` (primary key included, indexes not)."""
    with sqlite3.connect(template) as conn:
        return conn.execute("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'metrics'").fetchone()[0]


def open_mlflow_copy(path: str, run_id: str) -> sqlite3.Connection:
    """The fresh MLflow database copied at `path`, opened as TrackLab's store does, with a run."""
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA synchronous=NORMAL")
    now = int(time.time() * 1000)
    conn.execute(
        "INSERT INTO runs (run_uuid, name, source_type, source_name, entry_point_name, user_id, status, start_time, "
        "end_time, source_version, lifecycle_stage, artifact_uri, experiment_id) "
        "VALUES (?, 'floor', 'UNKNOWN', '', '', '', 'RUNNING', ?, NULL, '', 'active', '', 0)", (run_id, now))
    return conn


def open_pk_only(path: str, template: str) -> sqlite3.Connection:
    """A new database with SQLite's defaults holding MLflow's metrics table (primary key only)."""
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute(metrics_table_sql(template))
    return conn


def build_rows(steps: int, run_id: str, keys: int = 10) -> list[tuple]:
    """The workload's points as metrics rows: `steps` x `keys` (key, value, ts ms, step, is_nan, run)."""
    names = [f"m{j}" for j in range(keys)]
    start = int(time.time() * 1000)
    return [(name, step * 1e-3 + j, start + step, step, 0, run_id)
            for step in range(steps) for j, name in enumerate(names)]


class FloorAdapter(Adapter):
    """A raw floor, driven by the child's bulk path: `prepare`, then `insert` (timed)."""

    def __init__(self, tmp: str, kind: str) -> None:
        super().__init__(tmp)
        self.kind = kind
        self.run_id = uuid.uuid4().hex
        folder = os.path.join(tmp, "floor")
        if kind == "mlflow":
            self.conn = open_mlflow_copy(os.path.join(folder, "mlflow.db"), self.run_id)
        else:
            self.conn = open_pk_only(os.path.join(folder, "pk.db"), os.path.join(folder, "template.db"))
        self.rows: list[tuple] = []

    def prepare(self, steps: int) -> None:
        self.rows = build_rows(steps, self.run_id)

    def insert(self) -> None:
        conn = self.conn
        conn.execute("BEGIN IMMEDIATE")
        conn.executemany(_INSERT, self.rows)
        conn.execute("COMMIT")

    def read_back(self, steps: int) -> int:
        self.rows = []
        rows = self.conn.execute("SELECT key, value, step FROM metrics WHERE run_uuid = ?", (self.run_id,)).fetchall()
        return len(rows) // 10
