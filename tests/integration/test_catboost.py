"""CatBoost with `wandb.integration.catboost` (`WandbCallback`, `log_summary`), under the stand-in
and under wandb offline: the same history, summary and config."""

from __future__ import annotations

import pytest

from tests import helpers
from tests.integration._support import has_artifacts, run_both, stored_artifact

SCRIPT = """
import numpy as np
import wandb
from catboost import CatBoostClassifier, Pool
from wandb.integration.catboost import WandbCallback, log_summary
rng = np.random.default_rng(0)
X = rng.normal(size=(200, 4))
y = (X[:, 0] + 0.5 * X[:, 1] > 0).astype(int)
run = wandb.init(project="cb")
model = CatBoostClassifier(iterations=6, depth=2, learning_rate=0.3, eval_metric="AUC", random_seed=0,
                           metric_period=2, verbose=False, thread_count=1, allow_writing_files=False)
model.fit(Pool(X[:150], y[:150]), eval_set=Pool(X[150:], y[150:]), callbacks=[WandbCallback(metric_period=2)])
log_summary(model, save_model_checkpoint={save})
wandb.finish()
"""


def _plain(row: dict) -> dict:
    """A history row without wandb's bookkeeping and the chart table (its file name differs)."""
    return {k: v for k, v in row.items() if not k.startswith("_") and not k.startswith("Feature Importance")}


def _rounded(value):
    if isinstance(value, dict):
        return {k: _rounded(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_rounded(v) for v in value]
    return round(value, 9) if isinstance(value, float) else value


def test_catboost_callback_and_summary_match_wandb_offline(tl_dir, tmp_path):
    helpers.require("catboost")
    save = has_artifacts()
    oracle, run, history = run_both(SCRIPT.format(save=False), "cb", tmp_path, SCRIPT.format(save=save))

    # metrics when CatBoost evaluates (its 1-based iterations 1, 3, 5 and the last), with wandb's key
    iterations = [r["iteration@metric-period-2"] for r in history if "iteration@metric-period-2" in r]
    assert iterations == [1, 3, 5, 6]
    assert {"learn-Logloss", "validation-Logloss", "validation-AUC"} <= set(history[0])
    assert [_plain(r) for r in history] == pytest.approx([_plain(r) for r in oracle["history"]])
    assert run.summary["best_iteration"] == oracle["summary"]["best_iteration"]
    assert _rounded(run.summary["best_score"]) == _rounded(oracle["summary"]["best_score"])
    assert run.summary["Feature Importance_table"]["_type"] == oracle["summary"]["Feature Importance_table"]["_type"]
    config = {k: v for k, v in run.config.items() if not k.startswith("_")}
    assert _rounded(config) == _rounded({k: v for k, v in oracle["config"].items() if not k.startswith("_")})
    assert config["iterations"] == 6 and config["depth"] == 2
    if save:  # the model as wandb names it, aliased `best` (use_best_model is on with an eval set)
        assert "best" in stored_artifact(f"cb/model_{run.id}:latest", type="model").aliases
