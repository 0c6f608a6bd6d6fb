"""Artifacts across processes and tools: offline runs staged then loaded by sync, the
`tracklab artifact` command line, a 1 GB file streamed with bounded memory, and MLflow's own
UI showing versions, aliases and lineage (screenshots kept in the test's tmp folder)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

import tracklab
from tests.artifacts._artifact_support import log_folder, read_tree, settle, write_tree
from tests.helpers import chromium, free_port, python_env, run_python, spawn, stop, stored_run, wait_until_up
from tracklab.sdk.artifacts import api_artifacts

HERE = Path(__file__).resolve().parent


def test_offline_runs_stage_artifacts_and_sync_loads_them(tl_dir: Path, tmp_path: Path) -> None:
    data = write_tree(tmp_path / "d", {"train.csv": b"a,b\n1,2\n"})
    online = tracklab.init(project="off", id="maker")
    log_folder(online, "base", data, aliases=["stable"])
    online.finish()
    out = run_python(
        f"""
        import sys, tracklab
        from tracklab.sdk.artifacts import ArtifactNotLoggedError
        run = tracklab.init(project="off", id="offrun", mode="offline")
        art = tracklab.Artifact("made-offline", "dataset")
        art.add_dir({str(data)!r})
        run.log_artifact(art, aliases=["draft"])
        try:
            art.version
        except ArtifactNotLoggedError:
            print("not logged yet")
        run.finish()
        print("mlflow imported:", "mlflow" in sys.modules)
        print(run.sync_dir)
        """,
        cwd=tmp_path,
    )
    lines = out.stdout.strip().splitlines()
    assert lines[:2] == ["not logged yet", "mlflow imported: False"]
    folder = lines[-1]
    # Offline runs can use stored artifacts too (wandb refuses); the use is staged like a log.
    reader = tracklab.init(project="off", id="offreader", mode="offline")
    used = reader.use_artifact("base:stable")
    assert Path(used.download(), "train.csv").read_bytes() == b"a,b\n1,2\n"
    reader.finish()
    from tracklab.backend.artifact_store._cache import ArtifactCache
    from tracklab.backend.run_folder import RunFolder
    from tracklab.backend.writer import sync_folder

    ArtifactCache().cleanup(0)  # the run folder keeps its own copies
    uri = f"sqlite:///{tl_dir / 'mlflow.db'}"
    for path in (folder, reader.sync_dir):
        assert tracklab.sdk.artifacts.has_staged(path)
        assert sync_folder(RunFolder(path), uri) == "synced"  # also loads the staged artifact work
        assert not tracklab.sdk.artifacts.has_staged(path)
        assert tracklab.sdk.artifacts.sync_staged(path, uri) == 0

    api = tracklab.Api()
    made = api_artifacts.artifact(api, "off/made-offline:draft")
    assert made.version == "v0" and made.logged_by().id == "offrun"
    assert read_tree(made.download(str(tmp_path / "m"))) == read_tree(data)
    assert [r.id for r in api_artifacts.artifact(api, "off/base:stable").used_by()] == ["offreader"]


def test_command_line_put_get_ls_and_cache_cleanup(tl_dir: Path, tmp_path: Path) -> None:
    import importlib

    from tracklab.cli.artifact_cmd import artifact as artifact_cli

    cli_main = importlib.import_module("tracklab.cli.main")
    cli_main._register()
    assert "artifact" in cli_main.cli.commands
    data = write_tree(tmp_path / "raw", {"x.txt": b"x" * 2048, "y/z.txt": b"z"})
    runner = CliRunner()
    put = runner.invoke(artifact_cli, ["put", str(data), "--name", "cli/raw", "--type", "dataset", "-a", "fresh",
                                       "-d", "from the shell"])
    assert put.exit_code == 0, put.output
    assert 'run.use_artifact("cli/raw:v0")' in put.output
    listing = runner.invoke(artifact_cli, ["ls", "cli"])
    assert listing.exit_code == 0 and "dataset" in listing.output and "raw:v0" in listing.output
    assert "latest,fresh" in listing.output
    got = runner.invoke(artifact_cli, ["get", "cli/raw:fresh", "--root", str(tmp_path / "got")])
    assert got.exit_code == 0, got.output
    assert read_tree(tmp_path / "got") == read_tree(data)
    missing = runner.invoke(artifact_cli, ["get", "cli/raw:nope"])
    assert missing.exit_code == 1 and "versions v0 and aliases fresh, latest" in missing.output
    assert api_artifacts.artifact(tracklab.Api(), "cli/raw:v0").description == "from the shell"
    cleaned = runner.invoke(artifact_cli, ["cache", "cleanup", "0B", "--remove-temp"])
    assert cleaned.exit_code == 0 and "Reclaimed" in cleaned.output
    assert not any(p.is_file() for p in (tl_dir / "cache" / "artifacts" / "obj").rglob("*"))
    again = runner.invoke(artifact_cli, ["get", "cli/raw:v0", "--root", str(tmp_path / "again")])
    assert again.exit_code == 0 and read_tree(tmp_path / "again") == read_tree(data)


@pytest.mark.slow
def test_one_gigabyte_file_streams_with_bounded_memory(tl_dir: Path, tmp_path: Path) -> None:
    out = run_python(
        """
        import json, os, resource, time, tracklab
        with open("big.bin", "wb") as handle:  # 1 GiB, sparse: cheap to make, read like any file
            handle.write(b"head")
            handle.truncate(1 << 30)
        run = tracklab.init(project="big", id="bigrun")
        warm = tracklab.Artifact("warm-up", "dataset")  # MLflow imported and connected before the baseline
        with warm.new_file("small.txt", mode="w") as handle:
            handle.write("small")
        run.log_artifact(warm).wait()
        base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        start = time.time()
        art = tracklab.Artifact("huge", "dataset")
        art.add_file("big.bin")
        run.log_artifact(art).wait()
        logged = time.time()
        root = art.download("downloaded")
        art.verify(root)
        done = time.time()
        run.finish()
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        print(json.dumps({"base_mb": base / 1024, "peak_mb": peak / 1024, "log_s": logged - start,
                          "download_verify_s": done - logged, "size": os.path.getsize(root + "/big.bin")}))
        """,
        cwd=tmp_path, env={"TRACKLAB_PROGRESS": "1"}, timeout=300,
    )
    figures = json.loads(out.stdout.strip().splitlines()[-1])
    print("1 GB artifact:", figures)
    (tmp_path / "figures.json").write_text(json.dumps(figures))
    assert figures["size"] == 1 << 30
    assert figures["peak_mb"] - figures["base_mb"] < 64, figures  # chunked: never the file in memory
    for step in ("caching big.bin", "downloading big.bin"):  # progress bars, one per pass over the file
        assert f"{step} [{'#' * 30}] 100% 1024/1024 MB" in out.stderr


@pytest.mark.browser
@pytest.mark.server
def test_mlflow_ui_shows_versions_aliases_and_lineage_and_remote_stores_work(tl_dir: Path, tmp_path: Path) -> None:
    import playwright.sync_api as sync_api

    executable = chromium()
    port = free_port()
    server = spawn(
        [sys.executable, str(HERE / "_mlflow_ui.py"), f"sqlite:///{tl_dir / 'mlflow.db'}", str(tmp_path / "served"),
         str(port)], env=python_env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        data = write_tree(tmp_path / "d", {"a.txt": b"1"})
        maker = tracklab.init(project="ui", id="maker", name="maker-run")
        log_folder(maker, "images", data, aliases=["best"], description="training images")
        (data / "a.txt").write_bytes(b"2")
        log_folder(maker, "images", data, aliases=["candidate"])
        maker.finish()
        user = tracklab.init(project="ui", id="user", name="user-run")
        user.use_artifact("images:best")
        user.finish()
        settle(user)
        consumer = stored_run(tl_dir, "ui", "user").info
        wait_until_up(port, server, what="the MLflow UI server")
        shots = tmp_path / "screenshots"
        shots.mkdir()
        base = f"http://127.0.0.1:{port}/#"
        with sync_api.sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=executable, args=["--no-sandbox"])
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            model = _page_text(page, f"{base}/models/ui.images", "Version 2", shots / "registered-model.png")
            assert "Version 1" in model and "best" in model and "candidate" in model
            version = _page_text(page, f"{base}/models/ui.images/versions/1", "Source Run", shots / "version.png")
            assert "maker-run" in version and "training images" in version
            run_page = _page_text(page, f"{base}/experiments/{consumer.experiment_id}/runs/{consumer.run_id}",
                                  "Logged models", shots / "consumer-run.png")
            assert "Input" in run_page and "ui.images" in run_page
            browser.close()
        print("screenshots kept in", shots)

        # The same server as a remote tracking URI: files go up through MLflow's artifact proxy.
        url = f"http://127.0.0.1:{port}"
        remote = tracklab.init(project="remote-arts", id="remote", settings={"tracking_uri": url})
        log_folder(remote, "rds", data, aliases=["best"])
        remote.finish()
        got = api_artifacts.artifact(tracklab.Api(tracking_uri=url), "remote-arts/rds:best")
        assert got._stored.location.startswith("mlflow-artifacts:/")
        assert read_tree(got.download(str(tmp_path / "remote"))) == read_tree(data)
        assert got.logged_by().id == "remote"
    finally:
        stop(server, timeout=30)


def _page_text(page, url: str, marker: str, screenshot: Path) -> str:
    page.goto(url)
    page.wait_for_selector(f"text={marker}", timeout=60_000)
    page.wait_for_timeout(500)
    page.screenshot(path=str(screenshot), full_page=True)
    return page.inner_text("body")
