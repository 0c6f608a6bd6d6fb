"""`postgresql://` as the tracking URI itself: the writer's COPY path, behind the schema-revision
check, with what MLflow reads back (history, latest_metrics, params) equal to what was logged."""

from __future__ import annotations

import json
import math
import sys
import textwrap
import time
from pathlib import Path

import pytest

from tests import helpers
from tests.server._postgres import Cluster
from tests.server.conftest import machine

pytestmark = pytest.mark.server


def test_a_run_logged_straight_to_postgresql(pg_cluster: Cluster, pg_uri: str, tmp_path: Path) -> None:
    env = machine(tmp_path, "trainer", pg_uri)
    code = """
        import math, tracklab
        run = tracklab.init(project="direct", id="direct01", config={"lr": 0.5})
        for step in range(3000):
            run.log({"loss": 1.0 / (step + 1), "acc": step / 3000, "flag": step % 2 == 0})
        run.log({"loss": math.nan})
        run.finish()
    """
    proc = helpers.run([sys.executable, "-c", textwrap.dedent(code)], cwd=str(Path(env["HOME"]) / "work"),
                       env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr

    from mlflow.tracking import MlflowClient

    client = MlflowClient(pg_uri)
    (run,) = client.search_runs([client.get_experiment_by_name("direct").experiment_id])
    assert run.info.status == "FINISHED"
    assert run.data.params == {"lr": "0.5"}
    loss = client.get_metric_history(run.info.run_id, "loss")
    assert sorted(m.step for m in loss) == list(range(3001))
    assert math.isnan(run.data.metrics["loss"])  # the last step's value, as MLflow keeps it
    assert run.data.metrics["acc"] == 2999 / 3000 and run.data.metrics["flag"] == 0.0
    assert len(client.get_metric_history(run.info.run_id, "flag")) == 3000
    reader = machine(tmp_path, "reader", pg_uri)
    out = helpers.run([sys.executable, "-c", "import json, tracklab; r = tracklab.Api().run('direct/direct01'); "
                       "h = list(r.scan_history()); print(json.dumps([len(h), h[10]['loss'], r.state]))"],
                      cwd=str(Path(reader["HOME"]) / "work"), env=reader, capture_output=True, text=True,
                      timeout=300)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout.strip().splitlines()[-1]) == [3001, pytest.approx(1 / 11), "finished"]


def test_the_copy_path_only_at_a_checked_schema_revision(pg_cluster: Cluster, pg_uri: str, tmp_path: Path) -> None:
    from tracklab.backend import postgres_store
    from tracklab.backend.mlflow_store import MlflowClientStore

    store = postgres_store.open_postgres(pg_uri, str(tmp_path / "artifacts"))  # creates MLflow's schema
    try:
        assert isinstance(store, postgres_store.PostgresStore)
    finally:
        store.close()
    conn = pg_cluster.connect(pg_uri.rsplit("/", 1)[1])
    with conn:
        conn.execute("UPDATE alembic_version SET version_num = 'ffffffffffff'")
    conn.close()
    store = postgres_store.open_postgres(pg_uri, str(tmp_path / "artifacts"))
    assert type(store) is MlflowClientStore


def test_a_project_whose_artifacts_live_on_a_server_is_refused_and_no_run_starts(pg_uri: str, tmp_path: Path) -> None:
    from mlflow.tracking import MlflowClient

    client = MlflowClient(pg_uri)
    # What `tracklab server` (proxied artifacts) gives every experiment it creates.
    experiment_id = client.create_experiment("served", artifact_location="mlflow-artifacts:/served")
    env = machine(tmp_path, "direct", pg_uri)
    code = """
        import tracklab
        run = tracklab.init(project="served", id="served01", settings={"finish_timeout": 120})
        run.log({"loss": 1.0})
        run.finish()
        print("dir", run.dir)
    """
    proc = helpers.run([sys.executable, "-c", textwrap.dedent(code)], cwd=str(Path(env["HOME"]) / "work"),
                       env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert client.search_runs([experiment_id]) == []  # never created, so never left RUNNING
    # finish() names the fix (the writer said why it stopped); no traceback
    assert "Set TRACKLAB_TRACKING_URI to that server's address" in proc.stderr, proc.stderr
    assert "Traceback" not in proc.stderr, proc.stderr
    logs = list(Path(env["TRACKLAB_DIR"]).rglob("writer.log"))
    assert logs and "Set TRACKLAB_TRACKING_URI to that server's address" in logs[0].read_text()


def test_the_sql_history_reader_gives_what_mlflows_client_gives(pg_uri: str, tmp_path: Path) -> None:
    """`postgres_reader` (the team server's charts and Api history) against MLflow's client on the
    same run: whole histories equal, NaN included; the in-database min/max reduction of a long
    series equal to `series.sample` over MLflow's points."""
    env = machine(tmp_path, "trainer", pg_uri)
    code = """
        import math, random, tracklab
        rng = random.Random(7)
        run = tracklab.init(project="reader", id="reader01")
        for step in range(5000):
            run.log({"noisy": rng.gauss(0, 1), "loss": math.nan if step % 777 == 5 else 1 / (step + 1)})
        run.finish()
    """
    proc = helpers.run([sys.executable, "-c", textwrap.dedent(code)], cwd=str(Path(env["HOME"]) / "work"),
                       env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr

    from tracklab.backend.factory import open_reader
    from tracklab.backend.postgres_reader import PostgresReader
    from tracklab.backend.reader import StoreReader
    from tracklab.backend.series import sample

    sql, client = open_reader(pg_uri), StoreReader(pg_uri)
    assert isinstance(sql, PostgresReader)
    run = client.find_run("reader", "reader01")
    try:
        by_sql, by_client = sql.metric_points(run), client.metric_points(run)
        assert by_sql.keys() == by_client.keys() == {"noisy", "loss"}
        for key in by_sql:
            assert [(s, t) for s, _, t in by_sql[key]] == [(s, t) for s, _, t in by_client[key]]
            assert all(a == b or (math.isnan(a) and math.isnan(b))
                       for (_, a, _), (_, b, _) in zip(by_sql[key], by_client[key]))
        for key, points in (("noisy", 100), ("loss", 300), ("noisy", 5000)):
            got, want = sql.series(run.info.run_id, key, points), sample(client._finite_points(run.info.run_id, key),
                                                                         points)
            assert (got.steps, got.values, got.total) == (want.steps, want.values, want.total), (
                key, points, got.total, want.total, sorted(set(got.steps) ^ set(want.steps))[:10])
        assert sql.values_at(run.info.run_id, "noisy", [3, 4000, 9999]) == {
            s: v for s, v, _ in by_client["noisy"] if s in (3, 4000)}
    finally:
        sql.close()


def test_runs_read_with_sql_equal_mlflows_on_postgresql(pg_uri: str, tmp_path: Path) -> None:
    env = machine(tmp_path, "trainer", pg_uri)
    code = """
        import tracklab
        for index in range(3):
            run = tracklab.init(project="listed", id=f"listed{index}", config={"i": index, "opt": {"lr": 0.1}},
                                tags=[f"t{index}"], reinit="finish_previous")
            run.log({"loss": index / 10, "nan": float("nan")})
            run.finish()
        tracklab.init(project="listed", id="gone").finish()
        tracklab.Api().run("listed/gone").delete()
    """
    proc = helpers.run([sys.executable, "-c", textwrap.dedent(code)], cwd=str(Path(env["HOME"]) / "work"),
                       env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    from mlflow.tracking import MlflowClient

    from tracklab.backend.postgres_reader import PostgresReader

    def view(run) -> dict:
        return {"info": {name: getattr(run.info, name) for name in ("run_id", "experiment_id", "run_name", "status",
                                                                   "start_time", "end_time", "artifact_uri",
                                                                   "lifecycle_stage")},
                "metrics": {k: repr(v) for k, v in run.data.metrics.items()},
                "params": dict(run.data.params), "tags": dict(run.data.tags)}

    reader = PostgresReader(pg_uri)
    try:
        experiment_id = reader.experiment("listed").experiment_id
        theirs = MlflowClient(pg_uri).search_runs([experiment_id])
        assert [view(r) for r in reader.search(experiment_id)] == [view(r) for r in theirs]
        assert len(theirs) == 3
        assert view(reader.get_run(theirs[0].info.run_id)) == view(theirs[0])
        assert reader.get_run("0" * 32) is None
        # several at once (a chart's runs), the missing id left out
        wanted = [theirs[2].info.run_id, "0" * 32, theirs[0].info.run_id]
        assert sorted((view(r) for r in reader.get_runs(wanted)), key=str) == sorted(
            (view(r) for r in (theirs[2], theirs[0])), key=str)
        assert reader.get_runs([]) == []
        assert reader.experiment_name(experiment_id) == "listed"
    finally:
        reader.close()


def test_the_store_signature_moves_with_writes_only(pg_uri: str, tmp_path: Path) -> None:
    from tracklab.backend.postgres_reader import PostgresReader

    env = machine(tmp_path, "trainer", pg_uri)
    code = "import tracklab; r = tracklab.init(project='sig', id='sig01'); r.log({'x': 1}); r.finish()"
    assert helpers.run([sys.executable, "-c", code], cwd=str(Path(env["HOME"]) / "work"), env=env,
                       capture_output=True, text=True, timeout=300).returncode == 0
    reader = PostgresReader(pg_uri)
    try:
        experiment_id = reader.experiment("sig").experiment_id

        def settled() -> str | None:  # the writer's last words and MLflow's first connection are done
            first = reader.store_signature()
            time.sleep(0.5)
            return first if reader.store_signature() == first else None

        before = helpers.wait_until(settled, timeout=60, what="a store nobody writes to")
        assert [r.data.metrics for r in reader.search(experiment_id)] == [{"x": 1.0}]
        assert reader.get_run(reader.search(experiment_id).__next__().info.run_id) is not None
        assert reader.store_signature() == before  # reading changes nothing
        code = "import tracklab; r = tracklab.init(project='sig', id='sig02'); r.log({'x': 2}); r.finish()"
        assert helpers.run([sys.executable, "-c", code], cwd=str(Path(env["HOME"]) / "work"), env=env,
                           capture_output=True, text=True, timeout=300).returncode == 0
        assert reader.store_signature() != before
    finally:
        reader.close()
