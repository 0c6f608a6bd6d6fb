"""TensorBoard scalars and histograms copied into the run, as wandb's TensorBoard sync does."""

from __future__ import annotations

import pytest

pytest.importorskip("torch.utils.tensorboard")

import tracklab  # noqa: E402
from tests.integration._support import only_run, rows, run_standin  # noqa: E402

SCRIPT = """
import torch, wandb
from torch.utils.tensorboard import SummaryWriter
wandb.tensorboard.patch()
run = wandb.init(project="tb")
writer = SummaryWriter("logs/run1")
for step in range(4):
    writer.add_scalar("loss", 1.0 / (step + 1), step)
    writer.add_scalar("acc", step * 0.25, step)
writer.add_histogram("w", torch.arange(10.0), 3, bins=4)
writer.close()
wandb.finish()
"""


def _plain(row: dict) -> dict:
    return {k: v for k, v in row.items() if k not in ("_runtime", "_timestamp")}


def test_patch_matches_wandb_offline(tl_dir, tmp_path):
    from tests._wandb_offline import run_wandb_offline

    oracle = run_wandb_offline(SCRIPT, tmp_path / "oracle")
    run_standin(SCRIPT, tl_dir.parent / "work")
    run = only_run("tb")
    assert [_plain(r) for r in rows(run)] == [_plain(r) for r in oracle["history"]]
    assert any(f.name.startswith("run1/events.out.tfevents") for f in run.files())


@pytest.fixture
def unpatched():
    yield
    from tracklab.integration import tensorboard

    tensorboard.unpatch()


def test_sync_tensorboard_and_namespaces(tl_dir, unpatched):
    from torch.utils.tensorboard import SummaryWriter

    from tracklab.integration import tensorboard

    run = tracklab.init(project="tb-sync", sync_tensorboard=True)
    assert tensorboard.is_patched()
    tensorboard.unpatch()
    tensorboard.patch(root_logdir="logs")  # several writers: keys are namespaced by sub-folder
    train, valid = SummaryWriter("logs/train"), SummaryWriter("logs/valid")
    for step in range(3):
        train.add_scalar("loss", 1.0 - step / 10, step)
        valid.add_scalar("loss", 2.0 - step / 10, step)
    train.close()
    valid.close()
    run.finish()
    history = rows(only_run("tb-sync"))
    assert [r["train/loss"] for r in history] == pytest.approx([1.0, 0.9, 0.8])
    assert [r["valid/loss"] for r in history] == pytest.approx([2.0, 1.9, 1.8])
    assert [r["global_step"] for r in history] == [0, 1, 2]
