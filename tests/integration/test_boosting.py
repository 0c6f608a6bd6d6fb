"""wandb's own XGBoost and LightGBM helpers, imported from `wandb.integration.*` with the stand-in on."""

from __future__ import annotations

from tests import helpers

from tests.integration._support import has_artifacts, only_run, rows, run_standin, stored_artifact

DATA = """
import numpy as np
rng = np.random.default_rng(0)
X = rng.normal(size=(200, 4))
y = (X[:, 0] + 0.5 * X[:, 1] > 0).astype(int)
X_train, y_train, X_valid, y_valid = X[:150], y[:150], X[150:], y[150:]
"""

XGB = """
import wandb, xgboost as xgb
from wandb.integration.xgboost import WandbCallback
run = wandb.init(project="xgb")
clf = xgb.XGBClassifier(n_estimators=5, max_depth=2, eval_metric=["logloss", "auc"], early_stopping_rounds=3,
                        callbacks=[WandbCallback(log_model={log_model})])
clf.fit(X_train, y_train, eval_set=[(X_train, y_train), (X_valid, y_valid)], verbose=False)
wandb.finish()
"""


def test_xgboost_wandb_callback(tl_dir):
    helpers.require("xgboost")
    log_model = has_artifacts()
    run_standin(DATA + XGB.format(log_model=log_model), tl_dir.parent / "work")
    run = only_run("xgb")
    history = rows(run)
    rounds = [r for r in history if "epoch" in r]
    assert [r["epoch"] for r in rounds] == list(range(5))
    assert all({"validation_0-logloss", "validation_1-auc"} <= set(r) for r in rounds)
    summary = run.summary
    assert summary["validation_1-logloss"]["min"] == min(r["validation_1-logloss"] for r in rounds)
    assert summary["validation_1-auc"]["max"] == max(r["validation_1-auc"] for r in rounds)
    assert "best_score" in summary and "best_iteration" in summary
    assert summary["Feature Importance_table"]["_type"] == "table-file"
    assert run.config["learner"]["objective"]["name"] == "binary:logistic"
    if log_model:  # named '<run id>_model.json', as wandb names it
        assert stored_artifact(f"xgb/{run.id}_model.json:latest", type="model").type == "model"


def test_lightgbm_callback_and_summary(tl_dir):
    helpers.require("lightgbm")
    log_model = has_artifacts()
    run_standin(DATA + f"""
import wandb, lightgbm as lgb
from wandb.integration.lightgbm import wandb_callback, log_summary
run = wandb.init(project="lgb")
params = {{"objective": "binary", "metric": ["binary_logloss", "auc"], "num_leaves": 4, "verbose": -1}}
train = lgb.Dataset(X_train, y_train)
valid = lgb.Dataset(X_valid, y_valid, reference=train)
booster = lgb.train(params, train, num_boost_round=5, valid_sets=[valid], valid_names=["valid"],
                    callbacks=[wandb_callback()])
log_summary(booster, save_model_checkpoint={log_model})
wandb.finish()
""", tl_dir.parent / "work")
    run = only_run("lgb")
    history = rows(run)
    assert [r["iteration"] for r in history if "iteration" in r] == list(range(5))
    assert all("valid_binary_logloss" in r and "valid_auc" in r for r in history if "iteration" in r)
    assert run.config["objective"] == "binary" and run.config["num_leaves"] == 4
    summary = run.summary
    assert summary["valid_auc"]["max"] >= summary["valid_auc"].get("min", 0)
    assert "best_iteration" in summary and summary["Feature Importance_table"]["_type"] == "table-file"
    if log_model:
        assert "best" in stored_artifact(f"lgb/model_{run.id}:latest", type="model").aliases
