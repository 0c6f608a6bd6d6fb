"""`wandb.integration.catboost`: `WandbCallback` and `log_summary()` for CatBoost."""

from __future__ import annotations

import os
from types import SimpleNamespace
from typing import Any

from tracklab.errors import Error
from tracklab.integration import _boosting
from tracklab.integration._boosting import current_run, log_model_file
from tracklab.integration._requires import require


class WandbCallback:
    """Log CatBoost's train/validation metrics whenever it evaluates them, with the iteration.

    Args:
        metric_period: the `metric_period` given to the model (default 1); it names the iteration
            key, `iteration@metric-period-<n>`, as wandb does.
    """

    def __init__(self, metric_period: int = 1) -> None:
        current_run("`WandbCallback()`")
        self.metric_period: int = metric_period
        self._num_values: int = 0

    def after_iteration(self, info: SimpleNamespace) -> bool:
        """CatBoost's hook: log the latest value of each metric when new values arrived."""
        run = current_run("`WandbCallback()`")
        num_values = sum(len(log) for metric in info.metrics.values() for log in metric.values())
        if num_values > self._num_values:  # CatBoost evaluated this iteration
            self._num_values = num_values
            for data, metrics in info.metrics.items():
                for name, log in metrics.items():
                    run.log({f"{data}-{name}": log[-1]}, commit=False)
            run.log({f"iteration@metric-period-{self.metric_period}": info.iteration})
        return True


def log_summary(model: Any, log_all_params: bool = True, save_model_checkpoint: bool = False,
                log_feature_importance: bool = True) -> None:
    """After training: params as config, `best_iteration` / `best_score` in the summary, the
    feature-importance bar chart, and (with `save_model_checkpoint`) the model as an artifact
    `model_<run id>` aliased `best` (with `use_best_model`) or `last`."""
    run = current_run("`log_summary()`")
    catboost = require("catboost", "catboost", "catboost")
    if not isinstance(model, (catboost.CatBoostClassifier, catboost.CatBoostRegressor)):
        raise Error("Model should be an instance of CatBoostClassifier or CatBoostRegressor")
    params = model.get_all_params()
    if log_all_params:
        run.config.update(params)
    run.summary["best_iteration"] = model.get_best_iteration()
    run.summary["best_score"] = model.get_best_score()
    if save_model_checkpoint:
        path = os.path.join(run.dir, "model")
        model.save_model(path)
        log_model_file(run, path, f"model_{run.id}", aliases=["best"] if params["use_best_model"] else ["last"])
    if log_feature_importance:
        frame = model.get_feature_importance(prettified=True)
        pairs = zip(frame["Feature Id"], frame["Importances"], strict=False)
        _boosting.log_feature_importance(run, ((str(k), float(v)) for k, v in pairs), commit=False)


__all__ = ["log_summary", "WandbCallback"]
