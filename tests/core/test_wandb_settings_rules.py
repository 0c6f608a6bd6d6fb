"""Settings, Config, a Run built directly and run.save() follow wandb's rules (worked out from
wandb's documented behaviour, checked here on TrackLab alone)."""

from __future__ import annotations

import copy
import glob
import os
from pathlib import Path

import pytest

import tracklab
from tracklab.errors import UsageError, term
from tracklab.sdk.lib.run_moment import RunMoment
from tracklab.sdk.wandb_config import Config
from tracklab.sdk.wandb_run import Run


# -- Settings -----------------------------------------------------------------------------------
def test_an_unknown_field_is_refused_naming_it() -> None:
    with pytest.raises(ValueError, match="no field 'learning_rte'"):
        tracklab.Settings(learning_rte=0.1)
    settings = tracklab.Settings()
    with pytest.raises(ValueError, match="no field 'nope'"):
        settings.nope = 1


def test_wandb_cloud_fields_are_accepted_and_typed() -> None:
    settings = tracklab.Settings(http_proxy="http://proxy:3128", relogin="true")
    assert settings.http_proxy == "http://proxy:3128" and settings.relogin is True
    settings.update_from_env_vars({"WANDB_X_EXTRA_HTTP_HEADERS": '{"User-Agent": "me"}'})
    assert settings.x_extra_http_headers == {"User-Agent": "me"}


def test_values_of_the_wrong_kind_name_field_value_and_rule() -> None:
    with pytest.raises(ValueError, match=r"api_key=12: must be a string"):
        tracklab.Settings(api_key=12)
    with pytest.raises(ValueError, match=r"ui_port='many': must be a number"):
        tracklab.Settings(ui_port="many")


@pytest.mark.parametrize("run_id", ["a:b", "a/b", "a?b", "it's"])
def test_run_ids_with_path_or_url_characters_are_refused(run_id: str) -> None:
    with pytest.raises(UsageError, match="run ids may not contain"):
        tracklab.Settings(run_id=run_id)


@pytest.mark.parametrize("url", ["gibberish", "ftp://host.org", "https://wandb.ai", "http://api.wandb.ai",
                                 "http://bad\thost.org"])
def test_bad_base_urls_are_refused(url: str) -> None:
    settings = tracklab.Settings()
    with pytest.raises(ValueError, match="base_url"):
        settings.base_url = url
    assert settings.base_url is None  # a refused value changes nothing


def test_base_url_loses_trailing_slashes_and_gives_the_urls() -> None:
    settings = tracklab.Settings(base_url="https://api.example.org//", entity="team", project="p", run_id="r1")
    assert settings.base_url == "https://api.example.org"
    assert settings.app_url == "https://app.example.org"
    assert settings.run_url == "https://app.example.org/team/p/runs/r1"
    assert settings.is_local is True
    assert tracklab.Settings(base_url="https://api.wandb.ai").is_local is False


def test_tags_and_globs_are_tuples_and_tags_are_checked() -> None:
    assert tracklab.Settings(run_tags=["a", "b"]).run_tags == ("a", "b")
    settings = tracklab.Settings()
    settings.update_from_env_vars({"WANDB_IGNORE_GLOBS": "*.pt,*.ckpt"})
    assert settings.ignore_globs == ("*.pt", "*.ckpt")
    with pytest.raises(ValueError, match="between 1 and 64"):
        tracklab.Settings(run_tags=["ok", "x" * 65])


def test_a_copy_is_independent() -> None:
    first = tracklab.Settings(project="one")
    second = copy.copy(first)
    first.project = "two"
    assert second.project == "one"
    assert dict(second)["project"] == "one"


def test_resume_from_is_a_run_moment_and_excludes_resume() -> None:
    settings = tracklab.Settings(resume_from="abc?_step=5")
    assert settings.resume_from == RunMoment(run="abc", value=5)
    with pytest.raises(ValueError, match="cannot be combined"):
        tracklab.Settings(resume_from="abc?_step=5", resume="allow")


def test_model_dump_holds_computed_values() -> None:
    dumped = tracklab.Settings(mode="offline").model_dump()
    assert dumped["_offline"] is True and dumped["mode"] == "offline"


def test_system_settings_files_apply_whole_or_not_at_all(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "wandb").mkdir()
    good = tmp_path / "wandb" / "settings"
    good.write_text("[default]\nproject = from-file\n")
    settings = tracklab.Settings(root_dir=str(tmp_path), settings_system=str(tmp_path / "none"))
    settings.update_from_system_settings()
    assert settings.project == "from-file"
    assert f"Loading settings from {good}" in capsys.readouterr().err
    good.write_text("[default]\nproject = other\nbase_url = not-a-url\n")
    settings.update_from_system_settings()
    assert settings.project == "from-file"  # the bad base_url kept the whole file out
    assert "not-a-url" in capsys.readouterr().err


# -- Config -------------------------------------------------------------------------------------
def test_config_calls_back_with_key_and_val_or_data() -> None:
    calls: list[dict] = []
    config = Config()
    config._set_callback(lambda **kw: calls.append(kw))
    config.lr = 0.1
    config.update({"epochs": 3})
    assert calls == [{"key": "lr", "val": 0.1}, {"data": {"epochs": 3}}]


def test_merge_locked_merges_nested_values() -> None:
    config = Config()
    config.update({"opt": {"lr": 1, "beta": 2}})
    config.merge_locked({"opt": {"lr": 5}}, "sweep")
    assert config["opt"] == {"lr": 5, "beta": 2}
    config.update({"opt": {"lr": 9}})  # locked: ignored, with wandb's warning
    assert config["opt"]["lr"] == 5


def test_config_starts_from_config_defaults(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    Path("config-defaults.yaml").write_text("epochs:\n  value: 7\n")
    assert dict(Config()) == {"epochs": 7}
    Path("config-defaults.yaml").write_text("")
    assert dict(Config()) == {}
    assert "Found an empty default config file (config-defaults.yaml)" in capsys.readouterr().err


# -- a Run built directly, run.save ---------------------------------------------------------------
@pytest.fixture
def direct_run(tl_dir: Path) -> Run:
    run = Run(tracklab.Settings(project="direct", run_id="direct1", console="off"), config={"a": 1},
              sweep_config={"b": 2})
    run._set_backend(None)
    yield run
    run.finish()


def test_a_run_built_directly_takes_config_and_sweep_config(direct_run: Run) -> None:
    assert dict(direct_run.config) == {"a": 1, "b": 2}
    direct_run.config.b = 3  # locked by the sweep
    assert direct_run.config.b == 2
    direct_run.log({"x": 1.5})
    assert direct_run.summary["x"] == 1.5
    assert copy.deepcopy(direct_run) is direct_run


def test_save_keeps_folders_below_the_base_path(direct_run: Run, tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "out" / "x").mkdir(parents=True)
    (tmp_path / "out" / "x" / "m.txt").write_text("m")
    saved = direct_run.save("out/x/*.txt", base_path="out")
    assert saved == [os.path.join(direct_run.dir, "x", "m.txt")]


def test_save_refuses_globs_that_climb_or_start_with_a_star(direct_run: Run, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="may not walk above the base path"):
        direct_run.save(str(tmp_path / "a" / ".." / ".." / "b.txt"), base_path=str(tmp_path / "a"))
    with pytest.raises(ValueError, match="may not start with '\\*'"):
        direct_run.save(str(tmp_path / "*" / "f.txt"), base_path=str(tmp_path))


def test_save_literal_and_escaped_names(direct_run: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("WANDB_SILENT")  # tl_dir silences the terminal; these lines are the point here
    Path("ckpt[1].pt").write_text("w")
    assert direct_run.save("ckpt[1].pt") == []  # "[1]" is a character class
    assert "call save() with glob=False" in capsys.readouterr().err
    assert direct_run.save("ckpt[1].pt", glob=False) == [os.path.join(direct_run.dir, "ckpt[1].pt")]
    assert direct_run.save(glob.escape("ckpt[1].pt")) == [os.path.join(direct_run.dir, "ckpt[1].pt")]
    direct_run.save("gs://bucket/x")
    assert "cloud storage url" in capsys.readouterr().err


def test_disabled_runs_take_any_call() -> None:
    with tracklab.init(mode="disabled") as run:
        run.alert()
        run.define_metric()
        run.restore()


# -- terminal messages under the wandb name -----------------------------------------------------
def test_messages_say_wandb_while_tracklab_stands_in(capsys: pytest.CaptureFixture[str]) -> None:
    term.termwarn("plain")
    assert capsys.readouterr().err == "tracklab: WARNING plain\n"
    tracklab.enable_wandb_standin(propagate=False)
    try:
        import wandb

        wandb.termerror("as wandb")
        assert capsys.readouterr().err == "wandb: ERROR as wandb\n"
    finally:
        tracklab.disable_wandb_standin()


def test_a_settings_object_overrides_the_environment_only_where_it_sets_a_field(tl_dir, monkeypatch) -> None:
    monkeypatch.setenv("WANDB_MODE", "offline")
    monkeypatch.setenv("WANDB_SILENT", "true")
    given = tracklab.Settings(x_stats_sampling_interval=1.0)
    assert given.model_fields_set == {"x_stats_sampling_interval"}
    run = tracklab.init(project="p", settings=given)
    assert (run.settings.mode, run.settings.silent, run.settings.x_stats_sampling_interval) == ("offline", True, 1.0)
    run.finish()
    explicit = tracklab.Settings(mode="disabled")
    explicit.silent = False
    assert explicit.model_fields_set == {"mode", "silent"} == copy.copy(explicit).model_fields_set
    run = tracklab.init(project="p", settings=explicit)
    assert (run.settings.mode, run.settings.silent) == ("disabled", False)
    run.finish()
