"""In-process sweeps on real TrackLab runs in a temporary store: methods, locking, nesting,
hyperband, failures, run_cap, target, states, prior runs and the read-back API."""

from __future__ import annotations

import logging
import time

import optuna
import pytest
from optuna.trial import TrialState

import tracklab
from tests.helpers import mlflow_client, stored_run
from tracklab.sweeps import parse
from tracklab.sweeps._optuna import make_sampler
from tracklab.sweeps._state import CANCELED, FINISHED, PAUSED, RUNNING, WAIT, SweepHandle
from tracklab.sweeps.api_sweep import Sweep


def _states(sweep_id: str) -> list[str]:
    return [t.state.name for t in SweepHandle.open(sweep_id).trials()]


def test_grid_runs_every_point_once_locks_config_and_nests_runs(tl_dir, caplog):
    config = {"method": "grid", "metric": {"name": "loss"}, "name": "grid-demo",
              "parameters": {"b": {"values": [True, False]}, "a": {"values": [1, 2]}, "const": {"value": "k"},
                             "opt": {"parameters": {"lr": {"values": [0.5]}, "kind": {"value": "sgd"}}}}}
    sweep_id = tracklab.sweep(config, project="grid")
    assert len(sweep_id) == 8
    seen = []

    def train():
        run = tracklab.init(config={"a": 100, "extra": 1})
        run.config.update({"a": -1}, allow_val_change=True)  # a swept key: ignored with wandb's warning
        seen.append((run.id, run.sweep_id, dict(run.config)))
        tracklab.log({"loss": run.config.a + run.config.opt["lr"] + (0 if run.config.b else 10)})

    with caplog.at_level(logging.WARNING, logger="tracklab"):
        tracklab.agent(sweep_id, function=train, project="grid")  # no count: the grid ends the agent
    assert any("locked by 'sweep'" in r.getMessage() for r in caplog.records)
    assert [(c["a"], c["b"]) for _, _, c in seen] == [(1, True), (1, False), (2, True), (2, False)]  # wandb's order
    assert all(sid == sweep_id and c["extra"] == 1 and c["const"] == "k" and c["opt"] == {"lr": 0.5, "kind": "sgd"}
               for _, sid, c in seen)

    sweep = tracklab.Api().sweep(f"grid/{sweep_id}")
    assert sweep.state == FINISHED and sweep.name == "grid-demo" and sweep.expected_run_count == 4
    assert sorted(r.id for r in sweep.runs) == sorted(i for i, _, _ in seen)
    best = sweep.best_run()
    assert best.config["a"] == 1 and best.config["b"] is True and best.summary["loss"] == 1.5
    assert sweep.config == config
    # MLflow: each trial carries the sweep id and hangs under the sweep's parent run.
    parent = SweepHandle.open(sweep_id).parent_run_id
    assert parent and mlflow_client(tl_dir).get_run(parent).data.tags["tracklab.kind"] == "sweep"
    for run_id, _, _ in seen:
        tags = stored_run(tl_dir, "grid", run_id).data.tags
        assert tags["tracklab.sweep_id"] == sweep_id and tags["mlflow.parentRunId"] == parent
    assert tracklab.sdk.wandb_init.pending_sweep_trial is None


def test_random_and_bayes_run_trials_with_their_values(tl_dir):
    for method in ("random", "bayes"):
        sweep_id = tracklab.sweep({"method": method, "metric": {"name": "score", "goal": "maximize"},
                                   "parameters": {"x": {"min": -2.0, "max": 2.0}, "k": {"values": [1, 2]}}},
                                  project="methods")

        def train():
            run = tracklab.init()
            tracklab.log({"score": -(run.config.x - 0.5) ** 2 + run.config.k})

        tracklab.agent(sweep_id, function=train, count=2)
        handle = SweepHandle.open(sweep_id)
        trials = handle.trials()
        assert [t.state for t in trials] == [TrialState.COMPLETE] * 2
        for t in trials:
            cfg = t.user_attrs["config"]
            assert t.value == pytest.approx(-(cfg["x"] - 0.5) ** 2 + cfg["k"])
        assert handle.best_trial().value == max(t.value for t in trials)


def test_bayes_beats_random_on_a_known_objective():
    """TPE (bayes) against random, same budget, several seeds, on the sweep's own parameter space."""
    spec = parse({"method": "bayes", "metric": {"name": "f"},
                  "parameters": {"x": {"min": -5.0, "max": 5.0}, "y": {"min": -5.0, "max": 5.0},
                                 "lr": {"distribution": "log_uniform_values", "min": 1e-5, "max": 1.0}}})
    random_spec = parse({"method": "random", "parameters": {"x": {"values": [0]}}})

    def objective(v):
        import math
        return (v["x"] - 1.3) ** 2 + (v["y"] + 0.7) ** 2 + (math.log10(v["lr"]) + 3) ** 2

    def best(sampler):
        study = optuna.create_study(sampler=sampler)
        for _ in range(40):
            trial = study.ask()
            study.tell(trial, objective({p.name: p.suggest(trial) for p in spec.searched}))
        return study.best_value

    bayes = [best(make_sampler(spec, seed)) for seed in range(4)]
    rand = [best(make_sampler(random_spec, seed)) for seed in range(4)]
    print(f"bayes {bayes} random {rand}")
    assert sum(bayes) < sum(rand)


def test_hyperband_stops_poor_trials_from_their_logged_metric(tl_dir):
    sweep_id = tracklab.sweep({"method": "grid", "metric": {"name": "loss"},
                               "parameters": {"quality": {"values": [0, 1, 2, 3]}},
                               "early_terminate": {"type": "hyperband", "min_iter": 2, "eta": 2}}, project="hb")
    steps = {}

    def train():
        run = tracklab.init()
        steps[run.config.quality] = 0
        for step in range(40):
            tracklab.log({"loss": float(run.config.quality) + 1.0 / (step + 1)})
            steps[run.config.quality] = step + 1
            time.sleep(0.02)

    tracklab.agent(sweep_id, function=train)
    states = {t.user_attrs["config"]["quality"]: t.state for t in SweepHandle.open(sweep_id).trials()}
    assert states[0] == states[1] == TrialState.COMPLETE
    assert states[2] == states[3] == TrialState.PRUNED
    assert all(steps[q] < 40 for q in (2, 3)) and steps[0] == steps[1] == 40
    pruned = SweepHandle.open(sweep_id).trials()[3]
    assert len(pruned.intermediate_values) >= 3 and pruned.user_attrs["run_state"] == "killed"


def test_a_failing_trial_is_failed_and_the_agent_goes_on(tl_dir, capsys):
    sweep_id = tracklab.sweep({"method": "random", "metric": {"name": "m"},
                               "parameters": {"x": {"values": [1, 2]}}}, project="fail")
    calls = []

    def train():
        calls.append(1)
        tracklab.init()
        if len(calls) == 1:
            raise RuntimeError("boom")
        tracklab.log({"m": 1.0})

    tracklab.agent(sweep_id, function=train, count=2)
    assert _states(sweep_id) == ["FAIL", "COMPLETE"]
    assert "RuntimeError: boom" in capsys.readouterr().err
    runs = {r.state for r in tracklab.Api().runs("fail", filters={"sweep": sweep_id})}
    assert runs == {"failed", "finished"}


def test_repeated_failures_stop_the_agent_as_wandb_does(tl_dir, monkeypatch):
    sweep_id = tracklab.sweep({"method": "random", "parameters": {"x": {"values": [1]}}}, project="flap")

    def train():
        raise ValueError("always")

    tracklab.agent(sweep_id, function=train, count=10)  # flapping: 3 failures in the first 60 s
    assert _states(sweep_id) == ["FAIL"] * 3
    monkeypatch.setenv("WANDB_AGENT_DISABLE_FLAPPING", "true")
    tracklab.agent(sweep_id, function=train, count=10, max_consecutive_failed_runs=2)
    assert _states(sweep_id) == ["FAIL"] * 5
    with pytest.raises(ValueError):
        tracklab.agent(sweep_id, function=train, max_consecutive_failed_runs=0)


def test_missing_metric_fails_the_trial_with_a_warning(tl_dir, caplog):
    sweep_id = tracklab.sweep({"method": "random", "metric": {"name": "acc"},
                               "parameters": {"x": {"values": [1]}}}, project="nometric")

    def train():
        tracklab.init()
        tracklab.log({"loss": 1.0})

    with caplog.at_level(logging.WARNING, logger="tracklab"):
        tracklab.agent(sweep_id, function=train, count=1)
    assert _states(sweep_id) == ["FAIL"]
    assert any("without logging the metric 'acc'" in r.getMessage() for r in caplog.records)


def test_run_cap_and_target_finish_the_sweep(tl_dir):
    capped = tracklab.sweep({"method": "random", "run_cap": 2, "parameters": {"x": {"min": 0.0, "max": 1.0}}},
                            project="cap")
    tracklab.agent(capped, function=lambda: tracklab.init(), count=5)
    assert _states(capped) == ["COMPLETE", "COMPLETE"] and SweepHandle.open(capped).state() == FINISHED

    target = tracklab.sweep({"method": "random", "metric": {"name": "acc", "goal": "maximize", "target": 0.9},
                             "parameters": {"x": {"values": [0.95]}}}, project="cap")

    def train():
        run = tracklab.init()
        tracklab.log({"acc": run.config.x})

    tracklab.agent(target, function=train, count=5)
    handle = SweepHandle.open(target)
    assert len(handle.trials()) == 1 and handle.state() == FINISHED and "target" in handle.state_reason()


def test_pause_resume_stop_and_cancel(tl_dir):
    sweep_id = tracklab.sweep({"method": "random", "parameters": {"x": {"values": [1]}}}, project="states")
    controller = tracklab.controller(sweep_id)
    handle = SweepHandle.open(sweep_id)
    controller.pause()
    assert handle.claim() == WAIT and handle.state() == PAUSED
    controller.resume()
    claim = handle.claim()
    assert handle.state() == RUNNING and claim.config == {"x": 1}
    handle.finish(claim, "finished", False, None)

    logged = []

    def train():  # cancels its own sweep mid-run: the running trial is stopped
        tracklab.init()
        controller.cancel()
        for _ in range(200):
            tracklab.log({"m": 1})
            logged.append(1)
            time.sleep(0.02)

    tracklab.agent(sweep_id, function=train, count=3)
    assert len(logged) < 200 and handle.state() == CANCELED  # stopped before its end
    assert [t.user_attrs.get("run_state") for t in handle.trials()] == ["finished", "killed"]
    assert handle.claim() == "canceled"
    controller.resume()
    controller.stop()
    assert Sweep.get(tracklab.Api(), sweep_id).state == FINISHED


def test_stale_trial_of_a_dead_agent_is_failed(tl_dir):
    sweep_id = tracklab.sweep({"method": "random", "parameters": {"x": {"values": [1]}}}, project="stale")
    handle = SweepHandle.open(sweep_id)
    claim = handle.claim()
    claim.trial.set_user_attr("pid", 2 ** 22 + 12345)  # no such process on this host
    assert handle.fail_stale_trials() == [claim.trial.number]
    assert _states(sweep_id) == ["FAIL"]


def test_ctrl_c_in_a_trial_stops_the_agent_cleanly(tl_dir):
    sweep_id = tracklab.sweep({"method": "random", "parameters": {"x": {"values": [1]}}}, project="ctrlc")

    def train():
        tracklab.init()
        raise KeyboardInterrupt

    tracklab.agent(sweep_id, function=train, count=5)  # returns, as wandb's agent does
    assert _states(sweep_id) == ["FAIL"]
    (run,) = tracklab.Api().runs("ctrlc", filters={"sweep": sweep_id})
    assert run.state == "killed"


def test_prior_runs_join_the_sweep_and_fill_grid_points(tl_dir):
    with tracklab.init(project="prior", config={"a": 2}) as run:
        tracklab.log({"loss": 0.5})
    prior_id = run.id
    sweep_id = tracklab.sweep({"method": "grid", "metric": {"name": "loss"}, "parameters": {"a": {"values": [1, 2]}}},
                              project="prior", prior_runs=[prior_id])
    done = []
    tracklab.agent(sweep_id, function=lambda: done.append(tracklab.init().config.a), count=5)
    assert done == [1]  # the prior run covered a=2
    runs = {r.id for r in tracklab.Api().runs("prior", filters={"sweep": sweep_id})}
    assert prior_id in runs and len(runs) == 2
    prior_trials = [t for t in SweepHandle.open(sweep_id).trials() if t.user_attrs.get("prior_run")]
    assert len(prior_trials) == 1 and prior_trials[0].value == 0.5


def test_controller_builds_and_follows_a_sweep(tl_dir, capsys):
    tuner = tracklab.controller()
    tuner.configure_search("grid")
    tuner.configure_metric("loss", goal="minimize")
    tuner.configure_parameter("a", values=[1, 2])
    tuner.configure_parameter("c", value="k")
    tuner.configure_name("built")
    sweep_id = tuner.create()
    assert tuner.sweep_id == sweep_id and tuner.sweep_config["parameters"]["a"] == {"values": [1, 2]}
    assert SweepHandle.open(sweep_id).expected_run_count() == 2 and not tuner.done()
    tuner.stop()
    tuner.run(poll=0.01)  # returns once the sweep is finished
    assert tuner.done() and "FINISHED" in capsys.readouterr().out


def test_a_running_agent_picks_up_an_updated_config(tl_dir):
    sweep_id = tracklab.sweep({"method": "random", "parameters": {"x": {"values": [1]}}}, project="update")
    agent_side = SweepHandle.open(sweep_id)
    first = agent_side.claim()
    agent_side.finish(first, "finished", False, None)
    SweepHandle.open(sweep_id).update_config({"method": "random", "parameters": {"x": {"values": [2]},
                                                                                   "y": {"value": "new"}}})
    second = agent_side.claim()
    assert (first.config, second.config) == ({"x": 1}, {"x": 2, "y": "new"})
    with pytest.raises(tracklab.UsageError, match="method cannot change"):
        agent_side.update_config({"method": "grid", "parameters": {"x": {"values": [2]}}})


def test_storage_is_beside_the_mlflow_store_and_can_be_an_rdb_url(tl_dir, monkeypatch, tmp_path):
    from tracklab.sweeps import _storage

    assert _storage.describe() == str(tl_dir / "sweeps" / "optuna.journal")
    monkeypatch.setenv("TRACKLAB_SWEEP_STORAGE", f"sqlite:///{tl_dir / 'mlflow.db'}")
    with pytest.raises(tracklab.UsageError, match="alembic_version"):
        _storage.storage_url()
    monkeypatch.setenv("TRACKLAB_SWEEP_STORAGE", f"sqlite:///{tmp_path / 'optuna.db'}")
    sweep_id = tracklab.sweep({"method": "grid", "parameters": {"x": {"values": [1, 2]}}}, project="rdb")
    handle = SweepHandle.open(sweep_id)
    assert [handle.claim().config, handle.claim().config, handle.claim()] == [{"x": 1}, {"x": 2}, "grid exhausted"]
    assert (tmp_path / "optuna.db").exists() and not (tl_dir / "sweeps" / "optuna.journal").exists()
