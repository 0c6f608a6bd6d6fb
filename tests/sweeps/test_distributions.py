"""Every wandb distribution: samples drawn through optuna fall in wandb's support with wandb's
scale (natural-log exponents for log_uniform, quantisation, probabilities, moments)."""

from __future__ import annotations

import math
import random
import statistics

import optuna
import pytest

from tracklab.sweeps import parse
from tracklab.sweeps._optuna import make_sampler

N = 4000


def _param(spec: dict):
    (param,) = parse({"method": "random", "parameters": {"x": spec}}).parameters
    return param


def _draw(param, n: int = N, seed: int = 0) -> list:
    """What RandomSampler does: a uniform (or log-uniform) latent in the optuna distribution."""
    rng = random.Random(seed)
    dist = param.distribution()
    out = []
    for _ in range(n):
        if dist is None:
            latent = None
        elif hasattr(dist, "choices"):
            latent = rng.choice(dist.choices)
        elif dist.__class__.__name__ == "IntDistribution":
            latent = rng.randint(dist.low, dist.high)
        elif dist.log:
            latent = math.exp(rng.uniform(math.log(dist.low), math.log(dist.high)))
        else:
            latent = rng.uniform(dist.low, dist.high)
        out.append(param.from_latent(latent))
    return out


def _is_multiple(value: float, q: float) -> bool:
    return abs(value / q - round(value / q)) < 1e-6


def test_optuna_draws_every_distribution_in_its_support():
    """The real path: an optuna study with the random method's sampler, one ask per draw."""
    specs = {
        "c": {"value": "k"}, "cat": {"values": [1, "a", [2]]}, "w": {"values": [1, 2], "probabilities": [0.5, 0.5]},
        "i": {"min": -2, "max": 2}, "u": {"min": 0.5, "max": 1.5},
        "qu": {"distribution": "q_uniform", "min": 0, "max": 10, "q": 2},
        "lu": {"distribution": "log_uniform", "min": -3, "max": 0},
        "luv": {"distribution": "log_uniform_values", "min": 1e-3, "max": 1},
        "qlu": {"distribution": "q_log_uniform", "min": 0, "max": 3, "q": 1},
        "qluv": {"distribution": "q_log_uniform_values", "min": 1, "max": 100, "q": 5},
        "ilu": {"distribution": "inv_log_uniform", "min": 0, "max": 2},
        "iluv": {"distribution": "inv_log_uniform_values", "min": 0.01, "max": 1},
        "n": {"distribution": "normal", "mu": 5, "sigma": 0.1}, "qn": {"distribution": "q_normal", "q": 0.5},
        "ln": {"distribution": "log_normal"}, "qln": {"distribution": "q_log_normal", "q": 2},
        "b": {"distribution": "beta", "a": 2, "b": 5}, "qb": {"distribution": "q_beta", "q": 0.25},
    }
    spec = parse({"method": "random", "parameters": specs})
    study = optuna.create_study(sampler=make_sampler(spec, seed=1))
    for _ in range(60):
        trial = study.ask()
        v = {".".join(p.path): p.suggest(trial) for p in spec.parameters}
        study.tell(trial, 0.0)
        assert v["c"] == "k" and v["cat"] in ([2], 1, "a") and v["w"] in (1, 2)
        assert isinstance(v["i"], int) and -2 <= v["i"] <= 2 and 0.5 <= v["u"] <= 1.5
        assert isinstance(v["qu"], int) and v["qu"] % 2 == 0 and 0 <= v["qu"] <= 10
        assert math.exp(-3) <= v["lu"] <= 1 and 1e-3 <= v["luv"] <= 1 and 1e-2 <= v["iluv"] <= 1
        assert isinstance(v["qlu"], int) and 1 <= v["qlu"] <= 20
        assert v["qluv"] % 5 == 0 and 0 <= v["qluv"] <= 100
        assert math.exp(-2) <= v["ilu"] <= 1
        assert 4 < v["n"] < 6 and _is_multiple(v["qn"], 0.5) and v["ln"] > 0 and v["qln"] % 2 == 0
        assert 0 <= v["b"] <= 1 and v["qb"] in (0.0, 0.25, 0.5, 0.75, 1.0)
    assert set(study.trials[0].params) == {"cat", "w", "i", "u", "qu", "lu", "luv", "qlu", "qluv", "ilu", "iluv",
                                           "n", "qn", "ln", "qln", "b", "qb"}


def test_uniform_and_int_uniform():
    values = _draw(_param({"min": -1.0, "max": 3.0}))
    assert min(values) >= -1 and max(values) <= 3 and abs(statistics.mean(values) - 1) < 0.1
    ints = _draw(_param({"min": 3, "max": 6}))
    assert set(ints) == {3, 4, 5, 6} and all(type(v) is int for v in ints)


def test_q_uniform_rounds_to_q_like_wandb():
    values = _draw(_param({"distribution": "q_uniform", "min": 0.04, "max": 1.0, "q": 0.1}))
    assert all(_is_multiple(v, 0.1) for v in values)
    assert min(values) == 0.0  # draws below 0.05 round to 0, under min, as in wandb
    ints = _draw(_param({"distribution": "q_uniform", "min": 0, "max": 100, "q": 10}))
    assert all(type(v) is int and v % 10 == 0 for v in ints) and set(ints) == set(range(0, 101, 10))


def test_log_uniform_takes_natural_log_exponents():
    values = _draw(_param({"distribution": "log_uniform", "min": math.log(1e-4), "max": 0.0}))
    assert 1e-4 * 0.999 <= min(values) and max(values) <= 1.0
    below = sum(v < 1e-2 for v in values) / len(values)  # half the log range lies below 1e-2
    assert abs(below - 0.5) < 0.04
    assert abs(statistics.mean(math.log(v) for v in values) - math.log(1e-2)) < 0.15


def test_log_uniform_values_and_inverse_variants_spread_over_decades():
    for spec in ({"distribution": "log_uniform_values", "min": 1e-5, "max": 1e-1},
                 {"distribution": "inv_log_uniform_values", "min": 1e-5, "max": 1e-1}):
        values = _draw(_param(spec))
        assert 1e-5 * 0.999 <= min(values) and max(values) <= 1e-1 * 1.001
        decades = [sum(10 ** (-5 + k) <= v < 10 ** (-4 + k) for v in values) / len(values) for k in range(4)]
        assert all(abs(d - 0.25) < 0.04 for d in decades), decades
    inv = _draw(_param({"distribution": "inv_log_uniform", "min": 0.0, "max": 4.0}))
    # value = exp(-y), y ~ U(min, max): log(1/value) is uniform on [0, 4]
    assert math.exp(-4) * 0.999 <= min(inv) and max(inv) <= 1.0
    assert abs(statistics.mean(-math.log(v) for v in inv) - 2.0) < 0.1


def test_q_log_uniform_variants_quantise():
    values = _draw(_param({"distribution": "q_log_uniform", "min": 0, "max": math.log(1000), "q": 10}))
    assert all(type(v) is int and v % 10 == 0 for v in values) and max(values) <= 1000
    values = _draw(_param({"distribution": "q_log_uniform_values", "min": 0.1, "max": 10.0, "q": 0.1}))
    assert all(_is_multiple(v, 0.1) for v in values) and 0.1 <= min(values) and max(values) <= 10.0


def test_normal_and_log_normal_moments():
    values = _draw(_param({"distribution": "normal", "mu": 3.0, "sigma": 2.0}))
    assert abs(statistics.mean(values) - 3) < 0.15 and abs(statistics.stdev(values) - 2) < 0.15
    q = _draw(_param({"distribution": "q_normal", "mu": 0, "sigma": 5, "q": 2}))
    assert all(type(v) is int and v % 2 == 0 for v in q)
    logs = [math.log(v) for v in _draw(_param({"distribution": "log_normal", "mu": 1.0, "sigma": 0.5}))]
    assert abs(statistics.mean(logs) - 1) < 0.05 and abs(statistics.stdev(logs) - 0.5) < 0.05
    ql = _draw(_param({"distribution": "q_log_normal", "mu": 2, "sigma": 1, "q": 0.5}))
    assert all(v >= 0 and _is_multiple(v, 0.5) for v in ql)


def test_beta_moments_and_quantised_beta():
    a, b = 2.0, 5.0
    values = _draw(_param({"distribution": "beta", "a": a, "b": b}))
    var = a * b / ((a + b) ** 2 * (a + b + 1))
    assert 0 <= min(values) and max(values) <= 1
    assert abs(statistics.mean(values) - a / (a + b)) < 0.01 and abs(statistics.variance(values) - var) < 0.005
    q = _draw(_param({"distribution": "q_beta", "a": 1, "b": 1, "q": 0.1}))
    assert all(_is_multiple(v, 0.1) for v in q) and len(set(round(v, 6) for v in q)) == 11


def test_beta_ppf_matches_scipy():
    import scipy.special as special  # scikit-learn's dependency, in the dev extras
    from tracklab.sweeps import _dists

    for a, b in ((0.5, 0.5), (2, 5), (10, 1)):
        for u in (0.01, 0.3, 0.5, 0.9, 0.999):
            assert _dists.beta_ppf(u, a, b) == pytest.approx(special.betaincinv(a, b, u), abs=1e-9)


def test_categorical_and_probabilities():
    cats = _draw(_param({"values": ["a", "b", "c", "d"]}))
    assert all(abs(cats.count(v) / N - 0.25) < 0.03 for v in "abcd")
    weighted = _draw(_param({"values": ["rare", "common", "never"], "probabilities": [0.1, 0.9, 0.0]}))
    assert abs(weighted.count("rare") / N - 0.1) < 0.02 and "never" not in weighted
    mixed = _param({"values": [1, True, 1.0, None, {"k": [1]}]})  # values optuna cannot tell apart
    assert sorted(map(repr, _draw(mixed, n=300))) and {repr(v) for v in _draw(mixed, n=300)} == {
        "1", "True", "1.0", "None", "{'k': [1]}"}


def test_latents_round_trip_for_prior_runs():
    for spec, value in (({"min": 0, "max": 10}, 4), ({"distribution": "log_uniform", "min": -5, "max": 0}, 0.1),
                        ({"distribution": "inv_log_uniform", "min": 0, "max": 5}, 0.2),
                        ({"distribution": "normal", "mu": 1, "sigma": 2}, 2.5),
                        ({"distribution": "beta", "a": 2, "b": 3}, 0.4),
                        ({"values": ["x", [1, 2]]}, [1, 2]),
                        ({"values": ["x", "y"], "probabilities": [0.3, 0.7]}, "y")):
        param = _param(spec)
        latent = param.to_latent(value)
        assert latent is not None and param.from_latent(latent) == pytest.approx(value) if not isinstance(
            value, (list, str)) else param.from_latent(latent) == value
    assert _param({"min": 0, "max": 10}).to_latent(11) is None
    assert _param({"values": [1, 2]}).to_latent(3) is None
