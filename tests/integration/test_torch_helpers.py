"""`wandb.integration.torch.wandb_torch` helpers (TorchHistory, log_track_*, nested_shape) used
directly, under the stand-in and under wandb offline: the same histogram keys, rows and bins."""

from __future__ import annotations

import pytest

from tests import helpers
from tests.integration._support import run_both

pytestmark = pytest.mark.slow

SCRIPT = """
import torch
import wandb
from wandb.integration.torch.wandb_torch import TorchHistory, log_track_init, log_track_update, nested_shape

torch.manual_seed(0)
run = wandb.init(project="torch-helpers")
model = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.ReLU(), torch.nn.Linear(4, 1))
history = TorchHistory()
history.add_log_parameters_hook(model, name="net.", prefix="", log_freq=2)
history.add_log_gradients_hook(model, name="net.", prefix="", log_freq=2)
x = torch.randn(8, 3)
for step in range(4):
    loss = model(x).pow(2).mean()
    loss.backward()
    history.log_tensor_stats(x * step, "inputs")
    wandb.log({"loss": loss.item()})
track = log_track_init(3)
assert [log_track_update(track) for _ in range(6)] == [False, False, True, False, False, True]
assert nested_shape([torch.zeros(2, 3), (torch.zeros(1),)]) == [[2, 3], [[1]]]
wandb.finish()
"""


def _histograms(row: dict) -> dict:
    return {k: (v["bins"], v["values"]) for k, v in row.items() if isinstance(v, dict) and v.get("_type") == "histogram"}


def test_torch_history_matches_wandb_offline(tl_dir, tmp_path):
    helpers.require("torch")
    oracle, run, history = run_both(SCRIPT, "torch-helpers", tmp_path)
    keys = [sorted(k for k in r if not k.startswith("_")) for r in history]
    assert keys == [sorted(k for k in r if not k.startswith("_")) for r in oracle["history"]]
    assert {"parameters/net.0.weight", "gradients/net.2.bias", "inputs"} <= set(keys[1])
    assert "parameters/net.0.weight" not in keys[0]  # every second forward pass
    for ours, theirs in zip(history, oracle["history"], strict=True):
        mine, wandbs = _histograms(ours), _histograms(theirs)
        assert mine.keys() == wandbs.keys()
        for key in mine:
            assert mine[key][1] == wandbs[key][1], key
            assert mine[key][0] == pytest.approx(wandbs[key][0], abs=1e-6), key
