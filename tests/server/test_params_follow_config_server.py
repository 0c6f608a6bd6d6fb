"""MLflow params follow the run's config on PostgreSQL: logging to `postgresql://` directly and
through a `tracklab server` (the plugin's bulk route), including a resume on another machine and
`Api().run(...).update()`; checked with MLflow's own search."""

from __future__ import annotations

import json
import sys
import textwrap
from pathlib import Path

import pytest

from tests import helpers
from tests.server.conftest import TeamServer, machine

pytestmark = pytest.mark.server

_TRAIN = """
    import tracklab
    run = tracklab.init(project="follow", id="follow01", config={"seed": 7, "opt": {"lr": 0.1}})
    run.log({"loss": 1.0})
    run.config.update({"seed": 8, "opt": {"lr": 0.01}}, allow_val_change=True)
    run.log({"loss": 0.5})
    run.finish()
"""

_RESUME_AND_EDIT = """
    import tracklab
    run = tracklab.init(project="follow", id="follow01", resume="must")
    run.config.update({"epochs": 4, "seed": 9}, allow_val_change=True)
    run.log({"loss": 0.25})
    run.finish()
    edited = tracklab.Api().run("follow/follow01")
    edited.config["opt"] = {"lr": 0.5}
    edited.update()
"""


def _python(env: dict[str, str], code: str) -> None:
    proc = helpers.run([sys.executable, "-c", textwrap.dedent(code)], cwd=str(Path(env["HOME"]) / "work"),
                       env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def _params(tracking_uri: str, where: str) -> list[dict[str, str]]:
    from mlflow.tracking import MlflowClient

    client = MlflowClient(tracking_uri)
    experiment = client.get_experiment_by_name("follow")
    return [run.data.params for run in client.search_runs([experiment.experiment_id], where)]


def _check(tracking_uri: str, tmp_path: Path) -> None:
    first, second = machine(tmp_path, "first", tracking_uri), machine(tmp_path, "second", tracking_uri)
    _python(first, _TRAIN)
    assert _params(tracking_uri, "params.seed = '8'") == [{"seed": "8", "opt.lr": "0.01"}]
    assert _params(tracking_uri, "params.seed = '7'") == []

    _python(second, _RESUME_AND_EDIT)  # another machine: nothing shared but the tracking URI
    assert _params(tracking_uri, "params.seed = '9' and params.epochs = '4'") == [
        {"seed": "9", "opt.lr": "0.5", "epochs": "4"}]
    out = helpers.run([sys.executable, "-c", "import json, tracklab; "
                       "print(json.dumps(tracklab.Api().run('follow/follow01').config))"],
                      cwd=str(Path(first["HOME"]) / "work"), env=first, capture_output=True, text=True, timeout=300)
    assert json.loads(out.stdout.strip().splitlines()[-1]) == {"seed": 9, "opt": {"lr": 0.5}, "epochs": 4}


def test_params_follow_config_on_postgresql_directly(pg_uri: str, tmp_path: Path) -> None:
    _check(pg_uri, tmp_path)


def test_params_follow_config_through_a_team_server(team_server: TeamServer, tmp_path: Path) -> None:
    _check(team_server.url, tmp_path)
