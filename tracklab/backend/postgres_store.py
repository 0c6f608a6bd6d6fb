"""Bulk writes straight into MLflow's PostgreSQL schema (checked revision only).

Used twice: by the writer when the tracking URI is `postgresql://...` itself, and by the server
plugin's bulk route when the server's backend store is PostgreSQL. Points go in with `COPY ...
FROM STDIN (FORMAT BINARY)`, built with numpy (one fixed-width row layout per key), in one
transaction per batch:

- straight into `metrics` inside a savepoint; a unique violation (some rows are there already:
  a chunk sent again, or a repeated point) rolls back to the savepoint and takes the path that
  skips them: COPY into a temporary table, then `INSERT ... ON CONFLICT DO NOTHING`;
- `latest_metrics` upserted once per key with MLflow's rule (the max of step, timestamp, value);
- params and tags upserted (a param follows its config value, as in the SQLite writer), the run
  renamed.

A per-run advisory lock serialises two writes of one run (two server workers given the same
retried chunk). Runs, experiments and artifacts go through MLflow's client (`MlflowClientStore`):
once per run, where MLflow's speed does not matter.
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np

from tracklab.backend import bulk_wire
from tracklab.backend.mlflow_store import MlflowClientStore
from tracklab.backend.store import Batch

_COPY_HEADER = b"PGCOPY\n\xff\r\n\x00" + b"\x00\x00\x00\x00" + b"\x00\x00\x00\x00"
_COPY_TRAILER = b"\xff\xff"
_COLUMNS = "(key, value, timestamp, step, is_nan, run_uuid)"
_UPSERT_LATEST = (
    "INSERT INTO latest_metrics (key, value, timestamp, step, is_nan, run_uuid) "
    "SELECT k, v, t, s, n, %s FROM unnest(%s::text[], %s::float8[], %s::int8[], %s::int8[], %s::bool[]) "
    "AS u(k, v, t, s, n) "
    "ON CONFLICT (key, run_uuid) DO UPDATE SET value = excluded.value, timestamp = excluded.timestamp, "
    "step = excluded.step, is_nan = excluded.is_nan "
    "WHERE (excluded.step, excluded.timestamp, excluded.value) > "
    "(latest_metrics.step, latest_metrics.timestamp, latest_metrics.value)"
)
_DRIVER = re.compile(r"^postgres(?:ql)?(\+\w+)?://")


def is_postgres_uri(uri: str) -> bool:
    return bool(_DRIVER.match(uri))


def connect(uri: str) -> Any:
    """A psycopg connection for a SQLAlchemy/MLflow URI (`postgresql+psycopg://` and the like)."""
    import psycopg

    return psycopg.connect(_DRIVER.sub("postgresql://", uri), autocommit=False)


def schema_revision(conn: Any) -> str | None:
    """MLflow's alembic revision in this database (None: no MLflow schema)."""
    try:
        with conn.cursor() as cursor:
            cursor.execute("SELECT version_num FROM alembic_version")
            row = cursor.fetchone()
        conn.commit()
    except Exception:  # no such table
        conn.rollback()
        return None
    return row[0] if row else None


def copy_rows(run_id: str, keys: list[str], records: np.ndarray) -> bytes:
    """The records as one binary COPY stream in the column order of `_COLUMNS`, grouped by key
    (rows of one key share a fixed-width layout, so numpy lays them out in one pass)."""
    run = run_id.encode("ascii")
    order = np.argsort(records["key"], kind="stable")
    grouped = records[order]
    bounds = np.flatnonzero(np.diff(grouped["key"])) + 1
    parts = [_COPY_HEADER]
    for group in np.split(grouped, bounds):
        if not len(group):
            continue
        key = keys[int(group["key"][0])].encode("utf-8")
        layout = np.dtype([("fields", ">i2"), ("key_len", ">i4"), ("key", f"S{len(key)}"),
                           ("value_len", ">i4"), ("value", ">f8"), ("ts_len", ">i4"), ("ts", ">i8"),
                           ("step_len", ">i4"), ("step", ">i8"), ("nan_len", ">i4"), ("nan", "u1"),
                           ("run_len", ">i4"), ("run", f"S{len(run)}")])
        rows = np.empty(len(group), dtype=layout)
        rows["fields"] = 6
        rows["key_len"] = len(key)
        rows["key"] = key
        rows["value_len"] = 8
        rows["value"] = group["value"]
        rows["ts_len"] = 8
        rows["ts"] = group["timestamp"]
        rows["step_len"] = 8
        rows["step"] = group["step"]
        rows["nan_len"] = 1
        rows["nan"] = group["is_nan"]
        rows["run_len"] = len(run)
        rows["run"] = run
        parts.append(rows.tobytes())
    parts.append(_COPY_TRAILER)
    return b"".join(parts)


def write_points(conn: Any, run_id: str, keys: list[str], records: np.ndarray, params: dict[str, str],
                 tags: dict[str, str], run_name: str | None, idempotency_key: str | None = None) -> bool:
    """Write one batch of a run in one transaction (see the module's docstring).

    With an `idempotency_key` (the bulk route), the run must exist and be active, and a batch
    whose key the run already recorded is skipped: returns False.
    """
    import psycopg

    with conn.transaction(), conn.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (run_id,))
        if idempotency_key is not None:
            cursor.execute("SELECT r.lifecycle_stage, t.value FROM runs r LEFT JOIN tags t ON t.run_uuid = r.run_uuid "
                           "AND t.key = %s WHERE r.run_uuid = %s", (bulk_wire.KEYS_TAG, run_id))
            row = cursor.fetchone()
            if row is None:
                raise bulk_wire.BulkPayloadError(f"run {run_id!r} does not exist on this server", status=404)
            if row[0] != "active":
                raise bulk_wire.BulkPayloadError(f"run {run_id!r} is deleted; only active runs take data")
            if idempotency_key in bulk_wire.seen_keys(row[1]):
                return False
            tags = {**tags, bulk_wire.KEYS_TAG: bulk_wire.with_key(row[1], idempotency_key)}
        if params:
            cursor.executemany("INSERT INTO params (key, value, run_uuid) VALUES (%s, %s, %s) "
                               "ON CONFLICT (key, run_uuid) DO UPDATE SET value = excluded.value",
                               [(k, v, run_id) for k, v in params.items()])
        if len(records):
            data = copy_rows(run_id, keys, records)
            try:
                with conn.transaction():  # a savepoint
                    with cursor.copy(f"COPY metrics {_COLUMNS} FROM STDIN (FORMAT BINARY)") as copy:
                        copy.write(data)
            except psycopg.errors.UniqueViolation:
                cursor.execute("CREATE TEMP TABLE IF NOT EXISTS tracklab_points "
                               "(LIKE metrics INCLUDING DEFAULTS) ON COMMIT DELETE ROWS")
                with cursor.copy(f"COPY tracklab_points {_COLUMNS} FROM STDIN (FORMAT BINARY)") as copy:
                    copy.write(data)
                cursor.execute(f"INSERT INTO metrics {_COLUMNS} SELECT {_COLUMNS[1:-1]} FROM tracklab_points "
                               "ON CONFLICT DO NOTHING")
                cursor.execute("TRUNCATE tracklab_points")
            latest = bulk_wire.latest_points(keys, records)
            cursor.execute(_UPSERT_LATEST, (run_id, *map(list, zip(*latest))))
        if tags:
            cursor.executemany("INSERT INTO tags (key, value, run_uuid) VALUES (%s, %s, %s) "
                               "ON CONFLICT (key, run_uuid) DO UPDATE SET value = excluded.value",
                               [(k, v, run_id) for k, v in tags.items()])
        if run_name:
            cursor.execute("UPDATE runs SET name = %s WHERE run_uuid = %s", (run_name, run_id))
    return True


class ArtifactLocationError(RuntimeError):
    """The run's artifacts live where a direct database connection cannot put them."""

    retryable = False  # the writer stops instead of retrying (writer/_store_calls.py)


class PostgresStore(MlflowClientStore):
    """A `postgresql://` tracking URI at a checked schema revision: points by COPY."""

    def ensure_run(self, header: dict[str, Any], known_run_id: str | None) -> str:
        # Checked before the run is created or marked RUNNING: a run the writer could never
        # finish (its files have nowhere to go) is never started.
        if known_run_id is not None:
            location = self.client.get_run(known_run_id).info.artifact_uri
        else:
            experiment = self.client.get_experiment_by_name(header["project"])
            location = experiment.artifact_location if experiment is not None else ""
        if location.startswith("mlflow-artifacts:"):
            from tracklab.backend.ui_registry import printable_uri

            raise ArtifactLocationError(
                f"project {header['project']!r} keeps its artifacts on a tracking server ({location}); a machine "
                f"that writes to the database directly ({printable_uri(self.tracking_uri)}) cannot store them. "
                "Set TRACKLAB_TRACKING_URI to that server's address (http://HOST:PORT) instead")
        return super().ensure_run(header, known_run_id)

    def __init__(self, tracking_uri: str, artifact_root: str, conn: Any = None) -> None:
        super().__init__(tracking_uri, artifact_root)
        self._conn = conn if conn is not None else connect(tracking_uri)

    def write(self, run_id: str, batch: Batch) -> None:
        from tracklab.backend import mapping

        keys, records = bulk_wire.records_of(batch)
        tags = {k: mapping.tag_value(v) for k, v in batch.tags.items()}
        try:
            write_points(self._conn, run_id, keys, records, batch.params, tags, batch.run_name)
        except Exception:
            if self._conn.closed or self._conn.broken:  # the database restarted: reconnect, retry
                self._conn = connect(self.tracking_uri)
            raise

    def close(self) -> None:
        self._conn.close()


def open_postgres(tracking_uri: str, artifact_root: str) -> MlflowClientStore:
    """The store for a `postgresql://` URI: bulk writes at a schema revision TrackLab checked
    (a database without MLflow's tables gets them from MLflow first), else MLflow's client."""
    from tracklab.backend.store_setup import KNOWN_REVISIONS

    conn = connect(tracking_uri)
    revision = schema_revision(conn)
    if revision is None:
        import logging

        from mlflow.store.tracking.sqlalchemy_store import SqlAlchemyStore

        logging.getLogger("alembic").setLevel(logging.WARNING)
        SqlAlchemyStore(tracking_uri, artifact_root).engine.dispose()  # MLflow's migrations, once
        revision = schema_revision(conn)
    if revision in KNOWN_REVISIONS:
        return PostgresStore(tracking_uri, artifact_root, conn)
    conn.close()
    return MlflowClientStore(tracking_uri, artifact_root)
