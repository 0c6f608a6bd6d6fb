"""Run-scoped artifacts (the `run-<id>-<key>` versions of tables logged with `run.log`) stay out of
MLflow's model registry: they are the producing run's LoggedModels. They are still wandb
artifacts (Api, use_artifact, logged/used_artifacts, the artifact panel), explicit `log_artifact`
versions stay registered models, and stores holding them the old way (as registered models)
are migrated by `tracklab gc` and on first open, with nothing lost."""

from __future__ import annotations

import datetime
import signal
from pathlib import Path
from typing import Any

import pytest
from mlflow.tracking import MlflowClient

import tracklab
from tests.artifacts._artifact_support import log_folder, read_tree, write_tree
from tests.artifacts._old_layout import to_old_layout
from tests.cli._cli import tl
from tests.helpers import free_port, run_python, stop
from tests.server.conftest import TeamServer, machine, pg_cluster, team_server  # noqa: F401 (fixtures)
from tests.ui.conftest import browser, browser_context, page, requests_seen, start_ui, wait_for_line  # noqa: F401
from tracklab.backend import location
from tracklab.sdk.artifacts import expired_versions

PROJECT = "tabs"
RUNS = ("rsa01", "rsa02", "rsa03")


def _log_runs(tmp_path: Path) -> None:
    """Three runs logging two tables each (`preds` twice, changed: v0 and v1), and one explicit
    dataset version (`log_artifact`)."""
    for i, run_id in enumerate(RUNS):
        run = tracklab.init(project=PROJECT, id=run_id)
        run.log({"preds": tracklab.Table(columns=["id", "label"], data=[[i, "cat"]])})
        run.log({"preds": tracklab.Table(columns=["id", "label"], data=[[i, "cat"], [i + 1, "dog"]])})
        run.log({"scores": tracklab.Table(columns=["s"], data=[[0.5 + i]])})
        if i == 0:
            log_folder(run, "raw", write_tree(tmp_path / "raw", {"a.txt": b"alpha"}), aliases=["best"])
        run.finish()


def _snapshot(tmp_path: Path) -> dict[str, Any]:
    """What a wandb user reads back: each table version's rows, files and aliases, and each run's
    logged artifacts."""
    api = tracklab.Api()
    out: dict[str, Any] = {}
    for run_id in RUNS:
        for key, versions in (("preds", ("v0", "v1")), ("scores", ("v0",))):
            for version in versions:
                art = api.artifact(f"{PROJECT}/run-{run_id}-{key}:{version}")
                files = read_tree(art.download(root=str(tmp_path / "dl" / f"{run_id}-{key}-{version}")))
                out[f"{run_id}-{key}:{version}"] = (art.type, art.get(key).data, files, sorted(art.aliases),
                                                    art.digest, art.logged_by().id, art.metadata, art.size)
        out[f"logged {run_id}"] = [a.name for a in api.run(f"{PROJECT}/{run_id}").logged_artifacts()]
        out[f"used {run_id}-preds:v0"] = [r.id for r in api.artifact(f"{PROJECT}/run-{run_id}-preds:v0").used_by()]
    out["used_artifacts"] = [a.name for a in api.run(f"{PROJECT}/rsa-use").used_artifacts()]
    return out


def _registered(uri: str) -> list[str]:
    return sorted(rm.name for rm in MlflowClient(uri).search_registered_models())


def test_logged_tables_are_not_registered_models(tl_dir: Path, tmp_path: Path) -> None:
    _log_runs(tmp_path)
    uri = location.resolve_tracking_uri()
    client = MlflowClient(uri)
    # The registry holds the explicit artifact only; no run's Models column lists a table.
    assert _registered(uri) == [f"{PROJECT}.raw"]
    runs = {r.data.tags["tracklab.run_id"]: r for r in client.search_runs(
        [client.get_experiment_by_name(PROJECT).experiment_id])}
    assert [mv.name for mv in client.search_model_versions(f"run_id = '{runs['rsa02'].info.run_id}'")] == []
    assert runs["rsa02"].outputs.model_outputs == []
    # MLflow users find a run's table versions as its logged models (source run = the run).
    found = client.search_logged_models([runs["rsa02"].info.experiment_id],
                                        filter_string=f"source_run_id = '{runs['rsa02'].info.run_id}'")
    assert sorted((lm.name, lm.model_type) for lm in found) == [
        ("run-rsa02-preds", "run_table"), ("run-rsa02-preds", "run_table"), ("run-rsa02-scores", "run_table")]
    # ... and the latest table among the run's own artifacts.
    listed = client.list_artifacts(runs["rsa02"].info.run_id, "artifacts/run-rsa02-preds")
    assert [a.path for a in listed] == ["artifacts/run-rsa02-preds/preds.table.json"]

    api = tracklab.Api()
    latest = api.artifact(f"{PROJECT}/run-rsa02-preds:latest")
    assert (latest.version, latest.type, latest.aliases) == ("v1", "run_table", ["latest"])
    assert latest.get("preds").data == [[1, "cat"], [2, "dog"]]
    assert api.artifact(f"{PROJECT}/run-rsa02-preds:v0").get("preds").data == [[1, "cat"]]
    assert api.artifact("run-rsa02-preds:v0").get("preds").data == [[1, "cat"]]  # no project: found by run
    assert latest.collection.registered_model_name is None and latest.logged_by().id == "rsa02"
    assert api.run(f"{PROJECT}/rsa02").logged_artifacts()[0].name == "run-rsa02-preds:v0"
    # oldest first: tables are stored as their run ends, the explicit artifact at once
    assert [a.name for a in api.run(f"{PROJECT}/rsa01").logged_artifacts()] == [
        "raw:v0", "run-rsa01-preds:v0", "run-rsa01-preds:v1", "run-rsa01-scores:v0"]
    names = sorted(c.name for c in api.artifact_collections(PROJECT))
    assert names == ["raw", *sorted(f"run-{r}-{k}" for r in RUNS for k in ("preds", "scores"))]
    assert [c.name for c in api.artifact_type("run_table", PROJECT).collections()][:2] == [
        "run-rsa01-preds", "run-rsa01-scores"]

    # use_artifact: a consumer gets the same rows, and the lineage shows both ways.
    consumer = tracklab.init(project=PROJECT, id="rsa-use")
    used = consumer.use_artifact("run-rsa03-preds:v1")
    assert used.get("preds").data == [[2, "cat"], [3, "dog"]]
    consumer.finish()
    assert [a.name for a in api.run(f"{PROJECT}/rsa-use").used_artifacts()] == ["run-rsa03-preds:v1"]
    assert [r.id for r in api.artifact(f"{PROJECT}/run-rsa03-preds:v1").used_by()] == ["rsa-use"]
    assert _registered(uri) == [f"{PROJECT}.raw"]

    # Aliases and edits work on run-scoped versions too.
    v0 = api.artifact(f"{PROJECT}/run-rsa03-preds:v0")
    v0.aliases.append("first")
    v0.metadata = {"note": "kept"}
    v0.save()
    again = api.artifact(f"{PROJECT}/run-rsa03-preds:first")
    assert (again.version, again.metadata, sorted(again.aliases)) == ("v0", {"note": "kept"}, ["first"])
    again.ttl = datetime.timedelta(days=1)
    again.save()
    assert api.artifact(f"{PROJECT}/run-rsa03-preds:v0").ttl == datetime.timedelta(days=1)
    later = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=2)
    assert [a.qualified_name for a in expired_versions(uri, now=later)] == [f"{PROJECT}/run-rsa03-preds:v0"]
    assert expired_versions(uri) == []
    assert _registered(uri) == [f"{PROJECT}.raw"]

    # The artifact panel lists them with the run, not as registered models.
    from mlflow_plugins import _artifacts

    panel = {c["name"]: c for c in _artifacts.collections(api, PROJECT)}
    assert panel["run-rsa01-preds"]["registered_model"] is None
    assert [v["version"] for v in panel["run-rsa01-preds"]["versions"]] == ["v0", "v1"]
    assert "/models/m-" in panel["run-rsa01-preds"]["versions"][0]["mlflow_route"]
    assert panel["raw"]["registered_model"] == f"{PROJECT}.raw"
    run_panel = _artifacts.of_run(api.run(f"{PROJECT}/rsa-use"))
    assert [u["name"] for u in run_panel["used"]] == ["run-rsa03-preds:v1"]


def test_incremental_tables_links_and_deletion(tl_dir: Path) -> None:
    run = tracklab.init(project=PROJECT, id="rsinc")
    inc = tracklab.Table(columns=["i"], log_mode="INCREMENTAL")
    for i in range(2):
        inc.add_data(i)
        run.log({"inc": inc})
    run.log({"t": tracklab.Table(columns=["x"], data=[[1]])})
    run.finish()
    uri = location.resolve_tracking_uri()
    api = tracklab.Api()
    assert _registered(uri) == []
    merged = api.artifact(f"{PROJECT}/run-rsinc-incr-inc:latest")
    assert (merged.version, merged.type) == ("v1", "wandb-run-incremental-table")
    assert len(merged.manifest.entries) == 2  # v1 holds v0's increment and its own, as in wandb

    # Linking a table version is registering it: the link is a registered model, the table is not.
    table = api.artifact(f"{PROJECT}/run-rsinc-t:v0")
    linked = table.link("model-registry/best-table", aliases=["prod"])
    assert _registered(uri) == ["best-table"] and linked.get("t").data == [[1]]
    assert api.artifact("model-registry/best-table:prod").get("t").data == [[1]]

    # Deleting: a linked table version keeps its files for the link; an unlinked one goes.
    table.delete()
    assert api.artifact("model-registry/best-table:prod").get("t").data == [[1]]
    assert not api.artifact_exists(f"{PROJECT}/run-rsinc-t:v0")
    merged.delete()
    assert [a.name for a in api.run(f"{PROJECT}/rsinc").logged_artifacts()] == ["run-rsinc-incr-inc:v0"]


def _experiments(uri: str) -> list[str]:
    return [MlflowClient(uri).get_experiment_by_name(PROJECT).experiment_id]


@pytest.mark.slow
def test_gc_and_first_open_move_old_layout_tables_out_of_the_registry(tl_dir: Path, tmp_path: Path) -> None:
    _log_runs(tmp_path)
    uri = location.resolve_tracking_uri()
    edited = tracklab.Api().artifact(f"{PROJECT}/run-rsa01-preds:v0")
    edited.aliases.append("best")
    edited.metadata = {"epoch": 3}
    edited.save()
    consumer = tracklab.init(project=PROJECT, id="rsa-use")
    consumer.use_artifact("run-rsa02-preds:v0")
    consumer.finish()
    before = _snapshot(tmp_path / "before")
    assert before["used rsa02-preds:v0"] == ["rsa-use"]
    assert before["rsa01-preds:v0"][3] == ["best"] and before["rsa01-preds:v1"][3] == ["latest"]
    made = to_old_layout(uri, _experiments(uri))
    assert len(made) == 6 and _registered(uri) == sorted([f"{PROJECT}.raw", *made])

    dry = tl("gc", "--dry-run", cwd=tmp_path)
    assert dry.stdout.count("would move run table out of the model registry") == 6
    assert len(_registered(uri)) == 7  # a dry run moves nothing
    done = tl("gc", "--yes", cwd=tmp_path)
    assert "moved 6 run table artifact(s) (9 version(s)) out of the model registry" in done.stdout
    assert _registered(uri) == [f"{PROJECT}.raw"]
    assert _snapshot(tmp_path / "after-gc") == before

    # First open: a process reading the store moves them (here: the old layout made again).
    to_old_layout(uri, _experiments(uri))
    assert len(_registered(uri)) == 7
    out = run_python(f"""
        import tracklab
        art = tracklab.Api().artifact("{PROJECT}/run-rsa02-preds:latest")
        print("read", art.version, art.get("preds").data)
        """, cwd=tmp_path)
    assert "read v1 [[1, 'cat'], [2, 'dog']]" in out.stdout
    assert _registered(uri) == [f"{PROJECT}.raw"]
    assert _snapshot(tmp_path / "after-open") == before


@pytest.mark.slow
def test_run_tables_on_the_team_server(team_server: TeamServer, tmp_path: Path) -> None:  # noqa: F811
    """PostgreSQL-backed `tracklab server`: tables logged over http stay out of the registry, read
    back on another machine, and an old-layout store there is moved on first open."""
    trainer = machine(tmp_path, "trainer", team_server.url)
    run_python(f"""
        import tracklab
        run = tracklab.init(project="{PROJECT}", id="srv01")
        run.log({{"preds": tracklab.Table(columns=["id"], data=[[1]])}})
        run.log({{"preds": tracklab.Table(columns=["id"], data=[[1], [2]])}})
        art = tracklab.Artifact("weights", "model")
        with art.new_file("w.txt") as f:
            f.write("w")
        run.log_artifact(art).wait()
        run.finish()
        """, cwd=tmp_path, env=trainer, timeout=240)
    assert _registered(team_server.url) == [f"{PROJECT}.weights"]
    reader = machine(tmp_path, "reader", team_server.url)
    read = f"""
        import tracklab
        api = tracklab.Api()
        print("rows", [api.artifact("{PROJECT}/run-srv01-preds:" + v).get("preds").data for v in ("v0", "v1")])
        print("logged", [a.name for a in api.run("{PROJECT}/srv01").logged_artifacts()])
        """
    expected = ["rows [[[1]], [[1], [2]]]", "logged ['weights:v0', 'run-srv01-preds:v0', 'run-srv01-preds:v1']"]
    out = run_python(read, cwd=tmp_path, env=reader).stdout
    assert all(line in out for line in expected), out

    made = to_old_layout(team_server.url, _experiments(team_server.url))
    assert _registered(team_server.url) == sorted([f"{PROJECT}.weights", *made]) and made
    out = run_python(read, cwd=tmp_path, env=machine(tmp_path, "later", team_server.url)).stdout
    assert all(line in out for line in expected), out
    assert _registered(team_server.url) == [f"{PROJECT}.weights"]


@pytest.mark.browser
@pytest.mark.slow
def test_artifact_panel_links_a_table_to_its_logged_model(tl_dir: Path, tmp_path: Path, page) -> None:  # noqa: F811
    """In Chromium: the artifact panel lists a run's table with its versions, and its MLflow link
    opens the version's LoggedModel page (there is no registered model to open)."""
    run = tracklab.init(project=PROJECT, id="rspanel")
    run.log({"preds": tracklab.Table(columns=["id"], data=[[1]])})
    run.log({"preds": tracklab.Table(columns=["id"], data=[[1], [2]])})
    run.finish()
    port = free_port()
    proc = start_ui(tl_dir, port, tmp_path / "ui.log")
    try:
        url = wait_for_line(tmp_path / "ui.log", "TrackLab UI:", proc).split("TrackLab UI:")[1].split()[0]
        page.goto(f"{url}/tracklab/artifacts?project={PROJECT}&name=run-rspanel-preds&version=v0")
        page.wait_for_selector("body[data-state=ready]", timeout=60_000, state="attached")
        assert page.locator("#versions tbody tr").count() == 2
        assert page.locator("#versions tr[data-version='v1'] .pill").inner_text() == "latest"
        link = page.locator("#versions tr[data-version='v0'] a", has_text="logged model")
        assert link.count() == 1
        link.click()
        page.wait_for_url("**/#/experiments/*/models/m-*", timeout=60_000)
        page.get_by_text("run-rspanel-preds").first.wait_for(timeout=60_000)
    finally:
        stop(proc, signal.SIGINT, timeout=30)
