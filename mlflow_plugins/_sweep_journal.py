"""The sweep journal route: agents that know only the server's URL share their sweeps here.

`GET  /api/2.0/tracklab/sweeps/journal?from=N` answers `{"logs": [...]}`, the journal's logs
from number N on; `POST` with `{"batch": ID, "logs": [...]}` appends them (a batch id already
stored is not stored again). The journal is this server's sweep storage
(`tracklab.sweeps._storage`): on PostgreSQL, the `tracklab_sweep_journal` table of the tracking
database. The route sits under MLflow's `/api/` prefix, so MLflow's Host-header and CORS checks
guard it as they guard MLflow's own routes; with `--auth` every request needs a login.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify, request

from mlflow_plugins._rest_errors import rest_error
from tracklab.sweeps import _server_journal, _storage

journal = Blueprint("tracklab_sweep_journal", __name__)
_MAX_LOGS = 10_000


def _backend() -> Any:
    backend = _storage.journal_backend()
    if backend is None:
        raise LookupError(f"this server keeps its sweeps in {_storage.describe()}, not in a journal it can serve")
    return backend


@journal.get(_server_journal.ROUTE)
def read() -> Any:
    try:
        start = int(request.args.get("from", "0"))
    except ValueError:
        return rest_error(400, f"from={request.args.get('from')!r} must be a log number (an integer >= 0)")
    if start < 0:
        return rest_error(400, f"from={start} must be >= 0")
    try:
        logs = list(_backend().read_logs(start))
    except LookupError as exc:
        return rest_error(409, str(exc))
    return jsonify({"logs": logs})


@journal.post(_server_journal.ROUTE)
def append() -> Any:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        return rest_error(400, "the body must be a JSON object {\"batch\": ID, \"logs\": [...]}")
    batch, logs = body.get("batch"), body.get("logs")
    if not isinstance(batch, str) or not batch or len(batch) > 100:
        return rest_error(400, f"batch={batch!r} must be a non-empty string of at most 100 characters")
    if not isinstance(logs, list) or not all(isinstance(log, dict) and "op_code" in log for log in logs):
        return rest_error(400, "logs must be a list of optuna journal entries (objects with an op_code)")
    if len(logs) > _MAX_LOGS:
        return rest_error(413, f"{len(logs)} logs in one request; at most {_MAX_LOGS}")
    try:
        backend = _backend()
    except LookupError as exc:
        return rest_error(409, str(exc))
    if hasattr(backend, "append_logs_once"):
        backend.append_logs_once(logs, batch)
    else:  # a journal file: this server's workers share it through its lock
        backend.append_logs(logs)
    return jsonify({"stored": len(logs)})


def register_auth_validators(prefix: str) -> None:
    """Under MLflow's basic-auth app: any logged-in user reads and writes sweeps (a sweep has
    no permissions of its own in MLflow's model)."""
    from mlflow.server import auth

    for method in ("GET", "POST"):
        auth.BEFORE_REQUEST_VALIDATORS[(prefix + _server_journal.ROUTE, method)] = lambda: True
