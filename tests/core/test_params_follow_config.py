"""MLflow params follow the run's config (issue: a changed config value kept its first param,
so `mlflow.search_runs("params.seed = '8'")` missed the run). Checked with plain MLflow."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import mlflow
import pytest

import tracklab
from tests.helpers import free_port, wait_until, mlflow_client, python_env, spawn, stop, stored_run, wait_until_up


def _found(root: Path, project: str, where: str) -> list[str]:
    """wandb run ids of the runs MLflow's own search finds with `where`."""
    client = mlflow_client(root)
    experiment = client.get_experiment_by_name(project)
    return sorted(r.data.tags["tracklab.run_id"] for r in client.search_runs([experiment.experiment_id], where))


def test_allow_val_change_updates_the_param(tl_dir: Path) -> None:
    run = tracklab.init(project="p", id="seed7to8", config={"seed": 7, "opt": {"lr": 0.1}, "keep": "x"})
    run.log({"loss": 1.0})
    run.config.update({"seed": 8, "opt": {"lr": 0.01}, "added": True}, allow_val_change=True)
    run.log({"loss": 0.5})
    run.finish()
    other = tracklab.init(project="p", id="stays7", config={"seed": 7})
    other.finish()

    assert _found(tl_dir, "p", "params.seed = '8'") == ["seed7to8"]
    assert _found(tl_dir, "p", "params.seed = '7'") == ["stays7"]
    params = stored_run(tl_dir, "p", "seed7to8").data.params
    assert params == {"seed": "8", "opt.lr": "0.01", "keep": "x", "added": "true"}
    assert "tracklab.changed_params" not in stored_run(tl_dir, "p", "seed7to8").data.tags
    assert tracklab.Api().run("p/seed7to8").config == {"seed": 8, "opt": {"lr": 0.01}, "keep": "x", "added": True}


def test_a_value_set_back_and_forth_ends_at_the_last(tl_dir: Path) -> None:
    run = tracklab.init(project="p", id="flip", config={"seed": 1})
    for value in (2, 1, 2, 1):
        run.config.update({"seed": value}, allow_val_change=True)
        run.log({"x": value})
    run.finish()
    assert stored_run(tl_dir, "p", "flip").data.params["seed"] == "1"


def test_a_resumed_run_with_a_new_config_value_updates_the_param(tl_dir: Path) -> None:
    first = tracklab.init(project="p", id="resumed", config={"seed": 7, "epochs": 3})
    first.log({"loss": 1.0})
    first.finish()
    again = tracklab.init(project="p", id="resumed", resume="must")
    again.config.update({"epochs": 6}, allow_val_change=True)
    again.log({"loss": 0.5})
    again.finish()
    params = stored_run(tl_dir, "p", "resumed").data.params
    assert params == {"seed": "7", "epochs": "6"}
    assert _found(tl_dir, "p", "params.epochs = '6'") == ["resumed"]


def test_api_run_update_changes_the_param(tl_dir: Path) -> None:
    run = tracklab.init(project="p", id="edited", config={"seed": 7, "name": "a"})
    run.finish()
    stored = tracklab.Api().run("p/edited")
    stored.config["seed"] = 11
    stored.config["extra"] = [1, 2]
    stored.update()
    params = stored_run(tl_dir, "p", "edited").data.params
    assert params == {"seed": "11", "name": "a", "extra": "[1, 2]"}
    assert tracklab.Api().run("p/edited").config == {"seed": 11, "name": "a", "extra": [1, 2]}


@pytest.fixture
def plain_mlflow_server(template_store: Path, tmp_path: Path):
    """`mlflow server` without TrackLab's plugin (MLflow's own write API only)."""
    root = tmp_path / "server"
    root.mkdir()
    (root / "server.db").write_bytes((template_store / "mlflow.db").read_bytes())
    port = free_port()
    proc = spawn([sys.executable, "-m", "mlflow", "server", "--host", "127.0.0.1", "--port", str(port),
                  "--backend-store-uri", f"sqlite:///{root / 'server.db'}",
                  "--artifacts-destination", str(root / "artifacts"), "--workers", "1"],
                 cwd=root, env=python_env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_until_up(port, proc, timeout=120, what="mlflow server")
        yield f"http://127.0.0.1:{port}"
    finally:
        stop(proc, timeout=30)


@pytest.mark.server
def test_a_plain_mlflow_server_keeps_the_first_value_and_tags_the_changed_keys(tl_dir: Path,
                                                                              plain_mlflow_server: str) -> None:
    url = plain_mlflow_server
    run = tracklab.init(project="plain", id="plain1", config={"seed": 7, "lr": 0.1},
                        settings={"tracking_uri": url})
    run.log({"loss": 1.0})
    client = mlflow.MlflowClient(url)
    # The first value must reach the server before the change (a writer folds both into one batch).
    def first_value_stored() -> bool:
        experiment = client.get_experiment_by_name("plain")
        return experiment is not None and bool(client.search_runs([experiment.experiment_id], "params.seed = '7'"))

    wait_until(first_value_stored, timeout=120, what="the first config value on the server")
    run.config.update({"seed": 8, "new": 1}, allow_val_change=True)
    run.log({"loss": 0.5})
    run.finish()

    experiment = client.get_experiment_by_name("plain")
    [stored] = client.search_runs([experiment.experiment_id])
    assert stored.data.params == {"seed": "7", "lr": "0.1", "new": "1"}  # MLflow refuses to change a param
    assert json.loads(stored.data.tags["tracklab.changed_params"]) == ["seed"]
    assert tracklab.Api(overrides={"tracking_uri": url}).run("plain/plain1").config == {"seed": 8, "lr": 0.1, "new": 1}

    edited = tracklab.Api(overrides={"tracking_uri": url}).run("plain/plain1")
    edited.config["seed"] = 7  # back to the param's value: off the list
    edited.config["lr"] = 0.5
    edited.update()
    stored = client.get_run(stored.info.run_id)
    assert json.loads(stored.data.tags["tracklab.changed_params"]) == ["lr"]
