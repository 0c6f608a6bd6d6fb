"""Lightning Fabric with `wandb.integration.lightning.fabric.WandbLogger`, under the stand-in and
under wandb offline: the same history, summary and config."""

from __future__ import annotations

import pytest

from tests import helpers
from tests.integration._support import run_both

pytestmark = pytest.mark.slow

SCRIPT = """
import os, torch
from lightning.fabric import Fabric
import wandb
from wandb.integration.lightning.fabric import WandbLogger

torch.manual_seed(0)
# wandb's default save_dir is ".": the oracle's run folder must stay where the reader looks
logger = WandbLogger(project="fabric", name="fabric-run", prefix="fit", save_dir=os.environ.get("WANDB_DIR", "."))
fabric = Fabric(accelerator="cpu", devices=1, loggers=[logger])
fabric.launch()
model = torch.nn.Linear(3, 1)
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
model, optimizer = fabric.setup(model, optimizer)
fabric.loggers[0].log_hyperparams({"lr": 0.1, "layers": [3, 1], "activation": torch.nn.ReLU})
x, y = torch.randn(16, 3), torch.randn(16, 1)
for step in range(4):
    loss = torch.nn.functional.mse_loss(model(x), y)
    optimizer.zero_grad()
    fabric.backward(loss)
    optimizer.step()
    fabric.log_dict({"loss": loss.item(), "lr": 0.1}, step=step)
logger.log_text("samples", columns=["input", "label"], data=[["a", "b"], ["c", "d"]], step=4)
assert logger.name == "fabric" and logger.version == wandb.run.id
fabric.logger.finalize("success")
wandb.finish()
"""


def _plain(record: dict) -> dict:
    return {k: v for k, v in record.items() if not k.startswith("_") and k != "fit-samples"}


def test_fabric_logger_matches_wandb_offline(tl_dir, tmp_path):
    helpers.require("lightning")
    oracle, run, history = run_both(SCRIPT, "fabric", tmp_path)

    assert run.name == "fabric-run"
    assert [r["trainer/global_step"] for r in history] == [0, 1, 2, 3, 4]
    assert {"fit-loss", "fit-lr"} <= set(history[0])
    assert history[-1]["fit-samples"]["_type"] == "table-file"
    assert [_plain(r) for r in history] == pytest.approx([_plain(r) for r in oracle["history"]])
    assert _plain(dict(run.summary)) == pytest.approx(_plain(oracle["summary"]))
    config = {k: v for k, v in run.config.items() if not k.startswith("_")}
    assert config == {k: v for k, v in oracle["config"].items() if not k.startswith("_")}
    assert config["activation"] == "ReLU"
