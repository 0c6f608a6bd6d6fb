"""The sweep view's data: each trial's parameters and metric, and parameter importance.

Trials are the runs tagged with the sweep id. Parameters are the config keys whose values
differ between trials; importance is optuna's (fANOVA when scikit-learn is importable,
PED-ANOVA otherwise) computed on an in-memory study rebuilt from the runs.
"""

from __future__ import annotations

import logging
import math
from typing import Any

from tracklab.apis.public import Run
from tracklab.backend import mapping

logger = logging.getLogger(__name__)


def sweeps_of(runs: list[Run]) -> list[dict[str, Any]]:
    """[{sweep_id, runs}] for the sweeps found among a project's runs."""
    counts: dict[str, int] = {}
    for run in runs:
        if run.sweep_id:
            counts[run.sweep_id] = counts.get(run.sweep_id, 0) + 1
    return [{"sweep_id": s, "runs": n} for s, n in sorted(counts.items())]


def _scalar(value: Any) -> Any:
    if isinstance(value, (bool, int, float, str)) or value is None:
        return value
    return str(value)


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value) if math.isfinite(value) else None


def trials(runs: list[Run]) -> tuple[list[str], list[str], list[dict[str, Any]]]:
    """(parameter names, metric candidates, trials) of a sweep's runs."""
    rows = []
    for run in runs:
        config = mapping.flatten_config({k: v for k, v in run.config.items() if not str(k).startswith("_")})
        summary = {k: v for k, v in run.summary.items() if not k.startswith("_") and _number(v) is not None}
        rows.append({"run_uuid": run.mlflow_run_id, "id": run.id, "name": run.name, "state": run.state,
                     "params": {k: _scalar(v) for k, v in config.items()}, "metrics": summary})
    names = sorted({k for row in rows for k in row["params"]})
    varying = [k for k in names if len({repr(row["params"].get(k)) for row in rows}) > 1]
    metrics = sorted(set.intersection(*(set(r["metrics"]) for r in rows))) if rows else []
    return (varying or names), metrics, rows


def spec(api: Any, project: str, sweep_id: str) -> dict[str, Any] | None:
    """The sweep's own config (metric, goal, parameter names) when the sweep store has it."""
    try:
        config = api.sweep(f"{project}/{sweep_id}").config
    except Exception:  # runs tagged with a sweep id the sweep store does not know
        return None
    metric = config.get("metric") or {}
    return {"metric": metric.get("name"), "goal": metric.get("goal", "minimize"), "method": config.get("method"),
            "params": sorted(_param_names(config.get("parameters") or {}))}


def _param_names(parameters: dict[str, Any], prefix: str = "") -> list[str]:
    names = []
    for name, definition in parameters.items():
        if isinstance(definition, dict) and isinstance(definition.get("parameters"), dict):
            names += _param_names(definition["parameters"], f"{prefix}{name}.")
        else:
            names.append(prefix + name)
    return names


def default_metric(metrics: list[str]) -> str | None:
    """A likely objective among the trials' summary metrics."""
    for hint in ("loss", "val", "acc", "score"):
        for name in metrics:
            if hint in name.lower():
                return name
    return metrics[0] if metrics else None


def importance(params: list[str], rows: list[dict[str, Any]], metric: str) -> dict[str, float]:
    """{param: importance} from optuna, or {} when it cannot be computed."""
    import optuna
    from optuna.distributions import CategoricalDistribution, FloatDistribution

    usable = [r for r in rows if _number(r["metrics"].get(metric)) is not None]
    if len(usable) < 2 or not params:
        return {}
    distributions: dict[str, Any] = {}
    for name in params:
        values = [r["params"].get(name) for r in usable]
        numbers = [_number(v) for v in values]
        if all(n is not None for n in numbers):
            lo, hi = min(numbers), max(numbers)
            if hi > lo:
                distributions[name] = FloatDistribution(lo, hi)
        else:
            choices = tuple(sorted({str(v) for v in values}))
            if len(choices) > 1:
                distributions[name] = CategoricalDistribution(choices)
    if not distributions:
        return {}
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study()
    for row in usable:
        values = {n: (float(row["params"][n]) if isinstance(d, FloatDistribution) else str(row["params"].get(n)))
                  for n, d in distributions.items()}
        study.add_trial(optuna.trial.create_trial(params=values, distributions=distributions,
                                                  value=float(row["metrics"][metric])))
    try:
        return dict(optuna.importance.get_param_importances(study, evaluator=_evaluator()))
    except Exception as exc:  # too few or degenerate trials
        logger.info("tracklab ui: no parameter importance for %s: %s", metric, exc)
        return {}


def _evaluator() -> Any:
    from optuna.importance import FanovaImportanceEvaluator, PedAnovaImportanceEvaluator

    try:
        import sklearn  # noqa: F401
    except ImportError:
        return PedAnovaImportanceEvaluator()
    return FanovaImportanceEvaluator(seed=0)
