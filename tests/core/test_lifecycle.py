"""Run lifecycle with wandb's semantics: globals, properties, modes, reinit, resume, errors."""

from __future__ import annotations

import argparse
import os

import pytest

import tracklab
from tracklab.errors import Error, UsageError
from tests.helpers import run_python, start_python, stored_run


def test_globals_before_and_after_a_run(tl_dir):
    assert tracklab.run is None
    with pytest.raises(Error, match="init"):
        tracklab.config.lr
    with pytest.raises(Error, match="init"):
        tracklab.summary["x"]
    with pytest.raises(Error, match="init"):
        tracklab.log({"a": 1})
    assert not bool(tracklab.config)
    tracklab.finish()  # a no-op before init
    run = tracklab.init(project="p")
    assert tracklab.run is run
    assert tracklab.config is run.config and tracklab.summary is run.summary
    tracklab.log({"a": 1})
    tracklab.finish()
    assert tracklab.run is None
    with pytest.raises(Error):
        tracklab.config.keys()
    with pytest.raises(UsageError, match="finished"):
        run.log({"a": 2})


def test_module_level_calls_after_finish_raise_what_wandb_raises(tl_dir):
    """Measured on wandb 0.31 offline: finish() resets log, save, define_metric, watch, unwatch,
    log_artifact, use_artifact, config and summary to pre-init stand-ins (`Error: You must call
    wandb.init() before wandb.log()`); alert and the model calls stay on the finished run and raise
    its `UsageError: Run (<id>) is finished. The call to `alert` will be ignored. ...`."""
    run = tracklab.init(project="p")
    tracklab.finish()
    for call, name in ((lambda: tracklab.log({"a": 1}), "log"), (lambda: tracklab.save("x"), "save"),
                       (lambda: tracklab.define_metric("a"), "define_metric"),
                       (lambda: tracklab.watch(None), "watch")):
        with pytest.raises(Error, match=rf"You must call tracklab.init\(\) before tracklab.{name}\(\)") as caught:
            call()
        assert type(caught.value) is Error
    with pytest.raises(Error, match=r"before tracklab.config.update") as caught:
        tracklab.config.update({"a": 1})
    assert type(caught.value) is Error
    with pytest.raises(UsageError, match=rf"Run \({run.id}\) is finished. The call to `alert` will be ignored. "
                                         "Please make sure that you are using an active run."):
        tracklab.alert(title="a", text="b")
    with pytest.raises(UsageError, match="Please make sure that you are using an active run"):
        run.log({"a": 2})


def test_run_properties(tl_dir):
    run = tracklab.init(project="proj", entity="team", name="first", notes="n1", tags=["a", "b"], group="g",
                        job_type="train", config={"lr": 0.1})
    assert len(run.id) == 8 and run.id.isalnum()
    assert (run.name, run.project, run.entity, run.notes, run.group, run.job_type) == \
        ("first", "proj", "team", "n1", "g", "train")
    assert run.path == f"team/proj/{run.id}"
    assert os.path.isdir(run.dir)
    assert run.tags == ("a", "b")
    run.tags += ("c",)
    run.name = "renamed"
    run.notes = "n2"
    assert run.step == 0 and not run.resumed and not run.offline and not run.disabled
    assert run.start_time > 0 and run.sweep_id is None
    assert isinstance(run, tracklab.Run)
    assert run.url and run.url.startswith("http://127.0.0.1:5000/")
    run.log({"x": 1})
    assert run.step == 1
    run.finish()
    stored = stored_run(tl_dir, "proj", run.id)
    tags = stored.data.tags
    assert stored.info.run_name == "renamed"
    assert tags["mlflow.note.content"] == "n2"
    assert tags["tracklab.entity"] == "team"
    assert tags["tracklab.group"] == "g" and tags["tracklab.job_type"] == "train"
    assert tags["tag.c"] == "true"
    assert stored.info.status == "FINISHED"


def test_context_manager_marks_failure(tl_dir):
    with pytest.raises(RuntimeError):
        with tracklab.init(project="p") as run:
            run.log({"a": 1})
            raise RuntimeError("boom")
    assert tracklab.run is None
    stored = stored_run(tl_dir, "p", run.id)
    assert stored.info.status == "FAILED"
    assert stored.data.tags["tracklab.state"] == "failed"


def test_finish_with_exit_code_and_idempotent(tl_dir):
    run = tracklab.init(project="p")
    run.finish(exit_code=3)
    run.finish()
    assert stored_run(tl_dir, "p", run.id).info.status == "FAILED"


def test_disabled_mode_is_a_cheap_noop(tl_dir):
    run = tracklab.init(project="p", mode="disabled", config={"a": 1})
    assert isinstance(run, tracklab.Run) and run.disabled
    assert tracklab.run is run
    assert run.config.a == 1
    run.config.b = 2
    run.log({"x": 1})
    run.summary["y"] = 2
    run.finish()
    assert tracklab.run is None
    assert not os.path.exists(tl_dir / "runs")


def test_wandb_disabled_env_and_legacy_dryrun(tl_dir, monkeypatch):
    monkeypatch.setenv("WANDB_DISABLED", "true")
    assert tracklab.init(project="p").disabled
    tracklab.finish()
    monkeypatch.delenv("WANDB_DISABLED")
    run = tracklab.init(project="p", mode="dryrun")
    assert run.offline
    run.finish()


def test_environment_and_precedence(tl_dir, monkeypatch):
    monkeypatch.setenv("WANDB_PROJECT", "from-wandb-env")
    monkeypatch.setenv("WANDB_NAME", "env-name")
    monkeypatch.setenv("WANDB_TAGS", "x,y")
    monkeypatch.setenv("WANDB_NOTES", "env notes")
    run = tracklab.init(name="arg-name")
    assert run.project == "from-wandb-env" and run.name == "arg-name"
    assert run.tags == ("x", "y") and run.notes == "env notes"
    run.finish()
    monkeypatch.setenv("TRACKLAB_PROJECT", "from-tracklab-env")
    run = tracklab.init()
    assert run.project == "from-tracklab-env"
    run.finish()


def test_settings_object_and_accepted_legacy_arguments(tl_dir):
    settings = tracklab.Settings(quiet=True, x_disable_stats=True, _disable_stats=True)
    run = tracklab.init(project="p", settings=settings, anonymous="allow", force=True, monitor_gym=False,
                        sync_tensorboard=False, tensorboard=False, save_code=False, magic=True,
                        config_exclude_keys=["drop"], config={"keep": 1, "drop": 2})
    assert dict(run.config) == {"keep": 1}
    assert run.settings.quiet
    run.finish()
    run = tracklab.init(project="p", config={"a": 1, "b": 2}, config_include_keys=["a"])
    assert dict(run.config) == {"a": 1}
    run.finish()


def test_reinit_modes(tl_dir):
    first = tracklab.init(project="p")
    assert tracklab.init(project="p") is first  # wandb: a second init returns the same run
    second = tracklab.init(project="p", reinit="finish_previous")
    assert second is not first and tracklab.run is second
    third = tracklab.init(project="p", reinit="create_new")
    assert tracklab.run is second  # create_new leaves the global run alone
    third.log({"a": 1})
    third.finish()
    second.finish()
    with pytest.raises(UsageError, match="finished"):
        first.log({"a": 1})


def test_config_from_yaml_and_defaults_file(tl_dir):
    with open("config-defaults.yaml", "w") as handle:
        handle.write("epochs:\n  desc: number of epochs\n  value: 5\nlr: 0.1\n")
    with open("other.yaml", "w") as handle:
        handle.write("batch: 32\n")
    run = tracklab.init(project="p", config="other.yaml")
    assert run.config.epochs == 5 and run.config.lr == 0.1 and run.config.batch == 32
    run.finish()


def test_resume_must_unknown_id_is_a_clear_error(tl_dir):
    with pytest.raises(UsageError, match="resume='must'.*nosuchid"):
        tracklab.init(project="p", id="nosuchid", resume="must")
    assert tracklab.run is None


def test_resume_continues_steps_config_and_summary(tl_dir):
    run = tracklab.init(project="p", id="resume01", config={"lr": 0.1})
    for i in range(5):
        run.log({"loss": 1.0 / (i + 1)})
    run.summary["best"] = 7
    run.finish()
    with pytest.raises(UsageError, match="never"):
        tracklab.init(project="p", id="resume01", resume="never")
    again = tracklab.init(project="p", id="resume01", resume="must")
    assert again.resumed and again.step == 5 and again.starting_step == 5
    assert again.config.lr == 0.1 and again.summary["best"] == 7
    again.log({"loss": 0.01})
    again.finish()
    api_run = tracklab.Api().run("p/resume01")
    steps = [row["_step"] for row in api_run.scan_history(keys=["loss", "_step"])]
    assert steps == [0, 1, 2, 3, 4, 5]
    assert api_run.state == "finished"
    assert stored_run(tl_dir, "p", "resume01").info.status == "FINISHED"


def test_resume_allow_creates_then_resumes(tl_dir):
    run = tracklab.init(project="p", id="allow001", resume="allow")
    assert not run.resumed
    run.finish()
    run = tracklab.init(project="p", id="allow001", resume="allow")
    assert run.resumed
    run.finish()


def test_two_processes_cannot_resume_the_same_run(tl_dir, tmp_path):
    proc = start_python(
        """
        import tracklab, time
        run = tracklab.init(project="p", id="shared01")
        print("ready", flush=True)
        time.sleep(60)
        """,
        cwd=tmp_path,
    )
    try:
        assert proc.stdout.readline().strip() == "ready"
        with pytest.raises(tracklab.errors.RunInUseError, match="shared01.*in use by pid"):
            tracklab.init(project="p", id="shared01", resume="allow")
        assert tracklab.run is None
    finally:
        proc.kill()
        proc.wait()


def test_argparse_namespace_config(tl_dir):
    ns = argparse.Namespace(lr=0.5, layers=3)
    run = tracklab.init(project="p", config=ns)
    assert run.config.lr == 0.5 and run.config["layers"] == 3
    run.finish()


def test_init_returns_quickly_without_importing_mlflow(tl_dir, tmp_path):
    out = run_python(
        """
        import sys, tracklab
        run = tracklab.init(project="p")
        run.log({"a": 1.0})
        print(sorted(m for m in ("mlflow", "pandas", "torch", "plotly", "sqlalchemy") if m in sys.modules))
        run.finish()
        """,
        cwd=tmp_path,
    )
    assert out.stdout.strip().splitlines()[-1] == "[]"
