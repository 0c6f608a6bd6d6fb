"""Bulk writes straight into MLflow's SQLite schema (checked revision only; see store_setup).

MLflow's own store runs about 12 statements and 2 commits per `log_metrics`; here one
transaction carries thousands of points, and `latest_metrics` is kept right with one upsert
per key using MLflow's rule (the max of step, timestamp, value).
"""

from __future__ import annotations

import os
import sqlite3
import time
from typing import Any

from tracklab.backend import location, mapping, native_media
from tracklab.backend.store import Batch, log_artifact_as

_INSERT_METRIC = (
    "INSERT OR IGNORE INTO metrics (key, value, timestamp, step, is_nan, run_uuid) VALUES (?, ?, ?, ?, ?, ?)"
)
# The same rows, read by SQLite from the chunk's history rows (a JSON array of wandb rows):
# one statement, bound once, so the insert runs without Python's GIL while the writer parses
# the next chunk. Only used when every numeric key needs no escaping and no value is NaN or
# inf (the writer checks); bools become 1.0 / 0.0 and other values are not metrics, as in
# `mapping.metric_value`. SQLite reads back every double Python wrote (tests/core/test_writer.py).
_INSERT_METRICS_FROM_JSON = (
    "INSERT OR IGNORE INTO metrics (key, value, timestamp, step, is_nan, run_uuid) "
    "SELECT point.key, CASE point.type WHEN 'true' THEN 1.0 WHEN 'false' THEN 0.0 ELSE point.value END, "
    "row.ts, row.step, 0, ?2 "
    "FROM (SELECT value AS body, COALESCE(json_extract(value, '$._step'), 0) AS step, "
    "CAST(COALESCE(json_extract(value, '$._timestamp'), 0) * 1000 AS INTEGER) AS ts FROM json_each(?1)) AS row, "
    "json_each(row.body) AS point "
    "WHERE point.type IN ('integer', 'real', 'true', 'false') AND point.key NOT IN ('_step', '_timestamp', '_runtime')"
)
_UPSERT_LATEST = (
    "INSERT INTO latest_metrics (key, value, timestamp, step, is_nan, run_uuid) VALUES (?, ?, ?, ?, ?, ?) "
    "ON CONFLICT(key, run_uuid) DO UPDATE SET value = excluded.value, timestamp = excluded.timestamp, "
    "step = excluded.step, is_nan = excluded.is_nan "
    "WHERE (excluded.step, excluded.timestamp, excluded.value) > "
    "(latest_metrics.step, latest_metrics.timestamp, latest_metrics.value)"
)
_CHECKPOINT_BYTES = 80 * 1024 * 1024


def _now_ms() -> int:
    return int(time.time() * 1000)


def _rows_json(batch: Batch) -> str | None:
    """The batch's history rows as one JSON array for `_INSERT_METRICS_FROM_JSON`, when SQLite
    may read its points from them: the rows give exactly the points, and every key is plain
    ASCII without quotes or backslashes (so the key SQLite reads is the key as logged)."""
    rows = batch.history_rows
    if not rows or not all(key.isascii() and '"' not in key and "\\" not in key for key in batch.history.keys()):
        return None
    return "[" + ",".join(rows) + "]"


class SqliteStore:
    """A local MLflow SQLite store written with plain SQL."""

    def __init__(self, db_path: str, artifact_root: str) -> None:
        self.db_path = db_path
        self.artifact_root = artifact_root
        # isolation_level=None: we open transactions ourselves (BEGIN IMMEDIATE takes the write
        # lock up front, so a busy store makes us wait here rather than fail mid-transaction).
        self._conn = sqlite3.connect(db_path, timeout=60, isolation_level=None, check_same_thread=False)
        self._conn.execute("PRAGMA synchronous=NORMAL")
        # The page cache is memory the writer keeps for the whole run: 16 MB holds a chunk's dirty
        # pages (~7 MB) and the hot pages of the metrics table's three B-trees (their right
        # edges). A 128 MB cache inserted no faster (CPU time per point within 3%, 2-128 MB)
        # and made up 140 MB of the writer's peak for a million points (bench/).
        self._conn.execute("PRAGMA cache_size=-16384")
        # A chunk dirties ~7 MB of pages; at SQLite's default (1,000 pages) every other commit
        # also checkpointed. Every ~80 MB copies hot pages once per checkpoint (bench/: 6-10%
        # faster with the former 25 MB chunks); the WAL file is cut back to that size afterwards.
        page_size = self._conn.execute("PRAGMA page_size").fetchone()[0]
        self._conn.execute(f"PRAGMA wal_autocheckpoint={_CHECKPOINT_BYTES // page_size}")
        self._conn.execute(f"PRAGMA journal_size_limit={_CHECKPOINT_BYTES}")
        # Foreign keys stay off, as in MLflow's own store: checking them costs a lookup of the run
        # per inserted point (~5% of the insert), and ensure_run() makes the run row first.
        self._artifact_uris: dict[str, str] = {}

    # -- experiments and runs ----------------------------------------------------------
    def _experiment_id(self, name: str) -> int:
        conn = self._conn
        row = conn.execute("SELECT experiment_id, lifecycle_stage FROM experiments WHERE name = ? AND "
                           "workspace = 'default'", (name,)).fetchone()
        if row is not None:
            if row[1] != "active":
                # A deleted experiment of that name would block the project forever: restore it.
                conn.execute("UPDATE experiments SET lifecycle_stage = 'active', last_update_time = ? "
                             "WHERE experiment_id = ?", (_now_ms(), row[0]))
            return int(row[0])
        now = _now_ms()
        cursor = conn.execute(
            "INSERT INTO experiments (name, artifact_location, lifecycle_stage, creation_time, last_update_time, "
            "workspace) VALUES (?, ?, 'active', ?, ?, 'default')",
            (name, os.path.join(self.artifact_root, mapping.experiment_slug(name)), now, now),
        )
        return int(cursor.lastrowid)

    def ensure_run(self, header: dict[str, Any], known_run_id: str | None) -> str:
        run_id = known_run_id or header.get("mlflow_run_id")
        tags = mapping.run_tags(header)
        conn = self._conn
        conn.execute("BEGIN IMMEDIATE")
        try:
            if not run_id:
                row = conn.execute(
                    "SELECT r.run_uuid FROM runs r JOIN tags t ON t.run_uuid = r.run_uuid JOIN experiments e "
                    "ON e.experiment_id = r.experiment_id WHERE t.key = ? AND t.value = ? AND e.name = ?",
                    (mapping.TAG_RUN_ID, header["id"], header["project"]),
                ).fetchone()
                run_id = row[0] if row else os.urandom(16).hex()
            existing = conn.execute("SELECT artifact_uri FROM runs WHERE run_uuid = ?", (run_id,)).fetchone()
            if existing is None:
                experiment_id = self._experiment_id(header["project"])
                location = conn.execute("SELECT artifact_location FROM experiments WHERE experiment_id = ?",
                                        (experiment_id,)).fetchone()[0]
                artifact_uri = f"{location.rstrip('/')}/{run_id}/artifacts"
                conn.execute(
                    "INSERT INTO runs (run_uuid, name, source_type, source_name, entry_point_name, user_id, status, "
                    "start_time, end_time, source_version, lifecycle_stage, artifact_uri, experiment_id) "
                    "VALUES (?, ?, 'UNKNOWN', '', '', ?, 'RUNNING', ?, NULL, '', 'active', ?, ?)",
                    (run_id, header.get("name") or "", header.get("user") or "", int(header["start_time"] * 1000),
                     artifact_uri, experiment_id),
                )
            else:
                conn.execute("UPDATE runs SET status = 'RUNNING', end_time = NULL WHERE run_uuid = ?", (run_id,))
                if header.get("name"):
                    conn.execute("UPDATE runs SET name = ? WHERE run_uuid = ?", (header["name"], run_id))
            self._write_tags(run_id, tags)
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        return run_id

    def run_tag(self, run_id: str, key: str) -> tuple[str, str | None] | None:
        """(lifecycle stage, value of tag `key` or None) of a run; None when there is no such run."""
        return self._conn.execute(
            "SELECT r.lifecycle_stage, t.value FROM runs r LEFT JOIN tags t ON t.run_uuid = r.run_uuid "
            "AND t.key = ? WHERE r.run_uuid = ?", (key, run_id)).fetchone()

    def experiment_id_of(self, run_id: str) -> str | None:
        row = self._conn.execute("SELECT experiment_id FROM runs WHERE run_uuid = ?", (run_id,)).fetchone()
        return str(row[0]) if row else None

    # -- data ---------------------------------------------------------------------------
    def _write_tags(self, run_id: str, tags: dict[str, str]) -> None:
        if tags:
            self._conn.executemany("INSERT OR REPLACE INTO tags (key, value, run_uuid) VALUES (?, ?, ?)",
                                   [(k, mapping.tag_value(v), run_id) for k, v in tags.items()])

    def write(self, run_id: str, batch: Batch) -> None:
        conn = self._conn
        conn.execute("BEGIN IMMEDIATE")
        try:
            rows_json = _rows_json(batch)
            if rows_json is not None:
                conn.execute(_INSERT_METRICS_FROM_JSON, (rows_json, run_id))
                points = batch.system
            else:
                points = batch.points()
            if points:
                conn.executemany(_INSERT_METRIC, [(*m, run_id) for m in points])
            latest = batch.latest()
            if latest:
                conn.executemany(_UPSERT_LATEST, [(*m, run_id) for m in latest])
            if batch.params:
                conn.executemany("INSERT INTO params (key, value, run_uuid) VALUES (?, ?, ?) "
                                 "ON CONFLICT(key, run_uuid) DO UPDATE SET value = excluded.value",
                                 [(k, v, run_id) for k, v in batch.params.items()])
            self._write_tags(run_id, batch.tags)
            if batch.run_name:
                conn.execute("UPDATE runs SET name = ? WHERE run_uuid = ?", (batch.run_name, run_id))
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise

    def end_run(self, run_id: str, status: str, end_time_ms: int) -> None:
        self._conn.execute("UPDATE runs SET status = ?, end_time = ? WHERE run_uuid = ?", (status, end_time_ms, run_id))

    # -- artifacts ----------------------------------------------------------------------
    def artifact_uri(self, run_id: str) -> str:
        if run_id not in self._artifact_uris:
            row = self._conn.execute("SELECT artifact_uri FROM runs WHERE run_uuid = ?", (run_id,)).fetchone()
            self._artifact_uris[run_id] = row[0]
        return self._artifact_uris[run_id]

    def put_artifact(self, run_id: str, artifact_path: str, local_path: str) -> None:
        uri = self.artifact_uri(run_id)
        local_root = location.local_path(uri)
        if local_root is not None:
            target = os.path.join(local_root, artifact_path)
            os.makedirs(os.path.dirname(target), exist_ok=True)
            tmp = f"{target}.{os.getpid()}.tmp"
            native_media.copy_or_link(local_path, tmp, artifact_path)  # write-once media: a hard link
            os.replace(tmp, target)
            return
        # An experiment created elsewhere with a remote artifact location: let MLflow upload.
        from mlflow.store.artifact.artifact_repository_registry import get_artifact_repository

        log_artifact_as(get_artifact_repository(uri).log_artifact, artifact_path, local_path)

    def close(self) -> None:
        self._conn.close()
