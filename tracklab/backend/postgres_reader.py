"""The read side of a PostgreSQL store (a team server's database, or `postgresql://` given
directly): metric history and chart series with plain SQL instead of MLflow's client.

MLflow's `get_metric_history` builds one ORM object per point: a 1,000,000-step series took
35 s on the team server's first chart. Here a chart's series comes as one binary COPY read into
numpy arrays and reduced to each step range's minimum and maximum (`series.min_max_indices`,
the reduction `series.sample` makes), and whole histories come back as plain rows. Runs are read
with plain SQL too (`run_rows`); experiments and artifacts still go through MLflow's client
(`StoreReader`).
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from tracklab.backend.reader import StoreReader
from tracklab.backend.run_rows import load_runs
from tracklab.backend.series import Point, Series, min_max_indices

_RANGE = "run_uuid = %s AND key = %s AND NOT is_nan"
# PostgreSQL's binary COPY rows of (step bigint, value float8, timestamp bigint): a field count,
# then each field's length and big-endian bytes (no NULLs in these columns).
_ROW = [("fields", ">i2"), ("n1", ">i4"), ("step", ">i8"), ("n2", ">i4"), ("value", ">f8"), ("n3", ">i4"),
        ("timestamp", ">i8")]
_HEADER = 19  # "PGCOPY\n\377\r\n\0", flags, header extension length (0)


class PostgresReader(StoreReader):
    """Reads a PostgreSQL store: history with SQL, the rest through MLflow's client."""

    def __init__(self, tracking_uri: str) -> None:
        super().__init__(tracking_uri)
        self._local = threading.local()

    def _read(self, work: Any) -> Any:
        """`work(cursor)` on this thread's connection; a broken one is replaced and tried once more."""
        import psycopg

        from tracklab.backend import postgres_store

        for attempt in (0, 1):
            conn = getattr(self._local, "conn", None)
            if conn is None or conn.closed:
                conn = self._local.conn = postgres_store.connect(self.tracking_uri)
                conn.autocommit = True  # reads only: no transaction left open between requests
            try:
                with conn.cursor() as cursor:
                    return work(cursor)
            except psycopg.OperationalError:
                conn.close()
                self._local.conn = None
                if attempt:
                    raise
        return None

    def _rows(self, sql: str, args: Sequence[Any]) -> list[tuple]:
        def fetch(cursor: Any) -> list[tuple]:
            cursor.execute(sql, args)
            return cursor.fetchall()

        return self._read(fetch)

    def store_signature(self) -> Any:
        # The cluster's write-ahead log insert position moves with every write (any database's,
        # and autovacuum's), and not with reads: a cheap, safe "has anything changed". (Not
        # pg_current_wal_lsn: that is how far the log is written out, which lags the inserts.)
        return self._rows("SELECT pg_current_wal_insert_lsn()::text", ())[0][0]

    def search(self, experiment_id: str, filter_string: str = "", order_by: list[str] | None = None) -> Iterator[Any]:
        if filter_string or order_by:
            yield from super().search(experiment_id, filter_string, order_by)
            return
        yield from load_runs(self._rows, "experiment_id = %s AND lifecycle_stage = 'active'", (int(experiment_id),))

    def get_run(self, mlflow_run_id: str) -> Any | None:
        found = load_runs(self._rows, "run_uuid = %s", (mlflow_run_id,))
        return found[0] if found else None

    def get_runs(self, mlflow_run_ids: Sequence[str]) -> list[Any]:
        return load_runs(self._rows, "run_uuid = ANY(%s)", (list(mlflow_run_ids),)) if mlflow_run_ids else []

    def experiment_name(self, experiment_id: str) -> str:
        found = self._rows("SELECT name FROM experiments WHERE experiment_id = %s", (int(experiment_id),))
        return found[0][0] if found else super().experiment_name(experiment_id)

    def metric_points(self, run: Any, keys: Iterable[str] | None = None) -> dict[str, list[Point]]:
        sql = ("SELECT key, step, CASE WHEN is_nan THEN 'NaN'::float8 ELSE value END, timestamp FROM metrics "
               "WHERE run_uuid = %s")
        args: list[Any] = [run.info.run_id]
        if keys is not None:
            sql += " AND key = ANY(%s)"
            args.append(list(keys))
        out: dict[str, list[Point]] = {}
        for key, step, value, ts in self._rows(sql + " ORDER BY key, step, timestamp", args):
            out.setdefault(key, []).append((step, value, ts))
        return out

    def _stats(self, run_id: str, key: str) -> tuple[int, int | None, int | None]:
        count, first, last = self._rows(f"SELECT count(*), min(step), max(step) FROM metrics WHERE {_RANGE}",
                                        (run_id, key))[0]
        return int(count), first, last

    def series_version(self, run_id: str, key: str) -> Any:
        return self._stats(run_id, key)

    def _columns(self, run_id: str, key: str) -> tuple[Any, Any, Any]:
        """(steps, values, timestamps) of a series' non-NaN points as numpy arrays, in step order:
        one binary COPY, ~40 bytes a point on the wire, no Python object per point."""
        import numpy as np

        query = (f"COPY (SELECT step, value, timestamp FROM metrics WHERE {_RANGE} ORDER BY step, timestamp) "
                 "TO STDOUT (FORMAT BINARY)")

        def copy_out(cursor: Any) -> bytes:
            with cursor.copy(query, (run_id, key)) as copy:
                return b"".join(bytes(block) for block in copy)

        data = self._read(copy_out)
        row = np.dtype(_ROW)
        rows = np.frombuffer(data, dtype=row, offset=_HEADER, count=(len(data) - _HEADER - 2) // row.itemsize)
        return rows["step"].astype(np.int64), rows["value"].astype(np.float64), rows["timestamp"].astype(np.int64)

    def series(self, run_id: str, key: str, points: int) -> Series:
        steps, values, stamps = self._columns(run_id, key)
        total = len(steps)
        if total > 2 * points:
            keep = min_max_indices(steps, values, points)
            steps, values, stamps = steps[keep], values[keep], stamps[keep]
        series = Series(total=total)
        series.steps, series.values, series.timestamps = steps.tolist(), values.tolist(), stamps.tolist()
        return series

    def values_at(self, run_id: str, key: str, steps: Sequence[int]) -> dict[int, float]:
        rows = self._rows(f"SELECT step, value FROM metrics WHERE {_RANGE} AND step = ANY(%s) ORDER BY timestamp",
                          (run_id, key, sorted(set(steps))))
        return {int(step): float(value) for step, value in rows}

    def close(self) -> None:
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None
