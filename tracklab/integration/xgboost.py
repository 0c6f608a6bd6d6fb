"""`wandb.integration.xgboost`: `WandbCallback` (and the older `wandb_callback`) for XGBoost."""

from __future__ import annotations

import json
import os
import warnings
from typing import Any, Callable

import xgboost.callback

from tracklab.integration._boosting import current_run, define_best, log_feature_importance, log_model_file

MINIMIZE_METRICS = ["rmse", "rmsle", "mae", "mape", "mphe", "logloss", "error", "error@t", "merror"]
MAXIMIZE_METRICS = ["auc", "aucpr", "ndcg", "map", "ndcg@n", "map@n"]


def wandb_callback() -> Callable[[Any], None]:
    """Old-style callback: log `evaluation_result_list` each round."""
    warnings.warn("wandb_callback will be deprecated in favor of WandbCallback. Please use WandbCallback for more "
                  "features.", UserWarning, stacklevel=2)

    def callback(env: Any) -> None:
        run = current_run("wandb_callback()")
        for key, value in env.evaluation_result_list:
            run.log({key: value}, commit=False)
        run.log({})

    return callback


class WandbCallback(xgboost.callback.TrainingCallback):
    """Log the booster's config, `<data>-<metric>` each round (with `epoch`), best score and
    iteration, the feature importance chart, and the model as an artifact (`log_model=True`)."""

    def __init__(self, log_model: bool = False, log_feature_importance: bool = True, importance_type: str = "gain",
                 define_metric: bool = True) -> None:
        super().__init__()
        self.log_model = log_model
        self.log_feature_importance = log_feature_importance
        self.importance_type = importance_type
        self.define_metric = define_metric
        current_run()

    def before_training(self, model: Any) -> Any:
        current_run().config.update(json.loads(model.save_config()))
        return model

    def after_training(self, model: Any) -> Any:
        run = current_run()
        if self.log_model:
            name = f"{run.id}_model.json"
            path = os.path.join(run.dir, name)
            model.save_model(path)
            log_model_file(run, path, name)
        if self.log_feature_importance:
            scores = model.get_score(importance_type=self.importance_type)
            log_feature_importance(run, scores.items())
        if model.attr("best_score") is not None:
            best = {"best_score": float(model.attr("best_score")), "best_iteration": int(model.attr("best_iteration"))}
            run.log(best)
        return model

    def after_iteration(self, model: Any, epoch: int, evals_log: dict[str, dict[str, list[Any]]]) -> bool:
        run = current_run()
        for data, metrics in evals_log.items():
            for metric_name, values in metrics.items():
                if self.define_metric:
                    define_best(run, f"{data}-{metric_name}", metric_name, MINIMIZE_METRICS, MAXIMIZE_METRICS)
                run.log({f"{data}-{metric_name}": values[-1]}, commit=False)
        run.log({"epoch": epoch})
        self.define_metric = False
        return False


__all__ = ["WandbCallback", "wandb_callback"]
