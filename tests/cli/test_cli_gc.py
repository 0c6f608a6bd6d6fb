"""`tracklab gc`: deleted runs' files and run folders and unreferenced artifact files go; the rest stays."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from tests.cli._cli import make_run, tl
from tests.helpers import mlflow_client, run_python, stored_run, wait_until

_LOG_ARTIFACT = """
with open("weights.bin", "wb") as handle:
    handle.write(b"w" * 5000)
art = tracklab.Artifact("model", type="model")
art.add_file("weights.bin")
run.log_artifact(art).wait()
"""


def _orphan(objects: Path, name: str, size: int, age_s: float) -> Path:
    """A stored artifact file no version links to (as a publish that died half-way leaves)."""
    path = objects / "md5" / name[:2] / name[2:]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"x" * size)
    old = time.time() - age_s
    os.utime(path, (old, old))
    return path


@pytest.mark.slow
def test_gc_dry_run_then_remove(tl_dir: Path, tmp_path: Path) -> None:
    keep_id = make_run(Path.cwd(), extra=_LOG_ARTIFACT)
    gone_id = make_run(Path.cwd())
    gone = stored_run(tl_dir, "cli", gone_id)
    run_python(f"import tracklab; tracklab.Api().run('cli/{gone_id}').delete()", cwd=tmp_path)
    gone_files = Path(gone.info.artifact_uri.replace("file://", ""))
    gone_folder = tl_dir / "runs" / "cli" / gone_id
    objects = tl_dir / "artifacts" / ".tracklab-objects"
    old_orphan = _orphan(objects, "ab" + "0" * 30, 3000, age_s=3600)
    new_orphan = _orphan(objects, "cd" + "0" * 30, 10, age_s=0)
    assert gone_files.is_dir() and gone_folder.is_dir()

    dry = tl("gc", "--dry-run", cwd=tmp_path)
    assert f"would remove run files: {gone_files} (" in dry.stdout
    assert f"would remove run folder: {gone_folder} (" in dry.stdout
    assert f"would remove artifact file: {old_orphan} (2.9 KB; no artifact version uses it)" in dry.stdout
    assert "kept 1 artifact file(s) stored in the last 10 minutes" in dry.stdout
    assert "3 item(s)" in dry.stdout and "(dry run: nothing removed)" in dry.stdout
    assert gone_files.is_dir() and gone_folder.is_dir() and old_orphan.exists()

    refused = tl("gc", cwd=tmp_path, check=False)  # no --yes and nobody answers: nothing happens
    assert refused.returncode == 1 and "Aborted" in refused.stderr
    assert gone_files.is_dir() and old_orphan.exists()

    done = tl("gc", "--yes", cwd=tmp_path)
    assert "removed 3 item(s)" in done.stdout and "mlflow gc --backend-store-uri" in done.stdout
    assert not gone_files.exists() and not gone_folder.exists() and not old_orphan.exists()
    assert new_orphan.exists()
    # Decision: MLflow keeps the deleted run's row (metrics, params); `mlflow gc` purges it.
    row = mlflow_client(tl_dir).get_run(gone.info.run_id)
    assert row.info.lifecycle_stage == "deleted" and row.data.metrics["loss"] == 1 / 3

    kept = stored_run(tl_dir, "cli", keep_id)
    assert Path(kept.info.artifact_uri.replace("file://", ""), "config.yaml").exists()
    assert (tl_dir / "runs" / "cli" / keep_id).is_dir()
    got = tl("artifact", "get", "cli/model:v0", "--root", str(tmp_path / "model"), cwd=tmp_path)
    assert (tmp_path / "model" / "weights.bin").read_bytes() == b"w" * 5000, got.stdout

    again = tl("gc", "--yes", cwd=tmp_path)
    assert "nothing to remove" in again.stdout


def test_gc_refuses_a_server_store(tl_dir: Path, tmp_path: Path) -> None:
    proc = tl("gc", "--dry-run", cwd=tmp_path, env={"TRACKLAB_TRACKING_URI": "http://127.0.0.1:5999"}, check=False)
    assert proc.returncode == 1
    assert "gc works on the local SQLite store; the tracking URI is http://127.0.0.1:5999" in proc.stderr


_LOG_SHORT_LIVED = """
import datetime
with open("scratch.bin", "wb") as handle:
    handle.write(b"s" * 4000)
art = tracklab.Artifact("scratch", type="dataset")
art.add_file("scratch.bin")
art.ttl = datetime.timedelta(seconds=1)
run.log_artifact(art).wait()
keep = tracklab.Artifact("kept", type="dataset")
keep.add_file("scratch.bin", name="copy.bin")
run.log_artifact(keep).wait()
"""


def test_gc_deletes_artifact_versions_whose_ttl_ran_out(tl_dir: Path, tmp_path: Path) -> None:
    make_run(Path.cwd(), extra=_LOG_SHORT_LIVED)

    def dry_run_once_expired():
        out = tl("gc", "--dry-run", cwd=tmp_path)
        return out if "would remove expired artifact version: cli/scratch:v0" in out.stdout else None

    dry = wait_until(dry_run_once_expired, timeout=60, interval=0.2, what="the artifact's 1 s TTL to run out")
    assert "kept:" not in dry.stdout
    tl("gc", "--yes", cwd=tmp_path)
    check = run_python(
        """
        import tracklab
        api = tracklab.Api()
        try:
            api.artifact("cli/scratch:v0")
        except Exception as exc:
            print("gone:", type(exc).__name__)
        print("kept:", api.artifact("cli/kept:latest").get_entry("copy.bin").size)
        """, cwd=tmp_path)
    assert "gone:" in check.stdout and "kept: 4000" in check.stdout
    assert "expired artifact version" not in tl("gc", "--dry-run", cwd=tmp_path).stdout
