"""optuna-integration's `WeightsAndBiasesCallback`, one run per trial and one run per study."""

from __future__ import annotations

import pytest

from tests import helpers

helpers.require("optuna_integration")

from tests.integration._support import only_run, project_runs, rows, run_standin  # noqa: E402

STUDY = """
import warnings
import optuna, torch
from optuna_integration.wandb import WeightsAndBiasesCallback

warnings.simplefilter("ignore", FutureWarning)
optuna.logging.set_verbosity(optuna.logging.WARNING)
x = torch.randn(32, 4)
y = x.sum(1, keepdim=True)

def objective(trial):
    lr = trial.suggest_float("lr", 1e-3, 1e-1, log=True)
    torch.manual_seed(0)
    model = torch.nn.Linear(4, 1)
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    for _ in range(20):
        loss = torch.nn.functional.mse_loss(model(x), y)
        optimizer.zero_grad(); loss.backward(); optimizer.step()
    return loss.item()

per_trial = WeightsAndBiasesCallback(metric_name="mse", wandb_kwargs={"project": "opt-multi"}, as_multirun=True)
optuna.create_study(study_name="multi", sampler=optuna.samplers.TPESampler(seed=0)).optimize(
    objective, n_trials=2, callbacks=[per_trial])
one_run = WeightsAndBiasesCallback(metric_name="mse", wandb_kwargs={"project": "opt-single"})
study = optuna.create_study(study_name="single", sampler=optuna.samplers.TPESampler(seed=0))
study.optimize(objective, n_trials=3, callbacks=[one_run])
import wandb
wandb.finish()
print("BEST", study.best_value)
"""


def test_weights_and_biases_callback(tl_dir):
    out = run_standin(STUDY, tl_dir.parent / "work")
    best = float(out.stdout.split("BEST")[-1])
    trials = sorted(project_runs("opt-multi"), key=lambda r: r.name)
    assert [r.name.split("/")[:2] for r in trials] == [["trial", "0"], ["trial", "1"]]
    for number, run in enumerate(trials):
        assert list(run.tags) == ["multi"] and run.state == "finished"
        assert run.config["direction"] == ["MINIMIZE"] and 1e-3 <= run.config["lr"] <= 1e-1
        assert run.summary["trial_number"] == number and run.summary["mse"] > 0
    single = only_run("opt-single")
    history = rows(single)
    assert [r["_step"] for r in history] == [0, 1, 2]
    assert min(r["mse"] for r in history) == pytest.approx(best)
