"""Lightning's own `WandbLogger` with `Trainer.fit` on a tiny MLP, unchanged."""

from __future__ import annotations

import pytest

from tests import helpers

helpers.require("lightning")
pytestmark = pytest.mark.slow  # trains real models in fresh interpreters (20-80 s each on 2 cores)

from tests.integration._support import (  # noqa: E402
    has_artifacts, histogram_keys, only_run, rows, run_standin, stored_artifact,
)

TRAIN = """
import torch
import lightning as L
from lightning.pytorch.callbacks import ModelCheckpoint
from lightning.pytorch.loggers import WandbLogger

class Regressor(L.LightningModule):
    def __init__(self, lr=0.1, hidden=8):
        super().__init__()
        self.save_hyperparameters()
        self.net = torch.nn.Sequential(torch.nn.Linear(4, hidden), torch.nn.ReLU(), torch.nn.Linear(hidden, 1))
    def forward(self, x):
        return self.net(x)
    def training_step(self, batch, i):
        x, y = batch
        loss = torch.nn.functional.mse_loss(self(x), y)
        self.log("train_loss", loss)
        return loss
    def validation_step(self, batch, i):
        x, y = batch
        self.log("val_loss", torch.nn.functional.mse_loss(self(x), y))
    def configure_optimizers(self):
        return torch.optim.SGD(self.parameters(), lr=self.hparams.lr)

torch.manual_seed(0)
data = torch.utils.data.TensorDataset(torch.randn(32, 4), torch.randn(32, 1))
loader = torch.utils.data.DataLoader(data, batch_size=8)
logger = WandbLogger(project="pl", name="tiny", log_model=LOG_MODEL)
model = Regressor()
logger.watch(model, log="all", log_freq=2)
logger.log_hyperparams({"batch_size": 8})
trainer = L.Trainer(max_epochs=2, logger=logger, log_every_n_steps=1, accelerator="cpu", enable_progress_bar=False,
                    enable_model_summary=False, callbacks=[ModelCheckpoint(monitor="val_loss")])
trainer.fit(model, loader, loader)
assert isinstance(logger.experiment, __import__("wandb").sdk.wandb_run.Run)
logger.experiment.unwatch(model)
assert not any(m._forward_hooks for m in model.modules())
import wandb
wandb.finish()
"""


def test_wandb_logger_fit(tl_dir):
    log_model = has_artifacts()
    run_standin(TRAIN.replace("LOG_MODEL", repr(log_model)), tl_dir.parent / "work")
    run = only_run("pl")
    assert run.name == "tiny" and run.state == "finished"
    assert run.config["lr"] == 0.1 and run.config["hidden"] == 8 and run.config["batch_size"] == 8
    history = rows(run)
    train = [r for r in history if "train_loss" in r]
    assert [r["trainer/global_step"] for r in train] == list(range(8))
    assert [r["epoch"] for r in history if "val_loss" in r] == [0, 1]
    watched = [r for r in history if histogram_keys(r)]
    assert watched and {"gradients/net.0.weight", "parameters/net.2.bias"} <= set().union(
        *(histogram_keys(r) for r in watched))
    assert run.summary["graph_0"]["_type"] == "graph-file"  # WandbLogger.watch asks for the graph
    if log_model:
        artifact = stored_artifact(f"pl/model-{run.id}:latest", type="model")
        assert {"latest", "best"} <= set(artifact.aliases)
        assert "model.ckpt" in artifact.manifest.entries
        assert artifact.metadata["original_filename"].endswith(".ckpt")


SPAWN = """
import torch
import lightning as L
from lightning.pytorch.loggers import WandbLogger

class Regressor(L.LightningModule):
    def __init__(self):
        super().__init__()
        self.net = torch.nn.Linear(4, 1)
    def training_step(self, batch, i):
        x, y = batch
        loss = torch.nn.functional.mse_loss(self.net(x), y)
        self.log("train_loss", loss)
        return loss
    def configure_optimizers(self):
        return torch.optim.SGD(self.parameters(), lr=0.1)

if __name__ == "__main__":
    torch.manual_seed(0)
    data = torch.utils.data.TensorDataset(torch.randn(32, 4), torch.randn(32, 1))
    logger = WandbLogger(project="pl-spawn", name="spawned")
    logger.log_hyperparams({"batch_size": 8})  # the run starts here, in the launching process
    trainer = L.Trainer(max_epochs=2, logger=logger, log_every_n_steps=1, accelerator="cpu", devices=1,
                        strategy="ddp_spawn", enable_progress_bar=False, enable_model_summary=False,
                        enable_checkpointing=False)
    trainer.fit(Regressor(), torch.utils.data.DataLoader(data, batch_size=8))
    import wandb
    wandb.finish()
"""


def test_ddp_spawn_workers_attach_to_the_launching_run(tl_dir):
    """The spawned worker gets the run through `wandb._attach(run._attach_id)` and logs into it."""
    run_standin(SPAWN, tl_dir.parent / "work")
    run = only_run("pl-spawn")
    assert run.name == "spawned" and run.state == "finished"
    assert run.config["batch_size"] == 8
    train = [r for r in rows(run) if "train_loss" in r]
    assert [r["trainer/global_step"] for r in train] == list(range(8))
    assert run.summary["train_loss"] == train[-1]["train_loss"]
    assert run.summary["trainer/global_step"] == 7
