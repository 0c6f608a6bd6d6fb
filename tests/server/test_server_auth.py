"""`tracklab server --auth`: MLflow's basic-auth app combined with the plugin. The bulk and
lease routes want a login and EDIT permission on the run's experiment, like MLflow's own log-batch."""

from __future__ import annotations

import base64
import json
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.server._postgres import Cluster
from tests.server.conftest import TeamServer, start_team_server, stop_team_server
from tests.server.test_bulk_route import _batch, _counts, _send
from tracklab.backend import bulk_wire, run_lease

pytestmark = pytest.mark.server

ADMIN = ("admin", "admin-secret-123")


@pytest.fixture(scope="module")
def auth_server(pg_cluster: Cluster, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TeamServer]:
    folder = tmp_path_factory.mktemp("auth-server")
    config = folder / "basic_auth.ini"
    config.write_text("[mlflow]\ndefault_permission = READ\n"
                      f"database_uri = sqlite:///{folder / 'auth.db'}\n"
                      f"admin_username = {ADMIN[0]}\nadmin_password = {ADMIN[1]}\n"
                      "authorization_function = mlflow.server.auth:authenticate_request_basic_auth\n")
    uri = pg_cluster.create_database("tracklab_auth")
    server = start_team_server(uri, folder, "--auth", env={"MLFLOW_AUTH_CONFIG_PATH": str(config)})
    try:
        yield server
    finally:
        stop_team_server(server)
        pg_cluster.drop_database("tracklab_auth")


def _basic(user: tuple[str, str]) -> str:
    return "Basic " + base64.b64encode(f"{user[0]}:{user[1]}".encode()).decode()


def _rest(server: TeamServer, path: str, body: dict, user: tuple[str, str] = ADMIN) -> dict:
    request = urllib.request.Request(server.url + path, data=json.dumps(body).encode(), method="POST",
                                     headers={"Content-Type": "application/json", "Authorization": _basic(user)})
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.loads(response.read() or b"{}")


def _reader_and_editor(server: TeamServer, experiment_id: str, prefix: str) -> tuple[tuple[str, str], ...]:
    """Two new users: one with the default READ, one with EDIT on the experiment."""
    reader, editor = (prefix + "reader", "reader-pass-123"), (prefix + "editor", "editor-pass-123")
    for name, password in (reader, editor):
        _rest(server, "/api/2.0/mlflow/users/create", {"username": name, "password": password})
    _rest(server, "/api/3.0/mlflow/users/permissions/grant",
          {"username": editor[0], "resource_type": "experiment", "resource_id": experiment_id, "permission": "EDIT"})
    return reader, editor


def test_the_bulk_route_needs_a_login_and_edit_permission(auth_server: TeamServer, pg_cluster: Cluster,
                                                         monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    experiment_id = _rest(auth_server, "/api/2.0/mlflow/experiments/create", {"name": "secured"})["experiment_id"]
    run_id = _rest(auth_server, "/api/2.0/mlflow/runs/create", {"experiment_id": experiment_id})["run"]["info"]["run_id"]
    reader, editor = _reader_and_editor(auth_server, experiment_id, "")

    (body,) = bulk_wire.encode(run_id, _batch(range(50)))
    status, _ = _send(auth_server, run_id, body)
    assert status == 401  # no login
    status, answer = _send(auth_server, run_id, body, Authorization=_basic(reader))
    assert (status, answer) == (403, "Permission denied")  # READ only (the default): MLflow's answer
    assert _counts(pg_cluster, auth_server, run_id)[0] == 0
    assert _send(auth_server, run_id, body, Authorization=_basic(editor)) == (200, {"stored": 150, "duplicate": False})
    assert _counts(pg_cluster, auth_server, run_id)[0] == 150
    # The writer's client sends MLflow's credentials (MLFLOW_TRACKING_USERNAME/PASSWORD) and finds the route.
    monkeypatch.setenv("MLFLOW_TRACKING_USERNAME", editor[0])
    monkeypatch.setenv("MLFLOW_TRACKING_PASSWORD", editor[1])
    from tracklab.backend.server_store import ServerStore

    store = ServerStore(auth_server.url, str(tmp_path))
    store.write(run_id, _batch(range(50, 60)))
    assert store._bulk is True
    assert _counts(pg_cluster, auth_server, run_id)[0] == 180


def _lease(server: TeamServer, body: dict, user: tuple[str, str] | None) -> tuple[int, dict]:
    headers = {"Content-Type": "application/json"}
    if user:
        headers["Authorization"] = _basic(user)
    request = urllib.request.Request(server.url + run_lease.ROUTE, data=json.dumps(body).encode(), method="POST",
                                     headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as exc:
        text = exc.read()
        try:
            return exc.code, json.loads(text)
        except ValueError:
            return exc.code, {"text": text.decode(errors="replace")}


def test_the_lease_route_needs_a_login_and_edit_permission(auth_server: TeamServer) -> None:
    experiment_id = _rest(auth_server, "/api/2.0/mlflow/experiments/create", {"name": "leased"})["experiment_id"]
    run_id = _rest(auth_server, "/api/2.0/mlflow/runs/create", {"experiment_id": experiment_id})["run"]["info"]["run_id"]
    reader, editor = _reader_and_editor(auth_server, experiment_id, "lease-")
    claim = {"run_id": run_id, "holder": "node-x:1", "ttl": 60}

    assert _lease(auth_server, claim, None)[0] == 401
    assert _lease(auth_server, claim, reader)[0] == 403
    # refused claims wrote nothing: another holder gets the lease at once
    assert _lease(auth_server, {**claim, "holder": "node-y:2"}, editor)[0] == 200
    status, answer = _lease(auth_server, claim, editor)
    assert status == 409 and answer["holder"] == "node-y:2" and 0 < answer["seconds_left"] <= 60
    assert _lease(auth_server, {"run_id": run_id, "holder": "node-y:2", "release": True}, editor)[0] == 200
    assert _lease(auth_server, claim, editor)[0] == 200
    # malformed claims: a 400 that names the field
    status, answer = _lease(auth_server, {**claim, "ttl": "soon"}, editor)
    assert status == 400 and "ttl='soon'" in answer["message"]
