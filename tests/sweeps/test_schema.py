"""The sweep-config schema: what parses into what, and errors that name the field, value and rule."""

from __future__ import annotations

import pytest

from tracklab.sweeps import SweepConfigError, parse
from tracklab.sweeps._schema import grid_size


def _kinds(config):
    return {".".join(p.path): p.kind for p in parse(config).parameters}


def test_parameter_kinds_follow_wandbs_inference():
    kinds = _kinds({"method": "random", "parameters": {
        "c": {"value": 3},
        "v": {"values": [1, "a", [1, 2]]},
        "w": {"values": ["x", "y"], "probabilities": [0.2, 0.8]},
        "i": {"min": 1, "max": 5},
        "f": {"min": 0, "max": 1.5},
        "n": {"distribution": "normal"},
        "nested": {"parameters": {"lr": {"distribution": "log_uniform_values", "min": 1e-4, "max": 1e-1},
                                  "deep": {"parameters": {"k": {"values": [1]}}}}},
    }})
    assert kinds == {"c": "constant", "v": "categorical", "w": "categorical_w_probabilities",
                     "i": "int_uniform", "f": "uniform", "n": "normal", "nested.deep.k": "categorical",
                     "nested.lr": "log_uniform_values"}


def test_defaults_and_top_level_fields():
    spec = parse({"method": "bayes", "metric": {"name": "val/loss", "target": 0.1},
                  "parameters": {"x": {"distribution": "q_beta"}}, "run_cap": 7, "program": "train.py",
                  "name": "n", "description": "d", "project": "p", "entity": "e",
                  "early_terminate": {"type": "hyperband", "min_iter": 3}})
    (param,) = spec.parameters
    assert param.options == {"a": 1.0, "b": 1.0, "q": 1.0}
    assert (spec.metric, spec.goal, spec.target, spec.run_cap) == ("val/loss", "minimize", 0.1, 7)
    assert (spec.program, spec.name, spec.description, spec.project, spec.entity) == ("train.py", "n", "d", "p", "e")
    assert spec.command == ["${env}", "${interpreter}", "${program}", "${args}"]
    assert spec.early_terminate.bands[:4] == [3, 9, 27, 81] and spec.early_terminate.eta == 3


def test_hyperband_bands_from_max_iter_and_s():
    spec = parse({"method": "random", "metric": {"name": "m"}, "parameters": {"x": {"values": [1]}},
                  "early_terminate": {"type": "hyperband", "max_iter": 27, "s": 2, "eta": 3}})
    assert spec.early_terminate.bands == [3, 9]  # wandb: 27/3=9, 9/3=3, sorted


def test_grid_size_counts_int_and_q_uniform_points():
    spec = parse({"method": "grid", "parameters": {"a": {"values": [1, 2, 3]}, "b": {"min": 1, "max": 4},
                                                   "c": {"distribution": "q_uniform", "min": 0, "max": 1, "q": 0.25},
                                                   "d": {"value": "const"}}})
    assert grid_size(spec) == 3 * 4 * 4  # q_uniform: numpy.arange(0, 1, 0.25), as wandb


@pytest.mark.parametrize("config, path, words", [
    ({"parameters": {"x": {"values": [1]}}}, "method", "required"),
    ({"method": "annealing", "parameters": {"x": {"values": [1]}}}, "method", "must be one of grid, random, bayes"),
    ({"method": "grid"}, "parameters", "required"),
    ({"method": "grid", "parameters": {}}, "parameters", "non-empty"),
    ({"method": "grid", "parameters": {"1x": {"values": [1]}}}, "parameters.1x", "must match"),
    ({"method": "random", "parameters": {"x": {"values": []}}}, "parameters.x.values", "non-empty list"),
    ({"method": "random", "parameters": {"x": {"min": 2, "max": 1}}}, "parameters.x", "must not exceed"),
    ({"method": "random", "parameters": {"x": {"distribution": "int_uniform", "min": 0.5, "max": 3}}},
     "parameters.x.min", "must be an integer"),
    ({"method": "random", "parameters": {"x": {"distribution": "uniform", "min": 0, "max": 1, "q": 2}}},
     "parameters.x.q", "not allowed with distribution 'uniform'"),
    ({"method": "random", "parameters": {"x": {"distribution": "log_uniform_values", "min": 0, "max": 1}}},
     "parameters.x.min", "must be > 0"),
    ({"method": "random", "parameters": {"x": {"distribution": "q_normal", "q": 0}}}, "parameters.x.q", "> 0"),
    ({"method": "random", "parameters": {"x": {"distribution": "normal", "sigma": -1}}},
     "parameters.x.sigma", ">= 0"),
    ({"method": "random", "parameters": {"x": {"distribution": "gamma"}}}, "parameters.x.distribution",
     "is not a distribution"),
    ({"method": "random", "parameters": {"x": {"values": [1, 2], "probabilities": [0.5, 0.6]}}},
     "parameters.x.probabilities", "sum to 1"),
    ({"method": "random", "parameters": {"x": {"values": [1, 2], "probabilities": [1.0]}}},
     "parameters.x.probabilities", "one probability per value"),
    ({"method": "random", "parameters": {"x": {"foo": 1}}}, "parameters.x", "names no distribution"),
    ({"method": "random", "parameters": {"o": {"parameters": {"lr": {"min": "a", "max": 1}}}}},
     "parameters.o.parameters.lr.min", "must be a finite number"),
    ({"method": "grid", "parameters": {"x": {"min": 0.0, "max": 1.0}}}, "parameters.x", "cannot be searched by a grid"),
    ({"method": "bayes", "parameters": {"x": {"values": [1]}}}, "metric", "required by method 'bayes'"),
    ({"method": "random", "metric": {"goal": "maximize"}, "parameters": {"x": {"values": [1]}}}, "metric.name",
     "required"),
    ({"method": "random", "metric": {"name": "m", "goal": "up"}, "parameters": {"x": {"values": [1]}}},
     "metric.goal", "minimize, maximize"),
    ({"method": "random", "metric": {"name": "m"}, "parameters": {"x": {"values": [1]}},
      "early_terminate": {"type": "hyperband", "eta": 1, "min_iter": 1}}, "early_terminate.eta", "must be > 1"),
    ({"method": "random", "metric": {"name": "m"}, "parameters": {"x": {"values": [1]}},
      "early_terminate": {"type": "hyperband", "max_iter": 2, "s": 1, "eta": 3}}, "early_terminate", "no band"),
    ({"method": "random", "metric": {"name": "m"}, "parameters": {"x": {"values": [1]}},
      "early_terminate": {"type": "hyperband"}}, "early_terminate", "min_iter, or max_iter and s"),
    ({"method": "random", "parameters": {"x": {"values": [1]}}, "early_terminate": {"type": "hyperband",
                                                                                   "min_iter": 2}},
     "early_terminate", "add metric"),
    ({"method": "random", "parameters": {"x": {"values": [1]}}, "run_cap": 0}, "run_cap", "must be > 0"),
    ({"method": "random", "parameters": {"x": {"values": [1]}}, "command": "python x.py"}, "command",
     "non-empty list"),
    ({"method": "random", "parameters": {"x": {"values": [1]}}, "epochs": 3}, "epochs", "not a sweep config field"),
    ({"method": "custom", "parameters": {"x": {"values": [1]}}}, "method", "launch scheduler"),
])
def test_invalid_configs_name_path_value_and_rule(config, path, words):
    with pytest.raises(SweepConfigError) as info:
        parse(config)
    paths = [p for p, _ in info.value.violations]
    assert path in paths, info.value
    message = dict(info.value.violations)[path]
    assert words in message, message
    assert path in str(info.value)


def test_every_violation_is_reported_at_once():
    with pytest.raises(SweepConfigError) as info:
        parse({"method": "grid", "parameters": {"a": {"min": 0.1, "max": 1.0}, "b": {"values": "xy"}},
               "run_cap": -1})
    assert {p for p, _ in info.value.violations} == {"parameters.a", "parameters.b.values", "run_cap"}
    assert "'xy'" in str(info.value)  # the offending value is shown


def test_not_a_mapping():
    with pytest.raises(SweepConfigError, match="must be a mapping"):
        parse(["method", "grid"])


def test_log_uniform_with_value_like_bounds_gets_a_hint():
    from tracklab.sweeps._schema import hints

    spec = parse({"method": "random", "parameters": {
        "lr": {"distribution": "log_uniform", "min": 0.0001, "max": 0.1},
        "ok": {"distribution": "log_uniform", "min": -9.2, "max": -2.3}}})
    (hint,) = hints(spec)
    assert hint.startswith("parameters.lr:") and "log_uniform_values" in hint and "[1, 1.105]" in hint
