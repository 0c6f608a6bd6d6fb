"""A Sacred experiment observed by `wandb.integration.sacred.WandbObserver`, under the stand-in and
under wandb offline: the same config, history and summary."""

from __future__ import annotations

import pytest

from tests import helpers
from tests.integration._support import plain, run_both

SCRIPT = """
from sacred import Experiment
from wandb.integration.sacred import WandbObserver

ex = Experiment("iris", save_git_info=False)
ex.observers.append(WandbObserver(project="sacred", name="sacred-run"))

@ex.config
def cfg():
    C = 1.0
    gamma = 0.7
    layers = [4, 2]

@ex.main
def main(_run, C, gamma):
    for step in range(3):
        _run.log_scalar("loss", 1.0 / (step + 1) * C, step)
        _run.log_scalar("acc", 0.5 + 0.1 * step * gamma, step)
    return 0.875

ex.run(config_updates={"seed": 7})
import wandb
wandb.finish()
"""



def test_sacred_observer_matches_wandb_offline(tl_dir, tmp_path):
    helpers.require("sacred")
    oracle, run, history = run_both(SCRIPT, "sacred", tmp_path)

    assert run.name == "sacred-run"
    config = plain(dict(run.config))
    assert config == {"C": 1.0, "gamma": 0.7, "layers": [4, 2], "seed": 7, "resources": []}
    assert config == plain(oracle["config"])
    # one row per scalar (wandb logs each value on its own), then the result
    assert [plain(r) for r in history] == pytest.approx([plain(r) for r in oracle["history"]])
    assert [plain(r) for r in history][-1] == {"result_0": 0.875}
    assert plain(dict(run.summary)) == pytest.approx(plain(oracle["summary"]))
