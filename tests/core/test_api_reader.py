"""`Api()` on a local store looks runs up with plain SQL: the same entity MLflow's client
gives, and no MLflow import for reading a run's history."""

from __future__ import annotations

import dataclasses
import json

import tracklab
from tests.helpers import mlflow_client, run_python
from tracklab.apis import sqlite_runs


def _view(run) -> dict:
    info = run.info
    return {"info": {f.name: getattr(info, f.name) for f in dataclasses.fields(sqlite_runs.StoredRunInfo)},
            "metrics": {k: repr(v) for k, v in run.data.metrics.items()},
            "params": dict(run.data.params), "tags": dict(run.data.tags)}


def test_sql_lookup_gives_what_mlflows_client_gives(tl_dir):
    run = tracklab.init(project="reader", id="same01", config={"lr": 0.1, "layers": [1, 2]}, tags=["a"])
    for step in range(5):
        run.log({"loss": 1.0 / (step + 1), "nan": float("nan"), "big": float("inf"), "flag": True})
    run.finish()
    found = sqlite_runs.find_run(str(tl_dir / "mlflow.db"), "reader", "same01")
    theirs = mlflow_client(tl_dir).get_run(found.info.run_id)
    assert _view(found) == _view(theirs)
    assert found.info.run_uuid == found.info.run_id
    by_mlflow_id = sqlite_runs.find_run(str(tl_dir / "mlflow.db"), "reader", found.info.run_id)
    assert _view(by_mlflow_id) == _view(found)
    assert sqlite_runs.find_run(str(tl_dir / "mlflow.db"), "reader", "missing") is None
    assert sqlite_runs.find_run(str(tl_dir / "mlflow.db"), "other-project", "same01") is None


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
