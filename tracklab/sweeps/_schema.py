"""wandb's sweep-config schema: validate a config and parse it into a `SweepSpec`.

Every violation is reported at once, each naming the path of the field, its value and the rule,
so a bad config is refused before anything starts.
"""

from __future__ import annotations

import dataclasses
import math
import re
from typing import Any, Mapping

from tracklab.errors import UsageError
from tracklab.sweeps._params import GRID_KINDS, KINDS, ParamSpec

METHODS = ("grid", "random", "bayes")
GOALS = ("minimize", "maximize")
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]*$")
_TOP_LEVEL = ("method", "metric", "parameters", "early_terminate", "run_cap", "program", "command", "name",
              "description", "project", "entity", "controller", "apiVersion", "kind", "job", "image_uri",
              "scheduler", "metrics")
_IGNORED = ("controller", "apiVersion", "kind", "job", "image_uri", "scheduler")  # no local meaning
_METRIC_KEYS = ("name", "goal", "target", "impute", "impute_while_running")
_HYPERBAND_KEYS = ("type", "min_iter", "max_iter", "s", "eta", "strict")
DEFAULT_COMMAND = ("${env}", "${interpreter}", "${program}", "${args}")


class SweepConfigError(UsageError, ValueError):
    """An invalid sweep config; `violations` lists each (path, message)."""

    def __init__(self, violations: list[tuple[str, str]]) -> None:
        self.violations = violations
        lines = [f"  {path}: {message}" for path, message in violations]
        super().__init__("invalid sweep config:\n" + "\n".join(lines))


@dataclasses.dataclass
class Hyperband:
    """early_terminate: hyperband, as the bands (metric iterations) where runs are judged."""

    bands: list[int]
    eta: float
    strict: bool


@dataclasses.dataclass
class SweepSpec:
    """A validated sweep config."""

    method: str
    parameters: list[ParamSpec]
    metric: str | None = None
    goal: str = "minimize"
    target: float | None = None
    early_terminate: Hyperband | None = None
    run_cap: int | None = None
    program: str | None = None
    command: list[Any] = dataclasses.field(default_factory=lambda: list(DEFAULT_COMMAND))
    name: str | None = None
    description: str | None = None
    project: str | None = None
    entity: str | None = None
    ignored: list[str] = dataclasses.field(default_factory=list)

    @property
    def searched(self) -> list[ParamSpec]:
        """The parameters optuna draws (constants excluded)."""
        return [p for p in self.parameters if p.kind != "constant"]


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


class _Checker:
    """Collects violations while walking a config."""

    def __init__(self) -> None:
        self.violations: list[tuple[str, str]] = []

    def fail(self, path: str, message: str) -> None:
        self.violations.append((path, message))

    def number(self, path: str, value: Any, *, positive: bool = False, non_negative: bool = False,
               integer: bool = False, above: float | None = None) -> bool:
        if integer and not _is_int(value):
            self.fail(path, f"{_show(value)} must be an integer")
            return False
        if not _is_number(value):
            self.fail(path, f"{_show(value)} must be a finite number")
            return False
        if positive and value <= 0:
            self.fail(path, f"{_show(value)} must be > 0")
            return False
        if non_negative and value < 0:
            self.fail(path, f"{_show(value)} must be >= 0")
            return False
        if above is not None and value <= above:
            self.fail(path, f"{_show(value)} must be > {above}")
            return False
        return True

    def string(self, path: str, value: Any) -> None:
        if not isinstance(value, str):
            self.fail(path, f"{_show(value)} must be a string")


def _infer_kind(param: Mapping[str, Any]) -> str | None:
    """wandb's rules for a parameter without `distribution`."""
    if "values" in param:
        return "categorical_w_probabilities" if "probabilities" in param else "categorical"
    if "value" in param:
        return "constant"
    if "min" in param and "max" in param:
        return "int_uniform" if _is_int(param["min"]) and _is_int(param["max"]) else "uniform"
    return None


def _parse_param(check: _Checker, path: tuple[str, ...], param: Any, out: list[ParamSpec]) -> None:
    where = "parameters." + ".parameters.".join(path)
    if not isinstance(param, Mapping):
        check.fail(where, f"{_show(param)} must be a mapping such as {{values: [...]}}, {{value: x}}, "
                          "{min: a, max: b}, {distribution: ...} or {parameters: {...}}")
        return
    if "parameters" in param:
        extra = sorted(set(param) - {"parameters"})
        if extra:
            check.fail(where, f"keys {extra} are not allowed beside 'parameters' (a nested parameter "
                              "holds only 'parameters')")
        _parse_parameters(check, param["parameters"], path, out)
        return
    kind = param.get("distribution")
    if kind is None:
        kind = _infer_kind(param)
        if kind is None:
            check.fail(where, f"{_show(dict(param))} names no distribution: give 'value', 'values', "
                              "'min' and 'max', 'distribution' or nested 'parameters'")
            return
    elif kind not in KINDS:
        check.fail(where + ".distribution", f"{_show(kind)} is not a distribution; allowed: {', '.join(KINDS)}")
        return
    required, optional = KINDS[kind]
    allowed = set(required) | set(optional) | {"distribution"}
    for key in sorted(set(param) - allowed, key=str):
        check.fail(f"{where}.{key}", f"is not allowed with distribution '{kind}' "
                                     f"(allowed: {', '.join(sorted(allowed))})")
    missing = [k for k in required if k not in param]
    if missing:
        check.fail(where, f"distribution '{kind}' needs {', '.join(missing)}")
        return
    options = {**optional, **{k: param[k] for k in allowed if k in param and k != "distribution"}}
    before = len(check.violations)
    _check_options(check, where, kind, options)
    if len(check.violations) == before:
        out.append(ParamSpec(path, kind, options))


def _check_options(check: _Checker, where: str, kind: str, o: dict[str, Any]) -> None:
    if kind in ("categorical", "categorical_w_probabilities"):
        values = o["values"]
        if not isinstance(values, list) or not values:
            check.fail(where + ".values", f"{_show(values)} must be a non-empty list")
            return
        if kind == "categorical_w_probabilities":
            probabilities = o["probabilities"]
            if not isinstance(probabilities, list) or len(probabilities) != len(values):
                check.fail(where + ".probabilities", f"{_show(probabilities)} must be a list with one "
                                                     f"probability per value ({len(values)})")
                return
            for i, p in enumerate(probabilities):
                check.number(f"{where}.probabilities[{i}]", p, non_negative=True)
            if all(_is_number(p) for p in probabilities) and not math.isclose(sum(probabilities), 1.0,
                                                                             abs_tol=1e-6):
                check.fail(where + ".probabilities", f"{_show(probabilities)} must sum to 1 "
                                                     f"(sum is {sum(probabilities):g})")
        return
    if kind == "constant":
        return
    if "min" in o:
        ok = all([check.number(f"{where}.{k}", o[k], integer=kind == "int_uniform") for k in ("min", "max")])
        if ok and o["min"] > o["max"]:
            check.fail(where, f"min={o['min']!r} must not exceed max={o['max']!r}")
        if ok and kind.endswith("_values"):
            check.number(where + ".min", o["min"], positive=True)
        if ok and kind in ("log_uniform", "q_log_uniform", "inv_log_uniform"):
            for key in ("min", "max"):  # exponents: e^700 overflows a float
                if abs(o[key]) > 700:
                    check.fail(f"{where}.{key}", f"{o[key]!r} is an exponent (natural log) and must lie "
                                                 "within [-700, 700]; use log_uniform_values for values")
    if "q" in o:
        check.number(where + ".q", o["q"], positive=True)
    if "mu" in o:
        check.number(where + ".mu", o["mu"])
        check.number(where + ".sigma", o["sigma"], non_negative=True)
    if "a" in o:
        check.number(where + ".a", o["a"], positive=True)
        check.number(where + ".b", o["b"], positive=True)


def _parse_parameters(check: _Checker, parameters: Any, prefix: tuple[str, ...], out: list[ParamSpec]) -> None:
    where = "parameters" if not prefix else "parameters." + ".parameters.".join(prefix) + ".parameters"
    if not isinstance(parameters, Mapping) or not parameters:
        check.fail(where, f"{_show(parameters)} must be a non-empty mapping of parameter names")
        return
    for name in sorted(parameters, key=str):  # wandb orders parameters by name
        if not isinstance(name, str) or not _NAME.match(name):
            check.fail(f"{where}.{name}", f"name {name!r} must match {_NAME.pattern}")
            continue
        _parse_param(check, prefix + (name,), parameters[name], out)


def _parse_metric(check: _Checker, metric: Any, spec: SweepSpec) -> None:
    if not isinstance(metric, Mapping):
        check.fail("metric", f"{_show(metric)} must be a mapping with 'name' (and 'goal', 'target')")
        return
    for key in sorted(set(metric) - set(_METRIC_KEYS), key=str):
        check.fail(f"metric.{key}", f"is not a metric field (allowed: {', '.join(_METRIC_KEYS)})")
    if "name" not in metric:
        check.fail("metric.name", "is required")
    elif not isinstance(metric["name"], str) or not metric["name"]:
        check.fail("metric.name", f"{_show(metric['name'])} must be a non-empty string")
    else:
        spec.metric = metric["name"]
    goal = metric.get("goal", "minimize")
    if goal not in GOALS:
        check.fail("metric.goal", f"{_show(goal)} must be one of {', '.join(GOALS)}")
    else:
        spec.goal = goal
    if "target" in metric and check.number("metric.target", metric["target"]):
        spec.target = float(metric["target"])
    if metric.get("impute", "worst") not in ("latest", "best", "worst"):
        check.fail("metric.impute", f"{_show(metric['impute'])} must be one of latest, best, worst")
    if str(metric.get("impute_while_running", "false")).lower() not in ("latest", "best", "worst", "false"):
        check.fail("metric.impute_while_running",
                   f"{_show(metric['impute_while_running'])} must be one of latest, best, worst, false")


def _parse_early_terminate(check: _Checker, et: Any, spec: SweepSpec) -> None:
    if not isinstance(et, Mapping):
        check.fail("early_terminate", f"{_show(et)} must be a mapping with type: hyperband")
        return
    if et.get("type") != "hyperband":
        check.fail("early_terminate.type", f"{_show(et.get('type'))} must be 'hyperband'")
        return
    for key in sorted(set(et) - set(_HYPERBAND_KEYS), key=str):
        check.fail(f"early_terminate.{key}", f"is not a hyperband field (allowed: {', '.join(_HYPERBAND_KEYS)})")
    eta = et.get("eta", 3)
    if not check.number("early_terminate.eta", eta, above=1):
        return
    strict = et.get("strict", True)
    if not isinstance(strict, bool):
        check.fail("early_terminate.strict", f"{_show(strict)} must be true or false")
    if "max_iter" in et:
        if "s" not in et:
            check.fail("early_terminate.s", "is required with max_iter (or give min_iter instead)")
            return
        if not (check.number("early_terminate.max_iter", et["max_iter"], integer=True, positive=True)
                and check.number("early_terminate.s", et["s"], positive=True)):
            return
        bands, band = [], float(et["max_iter"])
        for _ in range(int(et["s"])):
            band /= eta
            if band < 1:
                break
            bands.append(int(band))
        bands.sort()
    elif "min_iter" in et:
        if not check.number("early_terminate.min_iter", et["min_iter"], integer=True, positive=True):
            return
        bands, band = [], float(et["min_iter"])
        while band < 1e9 and len(bands) < 100:  # wandb lists 100 bands; later ones are never reached
            bands.append(int(band))
            band *= eta
    else:
        check.fail("early_terminate", "hyperband needs min_iter, or max_iter and s")
        return
    if not bands:
        check.fail("early_terminate", f"max_iter={et['max_iter']!r}, s={et['s']!r}, eta={eta!r} give no band: "
                                      "increase max_iter or s, or decrease eta")
        return
    spec.early_terminate = Hyperband(bands=bands, eta=float(eta), strict=bool(strict))


def parse(config: Any) -> SweepSpec:
    """Validate a wandb sweep config (a mapping) and return its `SweepSpec`; raise SweepConfigError."""
    check = _Checker()
    if not isinstance(config, Mapping):
        raise SweepConfigError([("(config)", f"{_show(config)} must be a mapping (a dict or a YAML mapping)")])
    for key in sorted(set(config) - set(_TOP_LEVEL), key=str):
        check.fail(str(key), f"is not a sweep config field (allowed: {', '.join(_TOP_LEVEL)})")
    method = config.get("method")
    spec = SweepSpec(method=method or "", parameters=[])
    if method is None:
        check.fail("method", f"is required (one of {', '.join(METHODS)})")
    elif method == "custom":
        check.fail("method", "'custom' needs wandb's launch scheduler; TrackLab runs grid, random and bayes")
    elif method not in METHODS:
        check.fail("method", f"{_show(method)} must be one of {', '.join(METHODS)}")
    if "parameters" not in config:
        check.fail("parameters", "is required")
    else:
        _parse_parameters(check, config["parameters"], (), spec.parameters)
    if config.get("metric") is not None:
        _parse_metric(check, config["metric"], spec)
    if "metrics" in config:
        check.fail("metrics", "multi-objective sweeps need method 'custom', which TrackLab does not run")
    if config.get("early_terminate") is not None:
        _parse_early_terminate(check, config["early_terminate"], spec)
        if spec.metric is None and "metric" not in config:
            check.fail("early_terminate", "hyperband judges runs by the metric: add metric: {name: ...}")
    if method == "bayes" and "metric" not in config:
        check.fail("metric", "is required by method 'bayes' (the value it optimizes)")
    if method == "grid":
        for param in spec.parameters:
            if param.kind not in GRID_KINDS:
                check.fail("parameters." + ".parameters.".join(param.path),
                           f"distribution '{param.kind}' cannot be searched by a grid "
                           f"(grid takes {', '.join(GRID_KINDS)}; probabilities are not allowed)")
    if "run_cap" in config and config["run_cap"] is not None:
        if check.number("run_cap", config["run_cap"], integer=True, positive=True):
            spec.run_cap = int(config["run_cap"])
    for key in ("program", "name", "description", "project", "entity"):
        if config.get(key) is not None:
            check.string(key, config[key])
            setattr(spec, key, config[key] if isinstance(config[key], str) else None)
    if config.get("command") is not None:
        command = config["command"]
        if not isinstance(command, list) or not command:
            check.fail("command", f"{_show(command)} must be a non-empty list of strings and macros")
        else:
            for i, part in enumerate(command):
                if not isinstance(part, (str, int, float)) or isinstance(part, bool):
                    check.fail(f"command[{i}]", f"{_show(part)} must be a string")
            spec.command = list(command)
    spec.ignored = [k for k in _IGNORED if k in config]
    if check.violations:
        raise SweepConfigError(check.violations)
    return spec


def hints(spec: SweepSpec) -> list[str]:
    """Likely mistakes in a valid config (wandb accepts them too): worth a warning."""
    out = []
    for param in spec.parameters:
        o = param.options
        if param.kind in ("log_uniform", "q_log_uniform", "inv_log_uniform") and 0 < o["min"] < o["max"] <= 1:
            sign = -1 if param.kind == "inv_log_uniform" else 1
            low, high = sorted((math.exp(sign * o["min"]), math.exp(sign * o["max"])))
            out.append(f"parameters.{'.'.join(param.path)}: {param.kind} takes natural-log exponents, so values "
                       f"fall in [{low:.4g}, {high:.4g}]; for values in [{o['min']}, {o['max']}] use "
                       f"{param.kind}_values")
    return out


def grid_size(spec: SweepSpec) -> int | None:
    """How many points a grid sweep has (None for other methods)."""
    if spec.method != "grid":
        return None
    size = 1
    for param in spec.searched:
        size *= len(param.grid_latents())
    return size
