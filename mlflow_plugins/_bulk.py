"""The bulk write route: a TrackLab writer's batch in one request, into the server's own store.

`GET  /api/2.0/tracklab/bulk/v1` says the route exists (the writer probes it once per run);
`POST /api/2.0/tracklab/bulk/v1/batches?run_id=ID` takes one body (`tracklab.backend.bulk_wire`)
with an `Idempotency-Key` header and writes it in one transaction: with COPY on PostgreSQL
(`postgres_store.write_points`), with the SQLite bulk writer on SQLite (both at a schema
revision TrackLab checked), else through MLflow's own store. A key the run already recorded is
answered 200 with `"duplicate": true` and nothing written. A body that is truncated, malformed,
too large, or for another run is answered 4xx with a message, and nothing is written.

The route is a Flask route of MLflow's app under MLflow's `/api/` prefix, so MLflow's
Host-header and CORS checks (the CORS one covers `/api/` paths only) apply to it as to MLflow's
own write routes.
"""

from __future__ import annotations

import threading
from typing import Any

from flask import Blueprint, jsonify, request

from mlflow_plugins._rest_errors import rest_error
from tracklab.backend import bulk_wire, mapping

bulk = Blueprint("tracklab_bulk", __name__)
_ROUTE = bulk_wire.ROUTE
_backend: Any = None
_backend_lock = threading.Lock()


@bulk.get(_ROUTE)
def describe() -> Any:
    """What this route takes (the writer's probe)."""
    return jsonify({"version": bulk_wire.VERSION, "max_bytes": bulk_wire.MAX_BODY_BYTES,
                    "backend": _writer().kind})


@bulk.post(bulk_wire.BATCHES_ROUTE)
def write_batch() -> Any:
    run_id = request.args.get("run_id", "")
    if request.content_length is not None and request.content_length > bulk_wire.MAX_BODY_BYTES:
        return rest_error(413, f"the body has {request.content_length} bytes, over the limit of {bulk_wire.MAX_BODY_BYTES}")
    try:
        key = bulk_wire.check_idempotency_key(request.headers.get(bulk_wire.IDEMPOTENCY_HEADER))
        batch = bulk_wire.decode(request.get_data(cache=False), run_id)
        stored = _writer().write(batch, key)
    except bulk_wire.BulkPayloadError as exc:
        return rest_error(exc.status, str(exc))
    return jsonify({"stored": len(batch.records) if stored else 0, "duplicate": not stored})


def register_auth_validators(prefix: str) -> None:
    """On a server with MLflow's basic-auth app: its before-request hook authorises our routes
    as it does its own (it refuses routes it has no check for, admins aside). Writing a batch
    needs what MLflow's log-batch needs: update permission on the run (EDIT on its experiment);
    the probe any logged-in user."""
    from mlflow.server import auth

    def can_update_run() -> bool:
        run_id = request.args.get("run_id")
        return bool(run_id) and auth._authorize_run_id(run_id, "update")

    auth.BEFORE_REQUEST_VALIDATORS[(prefix + bulk_wire.BATCHES_ROUTE, "POST")] = can_update_run
    auth.BEFORE_REQUEST_VALIDATORS[(prefix + bulk_wire.ROUTE, "GET")] = lambda: True


def _writer() -> Any:
    global _backend
    with _backend_lock:
        if _backend is None:
            from mlflow_plugins.tracklab_app import tracking_uri

            _backend = _open(tracking_uri())
        return _backend


def _open(uri: str) -> Any:
    from tracklab.backend import location, postgres_store, store_setup

    if postgres_store.is_postgres_uri(uri):
        conn = postgres_store.connect(uri)
        if postgres_store.schema_revision(conn) in store_setup.KNOWN_REVISIONS:
            return _PostgresWriter(uri, conn)
        conn.close()
    db = location.sqlite_path(uri)
    if db and store_setup.schema_revision(db) in store_setup.KNOWN_REVISIONS:
        return _SqliteWriter(db, location.artifact_root_for(uri))
    return _MlflowWriter()


class _PostgresWriter:
    """COPY into MLflow's tables, on a few connections shared by the server's threads (a
    connection per thread would reach PostgreSQL's max_connections with a few workers)."""

    kind = "postgresql"
    CONNECTIONS = 4  # per server worker process; a writer sends one batch at a time

    def __init__(self, uri: str, first: Any) -> None:
        self.uri = uri
        self._idle = [first]
        self._slots = threading.BoundedSemaphore(self.CONNECTIONS)
        self._lock = threading.Lock()

    def write(self, batch: bulk_wire.BulkBatch, key: str) -> bool:
        from tracklab.backend import postgres_store

        with self._slots:
            with self._lock:
                conn = self._idle.pop() if self._idle else None
            if conn is None or conn.closed or conn.broken:  # none idle yet, or the database restarted
                conn = postgres_store.connect(self.uri)
            try:
                return postgres_store.write_points(conn, batch.run_id, batch.keys, batch.records, batch.params,
                                                   batch.tags, batch.run_name, idempotency_key=key)
            finally:
                with self._lock:
                    self._idle.append(conn)


def _points_max_last(batch: bulk_wire.BulkBatch) -> list[tuple[str, float, int, int, int]]:
    """The points as tuples, ordered so each key's last is MLflow's latest (max step, ts, value)."""
    import numpy as np

    records = batch.records
    order = np.lexsort((records["value"], records["timestamp"], records["step"]))
    keys = batch.keys
    return [(keys[k], v, t, s, n) for k, v, t, s, n in records[order].tolist()]


class _SqliteWriter:
    """A server on a local SQLite store: the writer's own SQLite bulk path, one write at a time."""

    kind = "sqlite"

    def __init__(self, db: str, artifact_root: str) -> None:
        from tracklab.backend.sqlite_store import SqliteStore

        self.store = SqliteStore(db, artifact_root)
        self._lock = threading.Lock()

    def write(self, batch: bulk_wire.BulkBatch, key: str) -> bool:
        from tracklab.backend.store import Batch

        with self._lock:
            row = self.store.run_tag(batch.run_id, bulk_wire.KEYS_TAG)
            _check_run(batch.run_id, row)
            if key in bulk_wire.seen_keys(row[1]):
                return False
            tags = {**batch.tags, bulk_wire.KEYS_TAG: bulk_wire.with_key(row[1], key)}
            self.store.write(batch.run_id, Batch(system=_points_max_last(batch), params=batch.params, tags=tags,
                                                 run_name=batch.run_name))
        return True


class _MlflowWriter:
    """Any other backend store: MLflow's own `log_batch`, in MLflow's batch limits."""

    kind = "mlflow"

    def write(self, batch: bulk_wire.BulkBatch, key: str) -> bool:
        from mlflow.entities import Metric, Param, RunTag
        from mlflow.exceptions import MlflowException
        from mlflow.server.handlers import _get_tracking_store

        store = _get_tracking_store()
        try:
            run = store.get_run(batch.run_id)
        except MlflowException:
            run = None
        _check_run(batch.run_id, None if run is None else (run.info.lifecycle_stage, run.data.tags.get(bulk_wire.KEYS_TAG)))
        previous = run.data.tags.get(bulk_wire.KEYS_TAG)
        if key in bulk_wire.seen_keys(previous):
            return False
        metrics = [Metric(k, float("nan") if n else v, t, s) for k, v, t, s, n in _points_max_last(batch)]
        for start in range(0, len(metrics), 1000):
            store.log_batch(batch.run_id, metrics=metrics[start:start + 1000], params=[], tags=[])
        new, changed = mapping.params_through_mlflow(
            run.data.params, run.data.tags.get(mapping.TAG_CHANGED_PARAMS), batch.params)
        params = [Param(k, v) for k, v in new.items()]
        tags = [RunTag(k, v) for k, v in
                {**batch.tags, **changed, bulk_wire.KEYS_TAG: bulk_wire.with_key(previous, key)}.items()]
        for start in range(0, max(len(params), len(tags)), 100):
            store.log_batch(batch.run_id, metrics=[], params=params[start:start + 100], tags=tags[start:start + 100])
        if batch.run_name:
            store.update_run_info(batch.run_id, run.info.status, run.info.end_time, batch.run_name)
        return True


def _check_run(run_id: str, row: tuple[str, str | None] | None) -> None:
    if row is None:
        raise bulk_wire.BulkPayloadError(f"run {run_id!r} does not exist on this server", status=404)
    if row[0] != "active":
        raise bulk_wire.BulkPayloadError(f"run {run_id!r} is deleted; only active runs take data")
