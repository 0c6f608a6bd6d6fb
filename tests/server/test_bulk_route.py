"""The plugin's bulk route on a real `tracklab server` on PostgreSQL: replays store nothing twice,
`latest_metrics` follows MLflow's rule, bad bodies get a 4xx with a message and change nothing,
and MLflow's Host-header and CORS guards cover the route."""

from __future__ import annotations

import http.client
import json
import math
import struct
import urllib.parse
from typing import Any

import pytest

from tests.server._postgres import Cluster
from tests.server.conftest import TeamServer
from tracklab.backend import bulk_wire
from tracklab.backend.store import Batch

pytestmark = pytest.mark.server


def _post(server: TeamServer, path: str, body: bytes, headers: dict[str, str] | None = None) -> tuple[int, Any]:
    address = urllib.parse.urlsplit(server.url)
    conn = http.client.HTTPConnection(address.hostname, address.port, timeout=120)
    try:
        conn.request("POST", path, body=body, headers={"Content-Type": "application/octet-stream", **(headers or {})})
        response = conn.getresponse()
        text = response.read().decode("utf-8", "replace")
    finally:
        conn.close()
    try:
        return response.status, json.loads(text)
    except ValueError:
        return response.status, text


def _send(server: TeamServer, run_id: str, body: bytes, key: str | None = "default", to_run: str | None = None,
          **headers: str) -> tuple[int, Any]:
    if key == "default":
        key = bulk_wire.idempotency_key(body)
    if key is not None:
        headers[bulk_wire.IDEMPOTENCY_HEADER] = key
    return _post(server, f"{bulk_wire.BATCHES_ROUTE}?run_id={to_run or run_id}", body, headers)


def _batch(steps: range, keys: int = 3, offset: float = 0.0) -> Batch:
    batch = Batch()
    history = batch.history
    for step in steps:
        row = history.new_row(step, 1_000 + step)
        for k in range(keys):
            column = history.column(f"m{k}")
            column[0].append(row)
            column[1].append(step * 0.5 + k + offset)
    return batch


@pytest.fixture
def run_id(team_server: TeamServer) -> str:
    from mlflow.tracking import MlflowClient

    client = MlflowClient(team_server.url)
    experiment = client.get_experiment_by_name("bulk") or None
    experiment_id = experiment.experiment_id if experiment else client.create_experiment("bulk")
    return client.create_run(experiment_id).info.run_id


def _counts(pg_cluster: Cluster, server: TeamServer, run_id: str) -> tuple[int, int, int, int]:
    conn = pg_cluster.connect(server.backend_uri.rsplit("/", 1)[1])
    try:
        return tuple(conn.execute(f"SELECT COUNT(*) FROM {table} WHERE run_uuid = %s", (run_id,)).fetchone()[0]
                     for table in ("metrics", "latest_metrics", "params", "tags"))
    finally:
        conn.close()


def test_a_batch_sent_again_is_stored_once(team_server: TeamServer, pg_cluster: Cluster, run_id: str) -> None:
    batch = _batch(range(1000))
    batch.params["lr"] = "0.1"
    batch.tags["note"] = "first"
    (body,) = bulk_wire.encode(run_id, batch)
    assert _send(team_server, run_id, body) == (200, {"stored": 3000, "duplicate": False})
    # The answer was lost; the writer sends the same body again: recognised by its key.
    assert _send(team_server, run_id, body) == (200, {"stored": 0, "duplicate": True})
    # The same points under another key (a writer that re-read its log differently): the rows
    # already there are skipped by MLflow's primary key, the rest goes in.
    overlapping = _batch(range(500, 1500))
    (second,) = bulk_wire.encode(run_id, overlapping)
    assert _send(team_server, run_id, second)[0] == 200
    metrics, latest, params, _ = _counts(pg_cluster, team_server, run_id)
    assert (metrics, latest, params) == (4500, 3, 1)

    from mlflow.tracking import MlflowClient

    client = MlflowClient(team_server.url)
    history = client.get_metric_history(run_id, "m2")
    assert sorted(m.step for m in history) == list(range(1500))
    run = client.get_run(run_id)
    assert run.data.metrics["m2"] == 1499 * 0.5 + 2
    assert run.data.params == {"lr": "0.1"} and run.data.tags["note"] == "first"


def test_latest_metrics_follow_mlflows_rule(team_server: TeamServer, run_id: str) -> None:
    from mlflow.tracking import MlflowClient

    # Steps logged out of order and a NaN: MLflow keeps the max of (step, timestamp, value).
    batch = Batch()
    history = batch.history
    for step, value in ((5, 1.0), (9, 2.0), (3, 7.0)):
        row = history.new_row(step, 100)
        history.column("loss")[0].append(row)
        history.column("loss")[1].append(value)
    history.add_odd(history.new_row(4, 100), ("gap", 0.0, 100, 4, 1))
    (body,) = bulk_wire.encode(run_id, batch)
    assert _send(team_server, run_id, body)[0] == 200
    (older,) = bulk_wire.encode(run_id, _one_point("loss", 8, 50.0))
    assert _send(team_server, run_id, older)[0] == 200
    metrics = MlflowClient(team_server.url).get_run(run_id).data.metrics
    assert metrics["loss"] == 2.0
    assert metrics["gap"] != metrics["gap"]  # NaN read back as NaN


def _one_point(key: str, step: int, value: float) -> Batch:
    batch = Batch()
    row = batch.history.new_row(step, 100)
    batch.history.column(key)[0].append(row)
    batch.history.column(key)[1].append(value)
    return batch


def test_bad_bodies_get_a_4xx_with_a_message_and_change_nothing(team_server: TeamServer, pg_cluster: Cluster,
                                                               run_id: str) -> None:
    (good,) = bulk_wire.encode(run_id, _batch(range(100)))
    assert _send(team_server, run_id, good)[0] == 200
    before = _counts(pg_cluster, team_server, run_id)

    from mlflow.tracking import MlflowClient

    other_run = MlflowClient(team_server.url).create_run(MlflowClient(team_server.url).get_run(run_id).info.experiment_id)
    other = other_run.info.run_id
    bad_key_batch = _one_point("fine", 1, 1.0)
    bad_key_batch.history.by_key["bad=key"] = bad_key_batch.history.by_key.pop("fine")
    (bad_key,) = bulk_wire.encode(run_id, bad_key_batch)
    (fresh,) = bulk_wire.encode(run_id, _batch(range(100, 200)))
    cases = {
        "truncated": (fresh[:-10], {}, 400, "truncated"),
        "garbage": (b"not a bulk body at all", {}, 400, "not a TrackLab bulk body"),
        "bad header": (b"TLB1" + (5).to_bytes(4, "little") + b"{oops", {}, 400, "not valid JSON"),
        "another run's body": (fresh, {"to_run": other}, 400, f"the body is for run '{run_id}'"),
        "an unknown run": (bulk_wire.encode("0" * 32, _batch(range(3)))[0], {"to_run": "0" * 32}, 404, "does not exist"),
        "an invalid key": (bad_key, {}, 400, "invalid metric key 'bad=key'"),
        "no idempotency key": (fresh, {"key": None}, 400, "Idempotency-Key"),
        "oversized": (b"TLB1" + bytes(bulk_wire.MAX_BODY_BYTES), {}, 413, "over the limit"),
    }
    for name, (body, options, status, message) in cases.items():
        got_status, got = _send(team_server, run_id, body, **options)
        assert got_status == status, (name, got)
        assert message in got["message"], (name, got)
    infinite = bytearray(fresh)
    value_at = len(fresh) - 100 * 3 * bulk_wire.RECORD.itemsize + 4  # the first record's value
    infinite[value_at:value_at + 8] = struct.pack("<d", math.inf)
    got_status, got = _send(team_server, run_id, bytes(infinite))
    assert got_status == 400 and "metric values are finite" in got["message"]
    assert _counts(pg_cluster, team_server, run_id) == before
    assert _counts(pg_cluster, team_server, other)[0] == 0


def test_mlflows_host_and_cors_guards_cover_the_route(team_server: TeamServer, pg_cluster: Cluster,
                                                     run_id: str) -> None:
    (body,) = bulk_wire.encode(run_id, _batch(range(10)))
    status, answer = _send(team_server, run_id, body, Host="evil.example.com")
    assert status == 403 and "Host" in str(answer)
    status, answer = _send(team_server, run_id, body, Origin="http://evil.example.com")
    assert status == 403, answer
    assert _counts(pg_cluster, team_server, run_id)[0] == 0
    # The same request from an allowed origin goes through.
    assert _send(team_server, run_id, body, Origin=team_server.url)[0] == 200
