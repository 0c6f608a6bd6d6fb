"""Reading a local SQLite store with plain SQL, on MLflow's own tables and indexes.

Only at a schema revision we checked (`store_setup.KNOWN_REVISIONS`, the same check as the
bulk writer's); any other store, or anything not done here, goes through MLflow's client
(`StoreReader`). Looking a run up needs no MLflow import (`Api().run(path).history()` in a
fresh process would otherwise spend 1-2.5 s importing MLflow); one indexed query reads a
whole run's history (MLflow's per-key history reads ~40 k points/s); a chart series is
reduced in SQL, so a 1,000,000-point series never crosses into Python as a whole. Only reads
happen here; edits go through MLflow's client.
"""

from __future__ import annotations

import contextlib
import math
import os
import sqlite3
import threading
from collections.abc import Iterable, Iterator, Sequence
from itertools import pairwise
from typing import Any

from tracklab.backend import mapping
from tracklab.backend.reader import StoreReader
from tracklab.backend.run_rows import StoredRun, load_runs
from tracklab.backend.series import Point, Series


_RANGE = "run_uuid = ? AND key = ? AND is_nan = 0"
# One series' rows through MLflow's (run_uuid, key, step) index. Without statistics SQLite picks
# the primary key's covering index (key first) for counts and point lookups, which walks that key
# in every run of the store: 250 ms a series in a 2,000-run store instead of ~1 ms.
_SERIES = "metrics INDEXED BY index_metrics_run_uuid_key_step"


class SqliteReader(StoreReader):
    """A local SQLite store: SQL for lookups, history and series; MLflow's client for the rest."""

    def __init__(self, tracking_uri: str, db_path: str) -> None:
        super().__init__(tracking_uri)
        self.db_path = db_path
        self._local = threading.local()
        self._checked = False

    def _conn(self, timeout: float = 30) -> sqlite3.Connection | None:
        """A read-only connection of this thread, or None while the store is missing or at a
        schema revision the SQL here was not checked against (then MLflow's client reads)."""
        if not self._checked:
            from tracklab.backend import store_setup

            if not store_setup.is_known(store_setup.schema_revision(self.db_path)):
                return None
            self._checked = True
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(f"file:{self.db_path}?mode=ro", uri=True, timeout=timeout,
                                   check_same_thread=False)
            self._local.conn = conn
        return conn

    def store_signature(self) -> Any:
        # Every commit writes the WAL file (a checkpoint writes the database file): their sizes and
        # modification times change with each write, whichever process made it. An empty WAL
        # file is no WAL file (a reader's first query creates one).
        signature = []
        for path in (self.db_path, self.db_path + "-wal"):
            try:
                info = os.stat(path)
            except FileNotFoundError:
                signature.append(None)
                continue
            signature.append((info.st_mtime_ns, info.st_size, info.st_ino) if info.st_size else None)
        return tuple(signature)

    # -- experiments -----------------------------------------------------------------------
    def known_experiment_id(self, project: str) -> str | None:
        if not os.path.exists(self.db_path):
            return None
        from tracklab.backend import store_setup

        try:  # a store busy being created must not hold up init(): no link this time
            with contextlib.closing(sqlite3.connect(f"file:{self.db_path}?mode=ro", uri=True, timeout=0.05)) as conn:
                if not store_setup.is_known(store_setup.revision_of(conn)):
                    return None
                row = conn.execute("SELECT experiment_id FROM experiments WHERE name = ?", (project,)).fetchone()
        except sqlite3.Error:
            return None
        return str(row[0]) if row else None

    # -- runs ------------------------------------------------------------------------------
    def find_run(self, project: str, run_id: str) -> Any | None:
        conn = self._conn()
        if conn is None:
            return super().find_run(project, run_id)
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

    def get_run(self, mlflow_run_id: str) -> Any | None:
        conn = self._conn()
        if conn is None:
            return super().get_run(mlflow_run_id)
        return _load(conn, mlflow_run_id)

    def get_runs(self, mlflow_run_ids: Sequence[str]) -> list[Any]:
        conn = self._conn()
        if conn is None or not mlflow_run_ids:
            return super().get_runs(mlflow_run_ids)
        marks = ",".join("?" * len(mlflow_run_ids))
        return load_runs(_fetch(conn), f"run_uuid IN ({marks})", list(mlflow_run_ids))

    def search(self, experiment_id: str, filter_string: str = "", order_by: list[str] | None = None) -> Iterator[Any]:
        conn = self._conn()
        if conn is None or filter_string or order_by:
            yield from super().search(experiment_id, filter_string, order_by)
            return
        yield from load_runs(_fetch(conn), "experiment_id = ? AND lifecycle_stage = 'active'", (int(experiment_id),))

    def experiment_name(self, experiment_id: str) -> str:
        conn = self._conn()
        row = None if conn is None else conn.execute("SELECT name FROM experiments WHERE experiment_id = ?",
                                                     (int(experiment_id),)).fetchone()
        return row[0] if row else super().experiment_name(experiment_id)

    # -- history ---------------------------------------------------------------------------
    def metric_points(self, run: Any, keys: Iterable[str] | None = None) -> dict[str, list[Point]]:
        conn = self._conn()
        if conn is None:
            return super().metric_points(run, keys)
        sql = ("SELECT key, step, CASE WHEN is_nan THEN 'NaN' ELSE value END, timestamp FROM metrics "
               "WHERE run_uuid = ?")
        args: list[Any] = [run.info.run_id]
        if keys is not None:
            keys = list(keys)
            sql += f" AND key IN ({','.join('?' * len(keys))})"
            args += keys
        rows = conn.execute(sql + " ORDER BY key, step, timestamp", args).fetchall()
        out: dict[str, list[Point]] = {}
        current_key = None
        bucket: list = []
        for key, step, value, ts in rows:
            if key != current_key:
                bucket = out.setdefault(key, [])
                current_key = key
            bucket.append((step, float(value) if type(value) is str else value, ts))
        return out

    def series_version(self, run_id: str, key: str) -> Any:
        conn = self._conn()
        return None if conn is None else _series_stats(conn, run_id, key)

    def series(self, run_id: str, key: str, points: int) -> Series:
        conn = self._conn()
        if conn is None:
            return super().series(run_id, key, points)
        total, first, last = _series_stats(conn, run_id, key)
        if total <= 2 * points or first is None:
            rows = conn.execute(f"SELECT step, value, timestamp FROM {_SERIES} WHERE {_RANGE} ORDER BY step, timestamp",
                                (run_id, key)).fetchall()
            return Series.of(rows, total)
        width = (last - first + 1) / points
        edges = [first + math.ceil(i * width) for i in range(points)] + [last + 1]
        kept: dict[tuple[int, int], Point] = {}
        for lo, hi in pairwise(edges):
            if hi <= lo:
                continue
            low, high = conn.execute(f"SELECT min(value), max(value) FROM {_SERIES} WHERE {_RANGE} AND step >= ? "
                                     "AND step < ?", (run_id, key, lo, hi)).fetchone()
            if low is None:
                continue
            for value in {low, high}:  # the first point of the range holding each extreme
                row = conn.execute(f"SELECT step, value, timestamp FROM {_SERIES} WHERE {_RANGE} AND step >= ? "
                                   "AND step < ? AND value = ? LIMIT 1", (run_id, key, lo, hi, value)).fetchone()
                if row:
                    kept[(row[0], row[2])] = row
        for step in (first, last):
            row = conn.execute(f"SELECT step, value, timestamp FROM {_SERIES} WHERE {_RANGE} AND step = ? "
                               "ORDER BY timestamp DESC LIMIT 1", (run_id, key, step)).fetchone()
            if row:
                kept[(row[0], row[2])] = row
        return Series.of(sorted(kept.values()), total)

    def values_at(self, run_id: str, key: str, steps: Sequence[int]) -> dict[int, float]:
        conn = self._conn()
        if conn is None:
            return super().values_at(run_id, key, steps)
        out: dict[int, float] = {}
        unique = sorted(set(steps))
        for start in range(0, len(unique), 500):
            chunk = unique[start:start + 500]
            rows = conn.execute(f"SELECT step, value FROM {_SERIES} WHERE {_RANGE} AND step IN "
                                f"({','.join('?' * len(chunk))}) ORDER BY timestamp", (run_id, key, *chunk))
            out.update((int(s), float(v)) for s, v in rows)
        return out

    def close(self) -> None:
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None


def _series_stats(conn: sqlite3.Connection, run_id: str, key: str) -> tuple[int, int | None, int | None]:
    """(count, first step, last step) of a series."""
    row = conn.execute(f"SELECT count(*), min(step), max(step) FROM {_SERIES} WHERE {_RANGE}", (run_id, key)).fetchone()
    return int(row[0]), row[1], row[2]


def _load(conn: sqlite3.Connection, run_uuid: str) -> StoredRun | None:
    found = load_runs(_fetch(conn), "run_uuid = ?", (run_uuid,))
    return found[0] if found else None


def _fetch(conn: sqlite3.Connection) -> Any:
    return lambda sql, args: conn.execute(sql, args).fetchall()
