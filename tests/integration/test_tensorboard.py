"""TensorBoard scalars and histograms copied into the run, as wandb's TensorBoard sync does."""

from __future__ import annotations

import pytest

from tests import helpers

helpers.require("torch", "tensorboard")

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


@pytest.mark.slow
def test_patch_matches_wandb_offline(tl_dir, tmp_path):
    from tests._wandb_offline import run_wandb_offline

    oracle = run_wandb_offline(SCRIPT, tmp_path / "oracle")
    run_standin(SCRIPT, tl_dir.parent / "work")
    run = only_run("tb")
    assert [_plain(r) for r in rows(run)] == [_plain(r) for r in oracle["history"]]
    # Event files under wandb's paths: the log dir as written, relative to the working folder.
    assert _event_dirs(run) == _event_dirs_of(oracle) == ["logs/run1"]


def _event_dirs(run) -> list[str]:
    """The folders of a stored run's TensorBoard event files (their names hold a time and a pid)."""
    return sorted({f.name.rpartition("/")[0] for f in run.files() if "events.out.tfevents" in f.name})


def _event_dirs_of(oracle: dict) -> list[str]:
    """The same for what wandb offline saved in its run's files folder."""
    from pathlib import Path

    files = Path(oracle["files_dir"])
    return sorted({str(p.parent.relative_to(files)) for p in files.rglob("events.out.tfevents*")})


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
    assert _series(history) == {"train/loss": [(0, 1.0), (1, 0.9), (2, 0.8)],
                                "valid/loss": [(0, 2.0), (1, 1.9), (2, 1.8)]}
    assert all(_one_namespace(row) for row in history)


def _series(history: list[dict]) -> dict[str, list[tuple]]:
    """{key: [(global_step, value), ...]}: what a wandb user plots, whatever the row order."""
    series: dict[str, list[tuple]] = {}
    for row in history:
        for key, value in row.items():
            if not key.startswith("_") and key != "global_step":
                series.setdefault(key, []).append((row["global_step"], value))
    return {key: sorted(points, key=lambda point: point[0]) for key, points in sorted(series.items())}


def _one_namespace(row: dict) -> bool:
    """wandb gives each log directory's step a row of its own."""
    return len({key.rpartition("/")[0] for key in row if not key.startswith("_") and key != "global_step"}) == 1


TF2_SCRIPT = """
import tensorflow as tf, wandb
wandb.tensorboard.patch(root_logdir="logs")
run = wandb.init(project="tf2")
train = tf.summary.create_file_writer("logs/train")
valid = tf.summary.create_file_writer("logs/valid")
for step in range(4):
    with train.as_default():
        tf.summary.scalar("loss", 1.0 / (step + 1), step=step)
        tf.summary.histogram("weights", tf.range(10.0) * step, step=step, buckets=4)
    with valid.as_default():
        tf.summary.scalar("loss", 2.0 / (step + 1), step=step)
train.flush()
valid.flush()
wandb.finish()
"""


@pytest.mark.slow
def test_tensorflow2_native_writer_matches_wandb_offline(tl_dir, tmp_path):
    """tf.summary writes from C++: its log dirs are learned and their event files tailed."""
    helpers.require("tensorflow")
    from tests._wandb_offline import run_wandb_offline

    oracle = run_wandb_offline(TF2_SCRIPT, tmp_path / "oracle")
    run_standin(TF2_SCRIPT, tl_dir.parent / "work")
    run = only_run("tf2")
    ours = rows(run)
    # The order rows arrive in follows how the writers' files are read; the series are the data.
    assert _series(ours) == _series(oracle["history"])
    assert sorted(_series(ours)) == ["train/loss", "train/weights", "valid/loss"]
    assert len(ours) == len(oracle["history"]) and all(_one_namespace(row) for row in ours)
    assert _event_dirs(run) == _event_dirs_of(oracle)


@pytest.mark.slow
def test_patch_before_tensorflow_is_imported(tl_dir):
    """patch() never imports TensorFlow itself; it patches TensorFlow when the script imports it."""
    helpers.require("tensorflow")
    run_standin(
        """
        import sys, wandb
        wandb.tensorboard.patch()
        assert "tensorflow" not in sys.modules
        run = wandb.init(project="tf2-late")
        import tensorflow as tf
        writer = tf.summary.create_file_writer("logs")
        with writer.as_default():
            for step in range(3):
                tf.summary.scalar("loss", 0.5 * step, step=step)
        writer.close()
        wandb.finish()
        """,
        tl_dir.parent / "work",
    )
    assert _series(rows(only_run("tf2-late"))) == {"loss": [(0, 0.0), (1, 0.5), (2, 1.0)]}
