"""`tracklab server` on a real PostgreSQL: a TrackLab run on one "machine" logs over http, and
another machine reads it back with `Api()` and plain `mlflow.search_runs`."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests import helpers
from tests.server.conftest import TeamServer, machine

pytestmark = pytest.mark.server

TRAIN = """
import tracklab as wandb
run = wandb.init(project="team", id="shared1", config={"lr": 0.01, "layers": 3})
for step in range(200):
    wandb.log({"loss": 1.0 / (step + 1), "acc": step / 200})
run.summary["best"] = 0.5
wandb.finish()
print("done", run.id)
"""


def _python(code: str, env: dict[str, str], timeout: float = 180) -> subprocess.CompletedProcess:
    proc = helpers.run([sys.executable, "-c", textwrap.dedent(code)], cwd=str(Path(env["HOME"]) / "work"),
                       env=env, capture_output=True, text=True, timeout=timeout)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc


def test_a_run_logged_over_http_reads_back_on_another_machine(team_server: TeamServer, tmp_path: Path) -> None:
    trainer = machine(tmp_path, "trainer", team_server.url)
    assert "done shared1" in _python(TRAIN, trainer).stdout
    # The trainer's machine kept no store of its own: everything went to the server.
    assert not (Path(trainer["TRACKLAB_DIR"]) / "mlflow.db").exists()

    reader = machine(tmp_path, "reader", team_server.url)
    out = _python("""
        import json, os, mlflow, tracklab
        mlflow.set_tracking_uri(os.environ["TRACKLAB_TRACKING_URI"])
        run = tracklab.Api().run("team/shared1")
        history = run.history(pandas=False)
        runs = mlflow.search_runs(experiment_names=["team"], output_format="list")
        print(json.dumps({
            "state": run.state, "config": dict(run.config), "best": run.summary["best"],
            "rows": len(history), "last_loss": history[-1]["loss"], "last_step": history[-1]["_step"],
            "mlflow": [(r.info.status, r.data.metrics["loss"], r.data.params["lr"]) for r in runs],
        }))
    """, reader).stdout
    got = json.loads(out.strip().splitlines()[-1])
    assert got["state"] == "finished"
    assert got["config"]["lr"] == 0.01 and got["config"]["layers"] == 3
    assert got["best"] == 0.5
    assert got["rows"] == 200 and got["last_step"] == 199 and got["last_loss"] == pytest.approx(1 / 200)
    assert got["mlflow"] == [["FINISHED", pytest.approx(1 / 200), "0.01"]]
    # The points went through the plugin's bulk route.
    assert "POST /api/2.0/tracklab/bulk/v1/batches?run_id=" in team_server.output()
    # The run's files went through the server into its artifact destination.
    assert list(team_server.artifacts.rglob("config.yaml"))


def test_the_server_serves_the_plugin_and_the_mlflow_ui(team_server: TeamServer) -> None:
    import urllib.request

    with urllib.request.urlopen(team_server.url + "/") as response:
        assert b"tracklab/static/js/stock-ui.js" in response.read()  # the plugin's script in MLflow's page
    with urllib.request.urlopen(team_server.url + "/tracklab/") as response:
        assert response.status == 200
