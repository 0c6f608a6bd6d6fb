"""The wandb -> MLflow mapping as plain MLflow sees it, and bad input: clear errors naming the
key, the value and the rule, with nothing logged before lost."""

from __future__ import annotations

import math

import mlflow
import pytest

import tracklab
from tracklab.backend import mapping
from tests.helpers import mlflow_client, stored_run


def test_key_escaping_is_valid_unique_and_stable():
    odd = ["loss(train)", "a//b", "acc@1", "trail/", "/lead", "./x", "", ".", "a/../b", "k" * 300, "tab\tkey",
           "loss_train_", "a/b", "a_b", "x" * 251, "ü/ключ"]
    escaped = [mapping.escape_key(k) for k in odd]
    assert all(mapping.is_valid_mlflow_key(e) for e in escaped)
    assert len(set(escaped)) == len(odd), "two keys share an escape"
    assert mapping.escape_key("loss(train)") == mapping.escape_key("loss(train)")
    for valid in ("loss", "train/loss", "acc top-1", "ü/ключ", "a.b:c"):
        assert mapping.escape_key(valid) == valid


def test_mlflow_sees_the_documented_mapping(tl_dir, monkeypatch):
    run = tracklab.init(project="native", name="nice-run", notes="about it", tags=["base", "v2"], group="grp",
                        job_type="eval", config={"lr": 0.01, "model": {"depth": 4, "act": "relu"}, "flag": True})
    for step in range(20):
        run.log({"loss": 1.0 / (step + 1), "weird(key)": float(step)})
    run.finish()
    client = mlflow_client(tl_dir)
    stored = stored_run(tl_dir, "native", run.id)
    assert stored.info.run_name == "nice-run"
    assert stored.data.params == {"lr": "0.01", "model.depth": "4", "model.act": "relu", "flag": "true"}
    tags = stored.data.tags
    assert tags["mlflow.note.content"] == "about it"
    assert tags["tracklab.run_id"] == run.id
    assert tags["tag.base"] == tags["tag.v2"] == "true"
    history = client.get_metric_history(stored.info.run_id, "loss")
    assert [m.step for m in history] == list(range(20))
    assert history[-1].value == pytest.approx(1 / 20)
    escaped = mapping.escape_key("weird(key)")
    assert len(client.get_metric_history(stored.info.run_id, escaped)) == 20
    # Through the environment (as a user would), not mlflow.set_tracking_uri: that is process-wide
    # and outlives the test.
    monkeypatch.setenv("MLFLOW_TRACKING_URI", f"sqlite:///{tl_dir / 'mlflow.db'}")
    found = mlflow.search_runs(experiment_names=["native"], filter_string="metrics.loss < 0.06 and params.lr = '0.01'")
    assert list(found["tags.tracklab.run_id"]) == [run.id]
    by_group = mlflow.search_runs(experiment_names=["native"], filter_string="tags.`tracklab.group` = 'grp'")
    assert len(by_group) == 1
    artifacts = {a.path for a in client.list_artifacts(stored.info.run_id)}
    assert {"config.yaml", "wandb-summary.json", "wandb-metadata.json"} <= artifacts
    experiment = client.get_experiment_by_name("native")
    assert experiment.artifact_location.startswith(str(tl_dir))
    api_run = tracklab.Api().run(f"native/{run.id}")
    assert "weird(key)" in api_run.history(pandas=True).columns
    assert api_run.config == {"lr": 0.01, "model": {"depth": 4, "act": "relu"}, "flag": True}


def test_nothing_is_written_to_the_working_directory(tl_dir, tmp_path):
    import os

    run = tracklab.init(project="p")
    run.log({"a": 1})
    run.finish()
    assert not os.path.exists("mlruns") and not os.path.exists("wandb")


def test_exact_values_survive_where_mlflow_cannot_hold_them(tl_dir):
    run = tracklab.init(project="p")
    run.log({"nan": float("nan"), "pinf": math.inf, "ninf": -math.inf, "big": 2**60 + 1, "s": "text", "none": None,
             "flag": True, "lst": [1, 2]})
    run.finish()
    client = mlflow_client(tl_dir)
    stored = stored_run(tl_dir, "p", run.id)
    assert client.get_metric_history(stored.info.run_id, "pinf")[0].value == 1.7976931348623157e308  # MLflow's clamp
    assert math.isnan(client.get_metric_history(stored.info.run_id, "nan")[0].value)
    row = next(tracklab.Api().run(f"p/{run.id}").scan_history())
    assert row["pinf"] == math.inf and row["ninf"] == -math.inf and math.isnan(row["nan"])
    assert row["big"] == 2**60 + 1 and isinstance(row["big"], int)
    assert row["s"] == "text" and row["none"] is None and row["flag"] is True and row["lst"] == [1, 2]


def test_ten_thousand_keys_in_one_call(tl_dir):
    run = tracklab.init(project="p")
    run.log({f"k{i}": float(i) for i in range(10_000)})
    run.log({"k0": 1.0})
    run.finish()
    stored = stored_run(tl_dir, "p", run.id)
    assert len(stored.data.metrics) == 10_000
    assert stored.data.metrics["k9999"] == 9999.0


def test_long_config_value_is_kept_whole(tl_dir):
    text = "x" * 7000
    run = tracklab.init(project="p", config={"prompt": text, "lst": [1, 2, 3], "d": {"a": [1]}})
    run.finish()
    stored = stored_run(tl_dir, "p", run.id)
    param = stored.data.params["prompt"]
    assert len(param) <= 6000 and param.endswith("[truncated, full value in config.yaml]")
    assert stored.data.params["lst"] == "[1, 2, 3]"
    assert tracklab.Api().run(f"p/{run.id}").config["prompt"] == text


def test_config_change_without_permission_is_wandbs_error(tl_dir):
    from tracklab.sdk.lib.config_util import ConfigError

    run = tracklab.init(project="p", config={"lr": 0.1})
    with pytest.raises(ConfigError, match='key "lr" from 0.1 to 0.2'):
        run.config.update({"lr": 0.2})
    with pytest.raises(ConfigError):
        run.config.lr = 0.3
    run.config.update({"lr": 0.1})  # the same value is fine
    run.config.update_locked({"swept": 1}, user="sweep")
    run.config.update({"swept": 2})  # ignored with wandb's warning
    assert run.config.swept == 1
    with pytest.raises(TypeError):
        run.config.update([1, 2])
    run.finish()


def test_bad_log_calls_name_the_problem_and_keep_earlier_data(tl_dir):
    run = tracklab.init(project="p")
    run.log({"good": 1.0})
    with pytest.raises(TypeError, match="must be passed a dictionary"):
        run.log([1, 2])
    with pytest.raises(TypeError, match="must be strings"):
        run.log({1: 2.0})

    class Opaque:
        pass

    with pytest.raises(TypeError, match="'thing'.*Opaque"):
        run.log({"thing": Opaque()})
    with pytest.raises(TypeError, match="step"):
        run.log({"x": 1}, step="three")
    run.log({"": 5, "fine": 2.0})  # the empty key is dropped, as wandb does
    run.finish()
    rows = list(tracklab.Api().run(f"p/{run.id}").scan_history())
    assert rows[0]["good"] == 1.0
    assert any(r.get("fine") == 2.0 for r in rows)
    assert all("" not in r for r in rows)


def test_define_metric_errors_name_the_rule(tl_dir):
    run = tracklab.init(project="p")
    with pytest.raises(ValueError, match="summary='median'.*allowed"):
        run.define_metric("loss", summary="median")
    with pytest.raises(tracklab.UsageError, match="goal"):
        run.define_metric("loss", goal="up")
    metric = run.define_metric("acc", summary="best", goal="maximize")
    run.log({"acc": 0.5})
    run.log({"acc": 0.9})
    run.log({"acc": 0.7})
    assert run.summary["acc"] == {"best": 0.9}
    assert metric.name == "acc"
    run.finish()


def test_log_sync_keyword_is_accepted(tl_dir):
    run = tracklab.init(project="p")
    run.log({"a": 1}, sync=False)  # pytorch-ignite still passes it
    run.finish()


def test_tracking_uri_resolution(tl_dir, monkeypatch, tmp_path):
    assert tracklab.tracking_uri() == f"sqlite:///{tl_dir / 'mlflow.db'}"
    monkeypatch.setenv("MLFLOW_TRACKING_URI", "http://127.0.0.1:9")
    assert tracklab.tracking_uri() == "http://127.0.0.1:9"
    monkeypatch.setenv("TRACKLAB_TRACKING_URI", f"sqlite:///{tmp_path}/other.db")
    assert tracklab.tracking_uri() == f"sqlite:///{tmp_path}/other.db"
