"""The run lease route: machines that share only the server's URL keep one live process per run.

`GET  /api/2.0/tracklab/runs/lease` says the route exists; `POST` with
`{"run_id": MLFLOW_RUN_ID, "holder": "host:pid", "ttl": SECONDS}` claims or renews the run's
lease (200 when it is the caller's now, 409 with the holder and the seconds left when another
live process holds it); `{"run_id": ..., "holder": ..., "release": true}` gives it back. The
lease lives in the server's own database (`tracklab.backend.run_lease`). The route sits under
MLflow's `/api/` prefix, so MLflow's Host-header and CORS checks apply to it; with `--auth`
claiming needs what writing the run needs (EDIT on its experiment).
"""

from __future__ import annotations

import threading
from typing import Any

from flask import Blueprint, jsonify, request

from mlflow_plugins._rest_errors import rest_error
from tracklab.backend import run_lease

lease = Blueprint("tracklab_run_lease", __name__)
_leases: Any = None
_leases_lock = threading.Lock()


def _store() -> Any:
    global _leases
    with _leases_lock:
        if _leases is None:
            from mlflow_plugins.tracklab_app import tracking_uri

            _leases = run_lease.SqlLeases(tracking_uri())
        return _leases


@lease.get(run_lease.ROUTE)
def describe() -> Any:
    return jsonify({"ttl_default": run_lease.DEFAULT_TTL})


@lease.post(run_lease.ROUTE)
def claim() -> Any:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        return rest_error(400, 'the body must be a JSON object {"run_id": ..., "holder": ..., "ttl": seconds}')
    run_id, holder = body.get("run_id"), body.get("holder")
    release = body.get("release") is True
    problem = run_lease.check_claim_request(run_id, holder, None if release else body.get("ttl"))
    if problem is None and not release and body.get("ttl") is None:
        problem = "ttl is required to claim a lease (seconds from 1 to 86400)"
    if problem:
        return rest_error(400, problem)
    if release:
        _store().release(run_id, holder)
        return jsonify({"released": True})
    outcome = _store().claim(run_id, holder, float(body["ttl"]))
    response = jsonify({"holder": outcome.holder, "seconds_left": outcome.seconds_left})
    response.status_code = 200 if outcome.granted else 409
    return response


def register_auth_validators(prefix: str) -> None:
    """Under MLflow's basic-auth app: claiming or releasing a run's lease needs update permission
    on the run (as writing to it does); the probe any logged-in user."""
    from mlflow.server import auth

    def can_update_run() -> bool:
        body = request.get_json(silent=True)
        run_id = body.get("run_id") if isinstance(body, dict) else None
        return isinstance(run_id, str) and bool(run_id) and auth._authorize_run_id(run_id, "update")

    auth.BEFORE_REQUEST_VALIDATORS[(prefix + run_lease.ROUTE, "POST")] = can_update_run
    auth.BEFORE_REQUEST_VALIDATORS[(prefix + run_lease.ROUTE, "GET")] = lambda: True
