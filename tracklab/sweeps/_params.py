"""One swept parameter: wandb's distribution, its optuna search distribution and the value map.

Every parameter is searched through a *latent* optuna value and turned into the config value
with wandb's formula (`log_uniform` searches the exponent and returns `exp(x)`, `q_*` round to
`q`, normal/log-normal/beta search a quantile). `to_latent` goes back, for prior runs.
"""

from __future__ import annotations

import copy
import json
import math
from typing import Any, Sequence

from optuna.distributions import BaseDistribution, CategoricalDistribution, FloatDistribution, IntDistribution

from tracklab.sweeps import _dists

# distribution -> (required keys, optional keys with wandb's defaults)
KINDS: dict[str, tuple[tuple[str, ...], dict[str, Any]]] = {
    "constant": (("value",), {}),
    "categorical": (("values",), {}),
    "categorical_w_probabilities": (("values", "probabilities"), {}),
    "int_uniform": (("min", "max"), {}),
    "uniform": (("min", "max"), {}),
    "q_uniform": (("min", "max"), {"q": 1.0}),
    "log_uniform": (("min", "max"), {}),
    "log_uniform_values": (("min", "max"), {}),
    "q_log_uniform": (("min", "max"), {"q": 1.0}),
    "q_log_uniform_values": (("min", "max"), {"q": 1.0}),
    "inv_log_uniform": (("min", "max"), {}),
    "inv_log_uniform_values": (("min", "max"), {}),
    "normal": ((), {"mu": 0.0, "sigma": 1.0}),
    "q_normal": ((), {"mu": 0.0, "sigma": 1.0, "q": 1.0}),
    "log_normal": ((), {"mu": 0.0, "sigma": 1.0}),
    "q_log_normal": ((), {"mu": 0.0, "sigma": 1.0, "q": 1.0}),
    "beta": ((), {"a": 1.0, "b": 1.0}),
    "q_beta": ((), {"a": 1.0, "b": 1.0, "q": 1.0}),
}
GRID_KINDS = ("constant", "categorical", "int_uniform", "q_uniform")
_QUANTILE_KINDS = ("normal", "q_normal", "log_normal", "q_log_normal", "beta", "q_beta")
_PRIMITIVE = (bool, int, float, str, type(None))


def _encode_choices(values: Sequence[Any]) -> list[Any]:
    """Optuna choices for `values`: the values themselves when optuna can hold and tell them apart,
    else their JSON text (lists, dicts, or values such as 1 and True that compare equal)."""
    plain = all(isinstance(v, _PRIMITIVE) for v in values) and not any(
        isinstance(v, float) and math.isnan(v) for v in values)
    if plain and all(a != b for i, a in enumerate(values) for b in values[i + 1:]):
        return list(values)
    return [json.dumps(v, sort_keys=True, default=str) for v in values]


class ParamSpec:
    """A validated leaf parameter at `path` (nested parameters give longer paths)."""

    def __init__(self, path: tuple[str, ...], kind: str, options: dict[str, Any]) -> None:
        self.path = path
        self.kind = kind
        self.options = options
        # The optuna parameter name: the path joined by `/` (never part of a wandb name); a sweep
        # whose update changed this parameter's distribution gives it a new name (`lr~2`).
        self.name = "/".join(path)
        self._choices = _encode_choices(options["values"]) if "values" in options else None

    def __repr__(self) -> str:
        return f"ParamSpec({'.'.join(self.path)!r}, {self.kind!r}, {self.options!r})"

    # -- optuna side ---------------------------------------------------------------------
    def distribution(self) -> BaseDistribution | None:
        """The optuna distribution of the latent value (None for a constant)."""
        o, kind = self.options, self.kind
        if kind == "constant":
            return None
        if kind == "categorical":
            return CategoricalDistribution(self._choices)
        if kind == "int_uniform":
            return IntDistribution(o["min"], o["max"])
        if kind in ("log_uniform_values", "q_log_uniform_values", "inv_log_uniform_values"):
            return FloatDistribution(o["min"], o["max"], log=True)
        if kind == "categorical_w_probabilities" or kind in _QUANTILE_KINDS:
            return FloatDistribution(0.0, 1.0)
        return FloatDistribution(o["min"], o["max"])  # uniform, q_uniform, log/inv_log/q_log_uniform

    def suggest(self, trial: Any) -> Any:
        """Draw this parameter in an optuna trial and return its config value."""
        dist = self.distribution()
        if dist is None:
            return copy.deepcopy(self.options["value"])
        if isinstance(dist, CategoricalDistribution):
            latent = trial.suggest_categorical(self.name, dist.choices)
        elif isinstance(dist, IntDistribution):
            latent = trial.suggest_int(self.name, dist.low, dist.high)
        else:
            latent = trial.suggest_float(self.name, dist.low, dist.high, log=dist.log)
        return self.from_latent(latent)

    def from_latent(self, latent: Any) -> Any:
        """wandb's value for a latent draw."""
        o, kind = self.options, self.kind
        q = o.get("q")
        if kind == "constant":
            return copy.deepcopy(o["value"])
        if kind == "categorical":
            return copy.deepcopy(o["values"][self._choices.index(latent)])
        if kind == "categorical_w_probabilities":
            return copy.deepcopy(o["values"][self._category_index(latent)])
        if kind == "int_uniform":
            return int(latent)
        if kind in ("uniform", "log_uniform_values", "inv_log_uniform_values"):
            return float(latent)
        if kind == "q_uniform" or kind == "q_log_uniform_values":
            return _dists.quantize(latent, q)
        if kind == "log_uniform":
            return math.exp(latent)
        if kind == "q_log_uniform":
            return _dists.quantize(math.exp(latent), q)
        if kind == "inv_log_uniform":
            return math.exp(-latent)
        if kind in ("normal", "q_normal"):
            value = _dists.normal_ppf(latent, o["mu"], o["sigma"])
        elif kind in ("log_normal", "q_log_normal"):
            value = math.exp(_dists.normal_ppf(latent, o["mu"], o["sigma"]))
        else:  # beta, q_beta
            value = _dists.beta_ppf(latent, o["a"], o["b"])
        return _dists.quantize(value, q) if kind.startswith("q_") else value

    def _category_index(self, u: float) -> int:
        """wandb's `argmin(u >= cumsum(p))`: the first category whose cumulative mass exceeds u."""
        probabilities = self.options["probabilities"]
        total = float(sum(probabilities))
        cumulative = 0.0
        for index, p in enumerate(probabilities):
            cumulative += p / total
            if u < cumulative:
                return index
        return len(probabilities) - 1

    def to_latent(self, value: Any) -> Any | None:
        """The latent value that gives `value` (for prior runs), or None when it cannot."""
        o, kind = self.options, self.kind
        try:
            if kind == "constant":
                return None
            if kind == "categorical":
                return self._choices[o["values"].index(value)] if value in o["values"] else None
            if kind == "categorical_w_probabilities":
                if value not in o["values"]:
                    return None
                index = o["values"].index(value)
                total = float(sum(o["probabilities"]))
                before = sum(o["probabilities"][:index]) / total
                return before + 0.5 * o["probabilities"][index] / total
            number = float(value)
            if kind in ("log_uniform", "q_log_uniform"):
                latent = math.log(number)
            elif kind == "inv_log_uniform":
                latent = -math.log(number)
            elif kind in ("normal", "q_normal"):
                latent = _dists.normal_cdf(number, o["mu"], o["sigma"])
            elif kind in ("log_normal", "q_log_normal"):
                latent = _dists.normal_cdf(math.log(number), o["mu"], o["sigma"])
            elif kind in ("beta", "q_beta"):
                latent = _dists.beta_cdf(number, o["a"], o["b"])
            else:
                latent = number
        except (TypeError, ValueError, OverflowError):
            return None
        dist = self.distribution()
        if isinstance(dist, IntDistribution):
            return int(latent) if latent == int(latent) and dist.low <= latent <= dist.high else None
        low, high = dist.low, dist.high  # quantised values may round just outside the range
        return min(max(latent, low), high) if kind.startswith("q_") or kind in _QUANTILE_KINDS else (
            latent if low <= latent <= high else None)

    # -- grid ----------------------------------------------------------------------------
    def grid_latents(self) -> list[Any]:
        """The latent values a grid search walks through (wandb's order)."""
        o = self.options
        if self.kind == "categorical":
            return list(self._choices)
        if self.kind == "int_uniform":
            return list(range(o["min"], o["max"] + 1))
        if self.kind == "q_uniform":
            import numpy as np

            return [float(v) for v in np.arange(o["min"], o["max"], o["q"]).tolist()]
        raise ValueError(f"{self.kind} has no grid")
