"""`tracklab restore` and `tracklab pull` on a real store: files written, up-to-date checks, git, errors."""

from __future__ import annotations

import json
from pathlib import Path

import yaml

from tests import helpers
from tests.cli._cli import make_run, tl
from tests.helpers import mlflow_client


def test_restore_writes_the_run_files_into_dir(tl_dir: Path, tmp_path: Path) -> None:
    run_id = make_run(Path.cwd())
    out = tmp_path / "restored"
    proc = tl("restore", f"cli/{run_id}", "--dir", str(out), cwd=tmp_path)
    names = {p.name for p in out.iterdir()}
    assert {"config.yaml", "notes.txt", "output.log", "wandb-metadata.json", "wandb-summary.json"} <= names
    assert f"Restored {len(names)} file(s) of cli/{run_id}" in proc.stdout
    assert yaml.safe_load((out / "config.yaml").read_text())["lr"]["value"] == 0.25
    assert json.loads((out / "wandb-summary.json").read_text())["loss"] == 1 / 3
    assert (out / "notes.txt").read_text() == "saved by the run"
    assert not (out / "media").exists()  # logged media are history, not state: pull fetches them

    (out / "notes.txt").write_text("edited")
    again = tl("restore", run_id, "-p", "cli", "--dir", str(out), cwd=tmp_path)
    assert "replaced notes.txt" in " ".join(again.stdout.split())
    assert (out / "notes.txt").read_text() == "saved by the run"


def test_restore_bare_id_takes_the_project_from_the_environment(tl_dir: Path, tmp_path: Path) -> None:
    run_id = make_run(Path.cwd())
    proc = tl("restore", run_id, cwd=tmp_path, env={"WANDB_PROJECT": "cli"})
    assert (tmp_path / "config.yaml").exists(), proc.stdout

    bare = tl("restore", run_id, cwd=tmp_path, check=False)
    assert bare.returncode == 1
    assert f"RUN_PATH {run_id!r}" in bare.stderr and "-p/--project" in bare.stderr

    missing = tl("pull", "cli/nosuchrun", cwd=tmp_path, check=False)
    assert missing.returncode == 1
    assert "'cli/nosuchrun'" in missing.stderr and "Could not find run" in missing.stderr


def _git(*args: str, cwd: Path) -> str:
    done = helpers.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=True)
    return done.stdout.strip()


def test_restore_checks_out_the_run_commit_on_a_branch(tl_dir: Path, tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    _git("init", "-q", cwd=repo)
    for key, value in (("user.email", "t@example.com"), ("user.name", "t")):
        _git("config", key, value, cwd=repo)
    (repo / "train.py").write_text("v1\n")
    _git("add", "train.py", cwd=repo)
    _git("commit", "-q", "-m", "one", cwd=repo)
    first = _git("rev-parse", "HEAD", cwd=repo)
    run_id = make_run(repo)
    (repo / "train.py").write_text("v2\n")
    _git("commit", "-q", "-am", "two", cwd=repo)

    outside = tl("restore", f"cli/{run_id}", "--dir", str(tmp_path / "elsewhere"), cwd=tmp_path, check=False)
    assert outside.returncode == 1
    assert first in outside.stderr and "--no-git" in outside.stderr

    proc = tl("restore", f"cli/{run_id}", cwd=repo)
    assert f"Created branch wandb/{run_id}" in proc.stdout
    assert _git("rev-parse", "HEAD", cwd=repo) == first
    assert _git("rev-parse", "--abbrev-ref", "HEAD", cwd=repo) == f"wandb/{run_id}"
    assert (repo / "train.py").read_text() == "v1\n"

    files_only = tl("restore", f"cli/{run_id}", "--no-git", "--dir", str(tmp_path / "elsewhere"), cwd=tmp_path)
    assert "file(s) of" in files_only.stdout and (tmp_path / "elsewhere" / "config.yaml").exists()


def test_pull_fetches_every_file_and_skips_identical_ones(tl_dir: Path, tmp_path: Path) -> None:
    run_id = make_run(Path.cwd())
    here = tmp_path / "pulled"
    here.mkdir()
    first = tl("pull", f"cli/{run_id}", cwd=here)
    assert first.stdout.startswith(f"Downloading: cli/{run_id}")
    media = list((here / "media" / "images").glob("*.png"))
    assert len(media) == 1 and media[0].stat().st_size > 0
    assert (here / "notes.txt").read_text() == "saved by the run"
    assert "File notes.txt\n" in first.stdout

    (here / "notes.txt").write_text("changed locally")
    second = tl("pull", f"cli/{run_id}", cwd=here)
    assert "File notes.txt\n" in second.stdout
    assert "File config.yaml is up to date" in second.stdout
    assert (here / "notes.txt").read_text() == "saved by the run"


def test_pull_of_a_run_without_files_fails(tl_dir: Path, tmp_path: Path) -> None:
    client = mlflow_client(tl_dir)
    experiment = client.create_experiment("bare")
    client.create_run(experiment, tags={"tracklab.run_id": "nofiles1"})
    proc = tl("pull", "bare/nofiles1", cwd=tmp_path, check=False)
    assert proc.returncode == 1
    assert "run bare/nofiles1 has no files" in proc.stderr
