"""Run files (save, run.dir, output.log, metadata, config.yaml, summary) and `tracklab.Api()`."""

from __future__ import annotations

import json
import os

import pytest
import yaml

import tracklab
from tracklab.errors import CommError
from tests import helpers
from tests.helpers import mlflow_client, run_python, stored_run


def _artifact_text(root, project, run_id, path):
    stored = stored_run(root, project, run_id)
    local = stored.info.artifact_uri
    with open(os.path.join(local, path)) as handle:
        return handle.read()


def test_saved_files_and_run_dir_land_in_the_artifacts(tl_dir, tmp_path):
    (tmp_path / "work" / "ckpt").mkdir()
    (tmp_path / "work" / "ckpt" / "a.txt").write_text("first")
    (tmp_path / "work" / "ckpt" / "b.txt").write_text("bee")
    (tmp_path / "work" / "notes.md").write_text("now")
    run = tracklab.init(project="files", id="files001")
    saved = run.save("ckpt/*.txt", policy="live")
    assert len(saved) == 2 and all(p.startswith(run.dir) for p in saved)
    tracklab.save("notes.md", policy="now")
    with pytest.raises(ValueError, match="policy"):
        run.save("notes.md", policy="sometimes")
    (tmp_path / "work" / "ckpt" / "a.txt").write_text("changed later")  # live: the end state is uploaded
    with open(os.path.join(run.dir, "direct.txt"), "w") as handle:
        handle.write("written into run.dir")
    print("hello from the training script")
    run.finish()
    assert _artifact_text(tl_dir, "files", "files001", "ckpt/a.txt") == "changed later"
    assert _artifact_text(tl_dir, "files", "files001", "notes.md") == "now"
    assert _artifact_text(tl_dir, "files", "files001", "direct.txt") == "written into run.dir"
    assert "hello from the training script" in _artifact_text(tl_dir, "files", "files001", "output.log")
    meta = json.loads(_artifact_text(tl_dir, "files", "files001", "wandb-metadata.json"))
    assert {"python", "host", "program", "args", "startedAt"} <= set(meta)


def test_metadata_records_git_state(tl_dir, tmp_path):
    repo = tmp_path / "repo"
    repo.mkdir()
    for args in (["init", "-q"], ["-c", "user.email=a@b", "-c", "user.name=a", "commit", "-q", "--allow-empty", "-m", "x"]):
        helpers.run(["git", *args], cwd=repo, check=True)
    (repo / "dirty.txt").write_text("x")
    helpers.run(["git", "add", "dirty.txt"], cwd=repo, check=True)
    run_python("""
        import tracklab
        run = tracklab.init(project="git", id="gitrun01")
        run.finish()
        """, cwd=repo)
    meta = json.loads(_artifact_text(tl_dir, "git", "gitrun01", "wandb-metadata.json"))
    assert len(meta["git"]["commit"]) == 40 and meta["git"]["dirty"] is True
    assert stored_run(tl_dir, "git", "gitrun01").data.tags["mlflow.source.git.commit"] == meta["git"]["commit"]


def test_config_yaml_and_summary_json(tl_dir):
    run = tracklab.init(project="art", id="artrun01", config={"lr": 0.1, "nested": {"a": [1, 2]}})
    run.log({"loss": 0.5, "nested": {"x": 1}})
    run.summary["best"] = {"epoch": 3}
    run.finish()
    config = yaml.safe_load(_artifact_text(tl_dir, "art", "artrun01", "config.yaml"))
    assert config["lr"] == {"value": 0.1} and config["nested"] == {"value": {"a": [1, 2]}}
    summary = json.loads(_artifact_text(tl_dir, "art", "artrun01", "wandb-summary.json"))
    assert summary["loss"] == 0.5 and summary["best"] == {"epoch": 3} and summary["nested"] == {"x": 1}


def test_console_lines_and_silence(tl_dir, tmp_path):
    out = run_python("""
        import tracklab
        run = tracklab.init(project="loud", name="talkative")
        run.finish()
        """, cwd=tmp_path, env={"WANDB_SILENT": ""})
    assert "talkative" in out.stderr and "http://127.0.0.1:5000/" in out.stderr
    quiet = run_python("""
        import tracklab
        tracklab.init(project="loud").finish()
        """, cwd=tmp_path, env={"TRACKLAB_SILENT": "true"})
    assert "tracklab:" not in quiet.stderr


@pytest.fixture
def three_runs(tl_dir):
    ids = []
    for i, (lr, tags, state) in enumerate([(0.1, ["a"], 0), (0.01, ["a", "b"], 0), (0.001, ["c"], 1)]):
        run = tracklab.init(project="api", id=f"apirun0{i}", name=f"run-{i}", config={"lr": lr, "opt": {"name": "sgd"}},
                            tags=tags, group="g1" if i < 2 else "g2", job_type="train")
        for step in range(50):
            row = {"loss": lr * (50 - step), "acc": step / 50}
            if step % 10 == 0:
                row["note"] = f"s{step}"
            run.log(row)
        run.summary["final"] = i
        run.finish(exit_code=state)
        ids.append(run.id)
    return ids


def test_api_runs_filters_and_order(three_runs):
    api = tracklab.Api()
    assert [r.id for r in api.runs("api")] == three_runs
    assert [r.id for r in api.runs("api", order="-created_at")] == three_runs[::-1]
    assert [r.id for r in api.runs("api", filters={"config.lr": {"$lt": 0.05}})] == three_runs[1:]
    assert [r.id for r in api.runs("api", filters={"config.lr.value": 0.1})] == three_runs[:1]
    assert [r.id for r in api.runs("api", filters={"tags": {"$in": ["b", "c"]}})] == three_runs[1:]
    assert [r.id for r in api.runs("api", filters={"state": "failed"})] == three_runs[2:]
    assert [r.id for r in api.runs("api", filters={"$or": [{"summary_metrics.final": 0}, {"group": "g2"}]})] == \
        [three_runs[0], three_runs[2]]
    assert [r.id for r in api.runs("api", filters={"display_name": {"$regex": "run-[12]"}})] == three_runs[1:]
    assert [r.id for r in api.runs("api", order="+summary_metrics.final")] == three_runs
    assert [r.id for r in api.runs("api", order="-final")] == three_runs[::-1]
    assert [r.id for r in api.runs("api", filters={"config.opt.name": "sgd", "jobType": "train"})] == three_runs
    assert len(api.runs("api", filters={"createdAt": {"$gt": "2000-01-01"}})) == 3
    assert [p.name for p in api.projects()] == ["api"]


def test_api_run_fields_history_and_scan(three_runs):
    run = tracklab.Api().run(f"api/{three_runs[0]}")
    assert run.name == "run-0" and run.state == "finished" and run.group == "g1" and run.job_type == "train"
    assert run.tags == ["a"] and run.config == {"lr": 0.1, "opt": {"name": "sgd"}}
    assert run.summary["final"] == 0 and run.summary["acc"] == pytest.approx(49 / 50)
    assert run.created_at.startswith("20")
    assert tracklab.Api().run(f"someone/api/runs/{three_runs[0]}").id == three_runs[0]
    frame = run.history()
    assert len(frame) == 50 and {"_step", "_runtime", "_timestamp", "loss", "acc", "note"} <= set(frame.columns)
    assert frame["note"].iloc[10] == "s10"
    assert len(run.history(samples=10)) == 10
    rows = run.history(keys=["note"], pandas=False)
    assert [r["note"] for r in rows] == ["s0", "s10", "s20", "s30", "s40"]
    scanned = list(run.scan_history(keys=["loss"], min_step=10, max_step=13))
    assert scanned == [{"loss": pytest.approx(0.1 * (50 - s))} for s in (10, 11, 12)]
    assert len(list(run.scan_history())) == 50
    names = {f.name for f in run.files()}
    assert {"config.yaml", "wandb-summary.json", "output.log"} <= names
    with run.file("config.yaml").download(root=str(os.getcwd()), replace=True) as handle:
        assert "lr" in handle.read()
    with pytest.raises(CommError):
        tracklab.Api().run("api/notthere")


def test_api_edits_and_delete(three_runs, tl_dir):
    api = tracklab.Api()
    run = api.run(f"api/{three_runs[1]}")
    run.name = "renamed"
    run.tags = ["b", "new"]
    run.notes = "edited"
    run.config["extra"] = 5
    run.summary["added"] = 1
    run.update()
    again = tracklab.Api().run(f"api/{three_runs[1]}")
    assert (again.name, again.tags, again.notes) == ("renamed", ["b", "new"], "edited")
    assert again.config["extra"] == 5 and again.summary["added"] == 1
    stored = stored_run(tl_dir, "api", three_runs[1])
    assert "tag.a" not in stored.data.tags and stored.data.tags["tag.new"] == "true"
    assert stored.data.params["extra"] == "5"
    again.delete()
    assert [r.id for r in tracklab.Api().runs("api")] == [three_runs[0], three_runs[2]]
    assert mlflow_client(tl_dir).get_run(stored.info.run_id).info.lifecycle_stage == "deleted"


def test_save_code_keeps_the_main_script(tl_dir, tmp_path):
    script = tmp_path / "train_script.py"
    script.write_text("import tracklab\nrun = tracklab.init(project='code', id='coderun1', save_code=True)\nrun.finish()\n")
    import sys

    from tests.helpers import python_env

    helpers.run([sys.executable, str(script)], cwd=tmp_path, env=python_env(), check=True, timeout=120)
    assert "tracklab.init" in _artifact_text(tl_dir, "code", "coderun1", "code/train_script.py")
    stored = stored_run(tl_dir, "code", "coderun1")
    assert stored.data.tags["mlflow.source.name"] == str(script)


def test_api_on_a_missing_store_says_so_and_creates_nothing(new_tl_dir):
    with pytest.raises(CommError, match="no TrackLab store"):
        tracklab.Api()
    assert not (new_tl_dir / "mlflow.db").exists()


def test_restore_brings_a_saved_file_back(tl_dir, tmp_path):
    (tmp_path / "work" / "model.txt").write_text("weights")
    run = tracklab.init(project="files", id="restore1")
    run.save("model.txt", policy="now")
    run.finish()
    target = tmp_path / "restored"
    with tracklab.restore("model.txt", run_path="files/restore1", root=str(target)) as handle:
        assert handle.read() == "weights"
    assert tracklab.restore("missing.txt", run_path="me/files/restore1", root=str(target)) is None
    with pytest.raises(CommError, match="Could not find run"):
        tracklab.restore("model.txt", run_path="files/nobody", root=str(tmp_path / "elsewhere"))
