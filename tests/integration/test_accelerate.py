"""accelerate's own `WandBTracker` (`Accelerator(log_with="wandb")`) on a tiny linear model, unchanged."""

from __future__ import annotations

from tests import helpers

helpers.require("accelerate")

from tests.integration._support import only_run, rows, run_standin  # noqa: E402

TRAIN = """
import torch
from accelerate import Accelerator

torch.manual_seed(0)
accelerator = Accelerator(log_with="wandb", cpu=True)
accelerator.init_trackers("acc", config={"lr": 0.1, "epochs": 2},
                          init_kwargs={"wandb": {"name": "acc-run", "tags": ["tiny"]}})
model = torch.nn.Linear(4, 1)
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
data = torch.utils.data.TensorDataset(torch.randn(16, 4), torch.randn(16, 1))
model, optimizer, loader = accelerator.prepare(model, optimizer, torch.utils.data.DataLoader(data, batch_size=4))
step = 0
for epoch in range(2):
    for x, y in loader:
        loss = torch.nn.functional.mse_loss(model(x), y)
        accelerator.backward(loss)
        optimizer.step()
        optimizer.zero_grad()
        accelerator.log({"train_loss": loss.item(), "epoch": epoch}, step=step)
        step += 1
import wandb
assert isinstance(accelerator.get_tracker("wandb", unwrap=True), wandb.sdk.wandb_run.Run)
accelerator.end_training()
assert wandb.run is None
"""


def test_accelerator_log_with_wandb(tl_dir):
    run_standin(TRAIN, tl_dir.parent / "work")
    run = only_run("acc")
    assert run.name == "acc-run" and run.state == "finished" and list(run.tags) == ["tiny"]
    assert run.config == {"lr": 0.1, "epochs": 2}
    history = rows(run)
    assert [r["_step"] for r in history] == list(range(8))
    assert [r["epoch"] for r in history] == [0] * 4 + [1] * 4
    assert run.summary["train_loss"] == history[-1]["train_loss"]
