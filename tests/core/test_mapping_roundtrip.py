"""The wandb -> MLflow representation read back: each piece of `tracklab.backend.mapping` is
written one way and read the other, first as functions (encode -> decode), then through a real
store (what a run logged -> what `tracklab.Api()` and MLflow's own client give back)."""

from __future__ import annotations

import math

import pytest

import tracklab
from tests.helpers import stored_run
from tracklab.backend import mapping

_QUIET = {"quiet": True, "x_disable_stats": True, "console": "off"}


# -- key map ------------------------------------------------------------------------------------
def test_keymap_tags_read_back_to_the_same_map():
    odd = ["loss(train)", "a//b", "acc@1", "ü/ключ?", "k" * 300] + [f"key #{i} (x)" for i in range(400)]
    keymap = {mapping.escape_key(k): k for k in odd}
    tags = mapping.keymap_tags(keymap)
    assert len(tags) > 1, "a map past MLflow's tag length spills over numbered tags"
    assert all(len(v) <= mapping.MAX_TAG_VALUE_LENGTH for v in tags.values())
    assert mapping.keymap_from_tags({**tags, "unrelated": "x"}) == keymap
    assert mapping.keymap_from_tags(mapping.keymap_tags({})) == {}
    assert mapping.keymap_from_tags({mapping.TAG_KEYMAP: "{not json"}) == {}


def test_escaped_keys_come_back_as_logged(tl_dir):
    keys = ["loss(train)", "a//b", "ü/ключ", "plain"] + [f"metric #{i} (val)" for i in range(300)]
    run = tracklab.init(project="rt-keys", id="keys01", settings=tracklab.Settings(**_QUIET))
    for step in range(3):
        run.log({k: float(step) for k in keys})
    run.finish()
    stored = stored_run(tl_dir, "rt-keys", "keys01")
    assert mapping.TAG_KEYMAP + ".1" in stored.data.tags  # spilled over MLflow's tag length
    assert set(mapping.keymap_from_tags(stored.data.tags).values()) == set(keys) - {"plain", "ü/ключ"}
    api_run = tracklab.Api().run("rt-keys/keys01")
    rows = api_run.history(pandas=False, samples=10)
    assert [r["loss(train)"] for r in rows] == [0.0, 1.0, 2.0]
    assert {k for k in rows[0] if not k.startswith("_")} == set(keys)
    assert api_run.keymap == mapping.keymap_from_tags(stored.data.tags)


# -- config ---------------------------------------------------------------------------------------
_CONFIG = {"lr": 0.01, "model": {"depth": 4, "act": "relu", "sizes": [1, 2]}, "flag": True, "none": None,
           "name": "ключ", "long": "x" * 7000, "_wandb": {"visualize": {}}}


def test_config_yaml_reads_back_to_the_same_config():
    assert mapping.config_from_yaml(mapping.config_yaml(_CONFIG)) == _CONFIG
    assert mapping.config_from_yaml(mapping.config_yaml(_CONFIG).encode()) == _CONFIG
    assert mapping.config_from_yaml(mapping.config_yaml({})) == {}
    assert mapping.config_yaml({"a": 1}).startswith("wandb_version: 1\n")


def test_logged_config_comes_back_from_the_store(tl_dir):
    run = tracklab.init(project="rt-config", id="conf01", config=_CONFIG, settings=tracklab.Settings(**_QUIET))
    run.finish()
    api_run = tracklab.Api().run("rt-config/conf01")
    assert api_run.config == _CONFIG
    params = stored_run(tl_dir, "rt-config", "conf01").data.params
    assert params == mapping.params_for_config(_CONFIG)
    assert params["long"].endswith(mapping.config.TRUNCATED_MARKER)
    api_run.config = {**_CONFIG, "lr": 0.5, "added": {"x": 1}}
    api_run.update()
    again = tracklab.Api().run("rt-config/conf01")
    assert again.config == {**_CONFIG, "lr": 0.5, "added": {"x": 1}}


# -- state ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("state", ["running", "finished", "failed", "crashed", "killed", "preempted"])
def test_state_reads_back_from_status_and_tag(state):
    assert mapping.run_state(mapping.mlflow_status(state), {mapping.TAG_STATE: state}) == state


def test_state_without_a_tag_comes_from_the_status():
    assert mapping.run_state("FINISHED", {}) == "finished"
    assert mapping.run_state("SCHEDULED", {}) == "pending"
    assert mapping.run_state("SOMETHING_NEW", {}) == "crashed"
    assert mapping.run_state("RUNNING", {mapping.TAG_STATE: "finished"}) == "running"  # resumed


@pytest.mark.parametrize("exit_code, state", [(0, "finished"), (1, "failed")])
def test_final_state_comes_back_from_the_store(tl_dir, exit_code, state):
    run = tracklab.init(project="rt-state", id=f"state{exit_code}", settings=tracklab.Settings(**_QUIET))
    run.log({"x": 1})
    run.finish(exit_code=exit_code)
    assert stored_run(tl_dir, "rt-state", run.id).info.status == mapping.mlflow_status(state)
    assert tracklab.Api().run(f"rt-state/{run.id}").state == state


# -- header and updates ---------------------------------------------------------------------------
def test_header_tags_read_back_to_the_run_fields():
    header = {"id": "abc123", "project": "p", "start_time": 1.0, "entity": "me", "name": "nice", "notes": "n",
              "tags": ["a", "b c"], "group": "g", "job_type": "train", "sweep_id": "sw", "user": "u",
              "program": "train.py", "parent_run_id": "f" * 32}
    fields = mapping.run_fields(mapping.run_tags(header))
    assert fields == {"id": "abc123", "name": "nice", "entity": "me", "notes": "n", "group": "g",
                      "job_type": "train", "sweep_id": "sw", "tags": ["a", "b c"], "user": "u",
                      "parent_run_id": "f" * 32}
    bare = mapping.run_fields(mapping.run_tags({"id": "x", "project": "p", "start_time": 0.0}))
    assert bare == {"id": "x", "name": None, "entity": None, "notes": None, "group": None, "job_type": None,
                    "sweep_id": None, "tags": [], "user": None, "parent_run_id": None}


def test_update_tags_read_back_over_the_header():
    tags = mapping.run_tags({"id": "x", "project": "p", "start_time": 0.0, "name": "old", "tags": ["a"]})
    tags.update(mapping.update_tags({"name": "new", "notes": "later", "tags": ["b"]}))
    fields = mapping.run_fields(tags)
    assert (fields["name"], fields["notes"], fields["tags"]) == ("new", "later", ["b"])
    assert mapping.update_tags({"notes": None}) == {mapping.TAG_NOTE: ""}


def test_identity_and_edits_come_back_from_the_store(tl_dir):
    run = tracklab.init(project="rt-run", id="ident01", entity="me", name="first", notes="about", tags=["a"],
                        group="grp", job_type="eval", settings=tracklab.Settings(**_QUIET))
    run.name = "second"
    run.tags = ("b", "c")
    run.notes = "changed"
    run.finish()
    api_run = tracklab.Api().run("rt-run/ident01")
    assert (api_run.id, api_run.entity, api_run.name, api_run.notes, api_run.tags, api_run.group,
            api_run.job_type) == ("ident01", "me", "second", "changed", ["b", "c"], "grp", "eval")
    api_run.name, api_run.tags, api_run.notes = "third", ["d"], "edited"
    api_run.update()
    again = tracklab.Api().run("rt-run/ident01")
    assert (again.name, again.tags, again.notes) == ("third", ["d"], "edited")
    assert "tag.b" not in stored_run(tl_dir, "rt-run", "ident01").data.tags


# -- other run tags -------------------------------------------------------------------------------
def test_metric_defs_object_keys_and_sweep_parent_tags_read_back():
    defs = [{"name": "val/*", "step_metric": "epoch"}, {"name": "acc", "summary": ["max"]}]
    assert mapping.metric_defs_from_tags(mapping.metric_defs_tag(defs)) == defs
    assert mapping.metric_defs_from_tags({}) == []
    assert mapping.object_keys_from_tags(mapping.object_keys_tag({"b", "a"})) == ["a", "b"]
    assert mapping.object_keys_from_tags({}) is None
    assert mapping.is_sweep_parent(mapping.sweep_parent_tags("sw1"))
    assert not mapping.is_sweep_parent({})


def test_history_values_come_back_exactly(tl_dir):
    logged = [{"n": 1.5, "big": 2**60, "inf": math.inf, "flag": True, "text": "hi", "none": None}]
    for row in logged:
        assert all(mapping.needs_exact_copy(v) for k, v in row.items() if k != "n")
        assert not mapping.needs_exact_copy(row["n"])
    run = tracklab.init(project="rt-history", id="hist01", settings=tracklab.Settings(**_QUIET))
    run.define_metric("n", summary="max")
    for row in logged:
        run.log(row)
    run.finish()
    api_run = tracklab.Api().run("rt-history/hist01")
    back = api_run.history(pandas=False)
    assert [{k: v for k, v in r.items() if not k.startswith("_")} for r in back] == logged
    assert mapping.metric_defs_from_tags(api_run.mlflow_run.data.tags)[0]["name"] == "n"


# -- nested keys ----------------------------------------------------------------------------------
def test_nested_dicts_are_dot_keys_in_mlflow_and_the_api(tl_dir):
    run = tracklab.init(project="rt-nested", id="nest01", settings=tracklab.Settings(**_QUIET))
    run.log({"train": {"acc": 0.9, "deep": {"x": 1.5}}, "val/acc": 0.8})
    run.finish()
    stored = stored_run(tl_dir, "rt-nested", "nest01")
    assert {"train.acc", "train.deep.x", "val/acc"} <= set(stored.data.metrics)  # wandb's server keys
    assert "train/acc" not in stored.data.metrics
    (row,) = tracklab.Api().run("rt-nested/nest01").history(pandas=False)
    assert (row["train.acc"], row["train.deep.x"], row["val/acc"]) == (0.9, 1.5, 0.8)
