"""wandb 0.31 names the API-coverage check found missing, each with its local behaviour:
Settings fields filled by init() and switches TrackLab honours, and the Api's creating and
paging methods (tests/packaging/test_api_coverage.py checks the signatures)."""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path
from typing import Any

import pytest

import tracklab
from tracklab.errors import UsageError
from tests import helpers
from tests.helpers import run_python, stored_run

_QUIET = {"quiet": True, "x_disable_stats": True}


def _init(**settings: Any) -> Any:
    return tracklab.init(project="surface", settings=tracklab.Settings(**{**_QUIET, **settings}))


def _git_repo(path: Path) -> str:
    for args in (["init", "-q"], ["-c", "user.email=a@b", "-c", "user.name=a", "commit", "-q", "--allow-empty", "-m", "x"],
                 ["remote", "add", "upstream", "https://example.com/repo.git"]):
        helpers.run(["git", *args], cwd=path, check=True)
    return helpers.run(["git", "rev-parse", "HEAD"], cwd=path, capture_output=True, text=True).stdout.strip()


# -- Settings: paths and modes computed from the run -------------------------------------------
def test_settings_paths_are_the_runs_real_folders(tl_dir: Path) -> None:
    run = _init()
    settings = run.settings
    assert settings.sync_dir == run.sync_dir and settings.files_dir == run.dir
    assert settings.sync_file == os.path.join(run.sync_dir, "run.tlog") and os.path.exists(settings.sync_file)
    assert settings.log_dir == run.sync_dir
    assert settings.log_internal == os.path.join(run.sync_dir, "writer.log")
    assert settings.run_mode == "run" and settings.resumed is False
    assert settings.x_start_time == run.start_time
    assert len(settings.timespec) == 15 and settings.timespec[8] == "_"
    assert settings.wandb_dir == os.path.join(os.getcwd(), "wandb")
    run.finish()
    assert os.path.exists(settings.log_internal)  # the writer's log is where the setting says
    with pytest.raises(AttributeError, match="files_dir is computed"):
        tracklab.Settings(files_dir="/elsewhere")


def test_settings_resumed_and_offline_run_mode(tl_dir: Path) -> None:
    tracklab.init(project="surface", id="again01", settings=tracklab.Settings(**_QUIET)).finish()
    run = tracklab.init(project="surface", id="again01", resume="allow", settings=tracklab.Settings(**_QUIET))
    assert run.settings.resumed is True
    run.finish()
    offline = tracklab.init(project="surface", mode="offline", settings=tracklab.Settings(**_QUIET))
    assert offline.settings.run_mode == "offline-run"
    offline.finish()


def test_dir_run_folder_follows_run_mode_timespec_suffix_and_links(tl_dir: Path, tmp_path: Path) -> None:
    root = tmp_path / "here"
    (root / ".wandb").mkdir(parents=True)  # use_dot_wandb=None: an existing .wandb wins
    run = tracklab.init(project="surface", dir=str(root), id="dirrun1",
                        settings=tracklab.Settings(x_sync_dir_suffix="rank0", **_QUIET))
    settings = run.settings
    assert settings.wandb_dir == str(root / ".wandb")
    expected = root / ".wandb" / f"run-{settings.timespec}-dirrun1-rank0" / "files"
    assert run.dir == str(expected) == settings.files_dir
    assert os.path.realpath(settings.sync_symlink_latest) == str(expected.parent)
    assert os.path.realpath(settings.log_symlink_internal) == os.path.realpath(settings.log_internal)
    run.finish()


def test_symlink_off_makes_no_links_and_x_files_dir_moves_files(tl_dir: Path, tmp_path: Path) -> None:
    run = tracklab.init(project="surface", dir=str(tmp_path / "d"), settings=tracklab.Settings(symlink=False, **_QUIET))
    assert not os.path.lexists(run.settings.sync_symlink_latest)
    run.finish()
    target = tmp_path / "my-files"
    run = _init(x_files_dir=str(target))
    assert run.dir == str(target) == run.settings.files_dir
    run.finish()
    assert (target / "wandb-metadata.json").exists()


# -- Settings filled from the program and git --------------------------------------------------
def test_program_and_git_settings_filled(tl_dir: Path, tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    (repo / "src").mkdir(parents=True)
    commit = _git_repo(repo)
    (repo / "src" / "train.py").write_text(
        "import json, tracklab\n"
        "run = tracklab.init(project='surface', settings=tracklab.Settings(quiet=True, x_disable_stats=True,"
        " git_remote='upstream'))\n"
        "run.finish()\n"
        "s = run.settings\n"
        "print(json.dumps({k: getattr(s, k) for k in ('program_relpath', 'program_abspath', 'git_root', 'git_commit',"
        " 'git_remote_url', 'x_executable')}))\n"
        "print(json.dumps(json.load(open(run.dir + '/wandb-metadata.json'))))\n")
    out = helpers.run(["python", "src/train.py"], cwd=repo, capture_output=True, text=True,
                      env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}, check=True)
    settings, meta = (json.loads(line) for line in out.stdout.splitlines()[-2:])
    assert settings["program_relpath"] == "src/train.py"
    assert settings["program_abspath"] == str(repo / "src" / "train.py")
    assert settings["git_root"] == str(repo) and settings["git_commit"] == commit
    assert settings["git_remote_url"] == "https://example.com/repo.git"  # the remote git_remote names
    assert settings["x_executable"]
    assert meta["git"]["commit"] == commit and meta["git"]["remote"] == "https://example.com/repo.git"
    assert meta["codePath"] == "src/train.py" and meta["root"] == str(repo)


def test_update_from_methods() -> None:
    settings = tracklab.Settings()
    settings.update_from_dict({"project": "p", "run_notes": None})
    settings.update_from_env_vars({"WANDB_NAME": "from-env", "WANDB__DISABLE_META": "true", "OTHER": "x"})
    assert (settings.project, settings.run_name, settings.x_disable_meta) == ("p", "from-env", True)
    other = tracklab.Settings(run_group="g")
    settings.update_from_settings(other)
    assert settings.run_group == "g" and settings.project == "p"  # defaults of `other` do not reset fields
    settings.update_from_system_environment()
    assert settings.program and settings.x_executable


# -- Settings switches honoured ----------------------------------------------------------------
def test_metadata_switches_and_overrides(tl_dir: Path) -> None:
    run = _init(x_disable_meta=True)
    run.finish()
    assert not os.path.exists(os.path.join(run.dir, "wandb-metadata.json"))
    listed = open(os.path.join(run.dir, "requirements.txt")).read().splitlines()
    # Read from the metadata headers alone; the same list the full email parser gives.
    from importlib import metadata

    parsed = {d.metadata["Name"].lower(): f"{d.metadata['Name']}=={d.version}" for d in metadata.distributions()
              if d.metadata["Name"]}
    assert listed == [parsed[name] for name in sorted(parsed)] and any(line.startswith("requests==") for line in listed)

    run = _init(x_save_requirements=False, x_stats_cpu_count=96, x_stats_cpu_logical_count=192,
                x_stats_gpu_count=8, x_stats_gpu_type="NVIDIA H100", x_executable="/opt/py/bin/python")
    run.finish()
    meta = json.load(open(os.path.join(run.dir, "wandb-metadata.json")))
    assert (meta["cpu_count"], meta["cpu_count_logical"], meta["gpu_count"], meta["gpu"]) == (96, 192, 8, "NVIDIA H100")
    assert meta["executable"] == "/opt/py/bin/python"
    assert not os.path.exists(os.path.join(run.dir, "requirements.txt"))

    run = _init(x_disable_machine_info=True)
    run.finish()
    meta = json.load(open(os.path.join(run.dir, "wandb-metadata.json")))
    assert not {"host", "cpu_count", "git", "username"} & set(meta) and meta["python"]


def test_capture_loggers_and_debug_log(tl_dir: Path) -> None:
    mine = logging.getLogger("surface.mine")
    mine.setLevel(logging.DEBUG)
    run = _init(capture_loggers={"surface.mine": "INFO"}, x_log_level="WARNING")
    mine.debug("too low")
    mine.info("kept")
    logging.getLogger("tracklab").warning("a tracklab warning")
    run.finish()
    mine.info("after the run")
    output = open(os.path.join(run.dir, "output.log")).read()
    assert "INFO:surface.mine:kept" in output and "too low" not in output and "after the run" not in output
    assert "a tracklab warning" in open(run.settings.log_user).read()
    assert not any(type(h).__name__ == "_ToRunOutput" for h in mine.handlers)
    with pytest.raises(ValueError, match="capture_loggers"):
        tracklab.Settings(capture_loggers={"x": "LOUD"})


def test_finish_timeout_raises(tl_dir: Path) -> None:
    run = _init(finish_timeout=1e-9, finish_timeout_raises=True)
    run.log({"a": 1})
    with pytest.raises(TimeoutError, match="finish_timeout_raises"):
        run.finish()
    assert run._writer.wait_stored(timeout=60)  # the writer carries on and completes the run
    run._writer.process.wait(timeout=60)


def test_end_of_run_summary_lines_limited() -> None:
    from tracklab.sdk._printer import summary_lines

    lines = summary_lines({"b": 2.0, "a": 1, "_runtime": 3, "c": "text", "d": 4}, 3)
    assert [line.split()[0] for line in lines] == ["a", "b", "c"]


def test_footer_prints_summary_with_colours_and_emoji_as_set(tl_dir: Path) -> None:
    proc = run_python("""
        import tracklab
        run = tracklab.init(project="surface", settings=tracklab.Settings(x_disable_stats=True, show_colors=True,
                            show_emoji=True, max_end_of_run_summary_metrics=1))
        run.log({"loss": 0.5, "acc": 0.9})
        run.finish()
    """, cwd=tl_dir, env={"TRACKLAB_DIR": str(tl_dir), "WANDB_SILENT": ""})
    assert "\033[34m\033[1mtracklab\033[0m: Run summary:" in proc.stderr
    assert "acc 0.9" in proc.stderr and "loss" not in proc.stderr.split("Run summary:")[1].split("\n")[1]
    assert "\U0001f680 View run at" in proc.stderr


def test_stats_pid_and_buffer(tl_dir: Path) -> None:
    sleeper = helpers.spawn(["sleep", "60"])
    try:
        run = tracklab.init(project="surface", settings=tracklab.Settings(
            quiet=True, x_stats_pid=sleeper.pid, x_stats_sampling_interval=0.1, x_stats_buffer_size=2))
        assert run._monitor.pid == sleeper.pid
        while not run._system_metrics:
            run._monitor._stopping.wait(0.05)
        run.finish()
    finally:
        sleeper.kill()
    assert all(1 <= len(samples) <= 2 for samples in run._system_metrics.values())


def test_strict_raises_on_table_over_row_limit(tl_dir: Path) -> None:
    table = tracklab.Table(columns=["a"], data=[[1], [2], [3]])
    run = _init(strict=True)
    with pytest.raises(ValueError, match="row limit"):
        table._table_json(max_rows=2)
    run.finish()


def test_allow_media_symlink_links_the_users_file(tl_dir: Path, tmp_path: Path) -> None:
    from PIL import Image as PILImage

    png = tmp_path / "pic.png"
    PILImage.new("RGB", (4, 4), "red").save(png)
    run = _init(allow_media_symlink=True)
    run.log({"pic": tracklab.Image(str(png))})
    run.finish()
    placed = next(Path(run.dir, "media", "images").iterdir())
    assert os.path.samefile(placed, png)
    copied = _init()
    copied.log({"pic": tracklab.Image(str(png))})
    copied.finish()
    assert not os.path.samefile(next(Path(copied.dir, "media", "images").iterdir()), png)  # default: a copy


# -- Api ---------------------------------------------------------------------------------------
def test_create_project_and_create_run(tl_dir: Path) -> None:
    api = tracklab.Api()
    api.create_project("made", entity="me")
    api.create_project("made", entity="me")  # kept, as wandb upserts
    assert api.project("made").name == "made"
    created = api.create_run(run_id="made01", project="made")
    assert created.id == "made01" and created.state == "running"
    assert api.create_run(run_id="made01", project="made").id == "made01"
    assert stored_run(tl_dir, "made", "made01").info.status == "RUNNING"
    run = tracklab.init(project="made", id="made01", resume="must", settings=tracklab.Settings(**_QUIET))
    run.log({"x": 1})
    run.finish()
    assert tracklab.Api().run("made/made01").state == "finished"
    default = tracklab.Api(overrides={"project": "made"}).create_run()
    assert default.project == "made" and len(default.id) == 8


def test_from_path(tl_dir: Path) -> None:
    tracklab.init(project="paths", id="p1", settings=tracklab.Settings(**_QUIET)).finish()
    api = tracklab.Api()
    assert api.from_path("paths").name == "paths"
    assert api.from_path("me/paths").name == "paths"
    assert api.from_path("me/paths/p1").id == "p1"
    assert api.from_path("me/paths/runs/p1").id == "p1"
    with pytest.raises(ValueError, match="reports live only"):
        api.from_path("me/paths/reports/Name--abc")
    with pytest.raises(ValueError, match="'runs' or 'sweeps'"):
        api.from_path("me/paths/things/p1")
    with pytest.raises(UsageError, match="sweep"):
        api.sweep()


def test_artifact_paging(tl_dir: Path, tmp_path: Path) -> None:
    run = _init()
    for i in range(3):
        art = tracklab.Artifact("data", "dataset")
        art.add_file(str(_write(tmp_path / f"f{i}.txt", str(i))))
        run.log_artifact(art).wait()
    other = tracklab.Artifact("model", "model")
    other.add_file(str(_write(tmp_path / "m.txt", "m")))
    run.log_artifact(other).wait()
    run.finish()
    api = tracklab.Api()
    versions = [a.version for a in api.artifacts("dataset", "surface/data", order="created_at")]
    assert versions == ["v0", "v1", "v2"]
    assert [a.version for a in api.artifacts("dataset", "surface/data", order="-created_at")] == ["v2", "v1", "v0"]
    assert [a.version for a in api.artifacts("dataset", "surface/data", order="created_at", start="v0")] == ["v1", "v2"]
    with pytest.raises(ValueError, match="order="):
        api.artifacts("dataset", "surface/data", order="size")
    names = [c.name for c in api.artifact_collections("surface", "dataset")]
    assert names == ["data"] and api.artifact_collections("surface", "dataset", start="data") == []
    types = [t.name for t in api.artifact_types("surface")]
    assert types == ["dataset", "model"] and [t.name for t in api.artifact_types("surface", start="dataset")] == ["model"]


@pytest.mark.slow
def test_sync_tensorboard(tl_dir: Path, tmp_path: Path) -> None:
    from torch.utils.tensorboard import SummaryWriter

    for sub in ("train", "eval"):
        writer = SummaryWriter(str(tmp_path / "tb" / sub))
        for step in range(3):
            writer.add_scalar("loss", 1.0 / (step + 1), step)
        writer.close()
    run = tracklab.Api().sync_tensorboard(str(tmp_path / "tb"), run_id="tb01", project="tbp")
    assert run.id == "tb01" and run.state == "finished"
    rows = run.history(pandas=False)
    assert [r["global_step"] for r in rows] == [0, 1, 2]
    assert rows[2]["train/loss"] == pytest.approx(1 / 3) and rows[2]["eval/loss"] == pytest.approx(1 / 3)
    with pytest.raises(ValueError, match="no TensorBoard event files"):
        tracklab.Api().sync_tensorboard(str(tmp_path / "work"))


def _write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path
