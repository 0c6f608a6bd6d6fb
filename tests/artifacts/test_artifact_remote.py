"""Artifacts on a real MLflow server (http:// tracking URI, its own SQLite store and served
artifact root): files shared between versions are uploaded once (bytes measured on the
server's disk), and processes logging identical content at the same moment make one version."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

import tracklab
from tests.artifacts._artifact_support import log_folder, read_tree, write_tree
from tests.helpers import free_port, python_env, spawn, start_python, stop, wait_until, wait_until_up
from tracklab.sdk.artifacts import api_artifacts

HERE = Path(__file__).resolve().parent


@pytest.fixture(scope="module")
def mlflow_server(template_store: Path, tmp_path_factory: pytest.TempPathFactory):
    """MLflow's server app on a free port over its own store; yields (URL, served artifact root)."""
    root = tmp_path_factory.mktemp("server")
    shutil.copyfile(template_store / "mlflow.db", root / "server.db")
    served = root / "served"
    served.mkdir()
    port = free_port()
    server = spawn([sys.executable, str(HERE / "_mlflow_ui.py"), f"sqlite:///{root / 'server.db'}",
                    str(served), str(port)], env=python_env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_until_up(port, server, what="the MLflow UI server")
        yield f"http://127.0.0.1:{port}", served
    finally:
        stop(server, timeout=30)


def _files_on_disk(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()]


def test_files_shared_between_versions_are_uploaded_once(tl_dir: Path, tmp_path: Path, mlflow_server,
                                                        monkeypatch) -> None:
    url, served = mlflow_server
    shared = os.urandom(5 * 1024 * 1024)
    data = write_tree(tmp_path / "d", {"weights.bin": shared, "notes.txt": b"first"})
    run = tracklab.init(project="blobs", id="blobrun", settings={"tracking_uri": url})
    v0 = log_folder(run, "ckpt", data, kind="model")
    (data / "notes.txt").write_bytes(b"second")
    v1 = log_folder(run, "ckpt", data, kind="model", aliases=["best"])
    linked = run.link_artifact(v1, "model-registry/Checkpoints", aliases=["prod"])
    run.finish()
    assert (v0.version, v1.version, linked.name) == ("v0", "v1", "Checkpoints:v0")

    # The server's artifact root holds the 5 MB file once, in the content-addressed blob root.
    copies = [p for p in _files_on_disk(served) if p.stat().st_size == len(shared)]
    assert len(copies) == 1 and copies[0].read_bytes() == shared
    assert copies[0].relative_to(served).parts[0] == ".tracklab-objects"
    total = sum(p.stat().st_size for p in _files_on_disk(served))
    print(f"server artifact root: {total} bytes for two versions sharing a {len(shared)}-byte file")
    assert total < len(shared) + 64 * 1024

    # Each version still lists and downloads every file (from an empty local cache).
    from tracklab.backend.artifact_store._cache import ArtifactCache

    ArtifactCache().cleanup(0)
    api = tracklab.Api(tracking_uri=url)
    for spec, notes in (("blobs/ckpt:v0", b"first"), ("blobs/ckpt:best", b"second"),
                        ("model-registry/Checkpoints:prod", b"second")):
        version = api_artifacts.artifact(api, spec)
        assert sorted(e.path for e in version.files()) == ["notes.txt", "weights.bin"]
        folder = version.download(str(tmp_path / spec.replace("/", "_").replace(":", "_")))
        assert read_tree(folder) == {"notes.txt": notes, "weights.bin": shared}
        version.verify(folder)

    # A plain MLflow reader finds the manifest in the version folder, naming the blob root.
    import mlflow.artifacts

    monkeypatch.setenv("MLFLOW_TRACKING_URI", url)  # models:/ URIs resolve against the registry URI
    got = mlflow.artifacts.download_artifacts("models:/blobs.ckpt/2", dst_path=str(tmp_path / "plain"))
    manifest = json.loads(Path(got, "tracklab-manifest.json").read_text())
    assert manifest["storagePolicyConfig"] == {"objects": "mlflow-artifacts:/.tracklab-objects"}
    assert set(manifest["contents"]) == {"notes.txt", "weights.bin"}


def test_processes_logging_identical_content_at_once_make_one_version(tl_dir: Path, tmp_path: Path,
                                                                      mlflow_server) -> None:
    url, _ = mlflow_server
    data = write_tree(tmp_path / "d", {"table.csv": b"a,b\n" + b"1,2\n" * 1000})
    go = tmp_path / "go"
    count = 3
    code = f"""
        import os, sys, time, tracklab
        index = os.environ["RACER"]
        run = tracklab.init(project="race", id="racer" + index, settings={{"tracking_uri": {url!r}}})
        warm = tracklab.Artifact("warm-up-" + index, "dataset")  # MLflow imported and connected before the race
        with warm.new_file("w.txt", mode="w") as handle:
            handle.write(index)
        run.log_artifact(warm).wait()
        art = tracklab.Artifact("same", "dataset")
        art.add_dir({str(data)!r})
        open({str(tmp_path)!r} + "/ready-" + index, "w").close()
        while not os.path.exists({str(go)!r}):  # start together: all processes race for v0
            time.sleep(0.002)
        run.log_artifact(art, aliases=["from-" + index]).wait()
        print(art.version)
        run.finish()
    """
    racers = [start_python(code, tmp_path, env={"RACER": str(i)}) for i in range(count)]
    try:
        def all_ready() -> bool:
            assert all(p.poll() is None for p in racers), "a racer exited before the start"
            return all((tmp_path / f"ready-{i}").exists() for i in range(count))

        wait_until(all_ready, timeout=300, interval=0.01, what="the racers to be ready")
        go.touch()
        outputs = [p.communicate(timeout=300)[0] for p in racers]
    finally:
        for proc in racers:
            stop(proc, signal.SIGKILL, timeout=0)
    assert [p.returncode for p in racers] == [0] * count, outputs
    assert [out.strip().splitlines()[-1] for out in outputs] == ["v0"] * count

    from mlflow.tracking import MlflowClient

    client = MlflowClient(tracking_uri=url)
    assert len(client.search_model_versions("name = 'race.same'")) == 1
    aliases = client.get_registered_model("race.same").aliases
    assert {name: int(number) for name, number in aliases.items()} == {f"from-{i}": 1 for i in range(count)}
    assert not [rm.name for rm in client.search_registered_models() if rm.name.startswith("tracklab-lock~")]


def test_a_lock_left_by_a_dead_process_is_broken(tl_dir: Path, tmp_path: Path, mlflow_server, monkeypatch) -> None:
    from mlflow.tracking import MlflowClient

    from tracklab.backend.artifact_store import _remote_lock

    url, _ = mlflow_server
    client = MlflowClient(tracking_uri=url)
    lock = _remote_lock.lock_name("stale", "ds")
    client.create_registered_model(lock, tags={_remote_lock.OWNER_TAG: "a process that died"})
    monkeypatch.setattr(_remote_lock, "STALE_SECONDS", 1.0)  # instead of 120 s
    run = tracklab.init(project="stale", id="stalerun", settings={"tracking_uri": url})
    artifact = tracklab.Artifact("ds", "dataset")
    artifact.add_dir(str(write_tree(tmp_path / "d", {"x.txt": b"x"})))
    logged = run.log_artifact(artifact).wait(timeout=180)  # a lock never broken would block forever
    run.finish()
    assert logged.version == "v0"
    assert [rm.name for rm in client.search_registered_models(f"name = '{lock}'")] == []
