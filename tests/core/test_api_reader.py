"""`Api()` on a local store looks runs up with plain SQL: the same entity MLflow's client
gives, and no MLflow import for reading a run's history."""

from __future__ import annotations

import dataclasses
import json

import tracklab
from tests.helpers import mlflow_client, run_python
from tracklab.backend import run_rows, sqlite_reader


def _view(run) -> dict:
    info = run.info
    return {"info": {f.name: getattr(info, f.name) for f in dataclasses.fields(run_rows.StoredRunInfo)},
            "metrics": {k: repr(v) for k, v in run.data.metrics.items()},
            "params": dict(run.data.params), "tags": dict(run.data.tags)}


def test_sql_lookup_gives_what_mlflows_client_gives(tl_dir):
    run = tracklab.init(project="reader", id="same01", config={"lr": 0.1, "layers": [1, 2]}, tags=["a"])
    for step in range(5):
        run.log({"loss": 1.0 / (step + 1), "nan": float("nan"), "big": float("inf"), "flag": True})
    run.finish()
    db = str(tl_dir / "mlflow.db")
    reader = sqlite_reader.SqliteReader("sqlite:///" + db, db)
    found = reader.find_run("reader", "same01")
    theirs = mlflow_client(tl_dir).get_run(found.info.run_id)
    assert _view(found) == _view(theirs)
    assert found.info.run_uuid == found.info.run_id
    by_mlflow_id = reader.find_run("reader", found.info.run_id)
    assert _view(by_mlflow_id) == _view(found)
    assert reader.find_run("reader", "missing") is None
    assert reader.find_run("other-project", "same01") is None


def test_sql_search_gives_what_mlflows_search_gives(tl_dir):
    for index in range(3):
        run = tracklab.init(project="many", id=f"many{index}", config={"i": index}, tags=[f"t{index}"],
                            reinit="finish_previous")
        run.log({"loss": index / 10})
        run.finish()
    gone = tracklab.init(project="many", id="gone")
    gone.finish()
    tracklab.Api().run("many/gone").delete()
    tracklab.init(project="other", id="elsewhere").finish()
    db = str(tl_dir / "mlflow.db")
    reader = sqlite_reader.SqliteReader("sqlite:///" + db, db)
    experiment_id = reader.experiment("many").experiment_id
    ours = list(reader.search(experiment_id))
    theirs = mlflow_client(tl_dir).search_runs([experiment_id])
    assert [_view(r) for r in ours] == [_view(r) for r in theirs]
    assert sorted(r.data.tags["tracklab.run_id"] for r in ours) == ["many0", "many1", "many2"]
    # several at once by MLflow id (a chart's runs): a missing id is left out
    wanted = [theirs[2].info.run_id, "0" * 32, theirs[0].info.run_id]
    assert sorted((_view(r) for r in reader.get_runs(wanted)), key=str) == sorted(
        (_view(r) for r in (theirs[2], theirs[0])), key=str)
    assert reader.get_runs([]) == []


def test_reading_history_in_a_fresh_process_imports_no_mlflow(tl_dir, tmp_path):
    run = tracklab.init(project="reader", id="fresh01")
    for step in range(50):
        run.log({"loss": step * 0.5, "acc": step / 50})
    run.finish()
    out = run_python(
        """
        import json, sys, tracklab
        api = tracklab.Api()
        run = api.run("reader/fresh01")
        frame = run.history(samples=1000)
        print(json.dumps({"mlflow": any(m == "mlflow" or m.startswith("mlflow.") for m in sys.modules),
                          "rows": len(frame), "loss": frame["loss"].tolist()[-1], "state": run.state,
                          "summary": run.summary["loss"], "config": run.config, "name": run.name}))
        """,
        cwd=tmp_path,
    )
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result == {"mlflow": False, "rows": 50, "loss": 24.5, "state": "finished", "summary": 24.5,
                      "config": {}, "name": run.name}


def _readers(tl_dir):
    from tracklab.backend.reader import StoreReader

    db = str(tl_dir / "mlflow.db")
    return sqlite_reader.SqliteReader("sqlite:///" + db, db), StoreReader("sqlite:///" + db)


def test_sqlite_reader_reads_what_the_client_reader_reads(tl_dir):
    run = tracklab.init(project="parity", id="par01")
    for step in range(3000):
        run.log({"loss": ((step * 7919) % 1000) / 1000, "nan": float("nan") if step % 3 else 1.0})
    run.finish()
    sql, client = _readers(tl_dir)
    found_sql, found_client = sql.find_run("parity", "par01"), client.find_run("parity", "par01")
    assert _view(found_sql) == _view(found_client)
    run_id = found_sql.info.run_id
    assert _view(sql.get_run(run_id)) == _view(client.get_run(run_id))
    assert sql.get_run("0" * 32) is None and client.get_run("0" * 32) is None
    points_sql, points_client = sql.metric_points(found_sql), client.metric_points(found_client)
    assert {k: [p[:2] for p in v] for k, v in points_sql.items() if k != "nan"} == \
        {k: [p[:2] for p in v] for k, v in points_client.items() if k != "nan"}
    for wanted in (100, 5000):
        a, b = sql.series(run_id, "loss", wanted), client.series(run_id, "loss", wanted)
        assert (a.total, a.sampled) == (b.total, b.sampled) == (3000, wanted == 100)
        assert (a.steps[0], a.steps[-1]) == (b.steps[0], b.steps[-1]) == (0, 2999)
        assert min(a.values) == min(b.values) and max(a.values) == max(b.values)
    assert sql.values_at(run_id, "loss", [0, 5, 2999]) == client.values_at(run_id, "loss", [0, 5, 2999])
    assert sql.series(run_id, "nan", 100).total == client.series(run_id, "nan", 100).total == 1000
    assert sql.series_version(run_id, "loss") == (3000, 0, 2999) and client.series_version(run_id, "loss") is None
    experiment = client.experiment_id("parity")
    assert sql.experiment_id("parity") == sql.known_experiment_id("parity") == experiment
    assert client.known_experiment_id("parity") is None and sql.known_experiment_id("nothing") is None
    assert sql.experiment_name(experiment) == client.experiment_name(experiment) == "parity"


def test_sqlite_reader_reads_through_mlflow_at_an_unknown_schema_revision(tl_dir, monkeypatch):
    from tracklab.backend import store_setup

    run = tracklab.init(project="revision", id="rev01")
    run.log({"x": 1.0})
    run.finish()
    monkeypatch.setattr(store_setup, "KNOWN_REVISIONS", frozenset())
    sql, _ = _readers(tl_dir)
    found = sql.find_run("revision", "rev01")
    assert type(found).__module__.startswith("mlflow.")  # MLflow's own entity: no SQL was run
    assert sql.known_experiment_id("revision") is None
    assert sql.series_version(found.info.run_id, "x") is None


def test_local_path_of_artifact_locations(tmp_path):
    from tracklab.backend.location import local_path

    assert local_path("file:///tmp/a%20b/c") == "/tmp/a b/c"
    assert local_path("/tmp/a%20b") == "/tmp/a%20b"  # a plain path is taken as it is
    assert local_path("mlflow-artifacts:/1/x") is None and local_path("s3://b/k") is None
    assert local_path("relative/path") is None and local_path(None) is None
