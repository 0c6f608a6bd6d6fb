"""`wandb.integration.lightgbm`: `wandb_callback()` and `log_summary()` for LightGBM."""

from __future__ import annotations

import os
from typing import Any

from lightgbm import Booster

from tracklab.errors import Error
from tracklab.integration._boosting import current_run, define_best, log_feature_importance, log_model_file

MINIMIZE_METRICS = ["l1", "l2", "rmse", "mape", "huber", "fair", "poisson", "gamma", "binary_logloss"]
MAXIMIZE_METRICS = ["map", "auc", "average_precision"]


class _WandbCallback:
    """Logs `<data>_<metric>` (cv: `-mean` / `-stdv`) then `iteration`, one row per round."""

    def __init__(self, log_params: bool = True, define_metric: bool = True) -> None:
        self.order = 20
        self.before_iteration = False
        self.log_params = log_params
        self.define_metric_bool = define_metric

    def _init(self, run: Any, env: Any) -> None:
        if self.log_params:
            run.config.update(env.params)
        if not self.define_metric_bool:
            return
        for item in env.evaluation_result_list:
            if len(item) == 4:
                define_best(run, f"{item[0]}_{item[1]}", item[1], MINIMIZE_METRICS, MAXIMIZE_METRICS)
            else:
                data_name, eval_name = item[1].split()
                for suffix in ("-mean", "-stdv"):
                    name = eval_name + suffix
                    define_best(run, f"{data_name}_{name}", name, MINIMIZE_METRICS, MAXIMIZE_METRICS)

    def __call__(self, env: Any) -> None:
        run = current_run("wandb_callback()")
        if env.iteration == env.begin_iteration:
            self._init(run, env)
        for item in env.evaluation_result_list:
            if len(item) == 4:
                run.log({f"{item[0]}_{item[1]}": item[2]}, commit=False)
            else:
                data_name, eval_name = item[1].split()
                run.log({f"{data_name}_{eval_name}-mean": item[2], f"{data_name}_{eval_name}-stdv": item[4]},
                        commit=False)
        run.log({"iteration": env.iteration}, commit=True)


def wandb_callback(log_params: bool = True, define_metric: bool = True) -> _WandbCallback:
    """A LightGBM callback logging params as config and each round's evaluation results."""
    return _WandbCallback(log_params, define_metric)


def log_summary(model: Booster, feature_importance: bool = True, save_model_checkpoint: bool = False) -> None:
    """Put `best_iteration` / `best_score` in the summary; log feature importance and the best model."""
    run = current_run()
    if not isinstance(model, Booster):
        raise Error("Model should be an instance of lightgbm.basic.Booster")
    run.summary["best_iteration"] = model.best_iteration
    run.summary["best_score"] = {k: dict(v) for k, v in model.best_score.items()}
    if feature_importance:
        pairs = zip(model.feature_name(), model.feature_importance().tolist(), strict=True)
        log_feature_importance(run, pairs, commit=False)
    if save_model_checkpoint:
        path = os.path.join(run.dir, f"model_ckpt_{model.best_iteration}.txt")
        model.save_model(path, num_iteration=model.best_iteration)
        log_model_file(run, path, f"model_{run.id}", aliases=["best"])


__all__ = ["wandb_callback", "log_summary"]
