"""wandb's Keras callbacks from `wandb.integration.keras`, on Keras 3 with the torch and the
TensorFlow backends, and Keras' own TensorBoard callback copied by `sync_tensorboard`."""

from __future__ import annotations

import pytest

from tests import helpers
from tests.integration._support import has_artifacts, only_run, rows, run_standin, stored_artifact

# Importing keras here would pick its default (TensorFlow) backend: only check it is installed.
helpers.require("keras")
pytestmark = pytest.mark.slow  # trains real models in fresh interpreters (20-80 s each on 2 cores)

TRAIN = """
import numpy as np, keras, wandb
from wandb.integration.keras import WandbEvalCallback, WandbMetricsLogger, WandbModelCheckpoint

class Predictions(WandbEvalCallback):
    def add_ground_truth(self, logs=None):
        for i in range(4):
            self.data_table.add_data(i, float(y[i]))
    def add_model_predictions(self, epoch, logs=None):
        predicted = self.model.predict(x[:4], verbose=0)
        for i in range(4):
            self.pred_table.add_data(epoch, i, float(predicted[i, 0]))

run = wandb.init(project="keras")
rng = np.random.default_rng(0)
x = rng.normal(size=(64, 4)).astype("float32")
y = (x.sum(1) > 0).astype("float32")
model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(8, activation="relu"),
                          keras.layers.Dense(1, activation="sigmoid")])
model.compile(optimizer=keras.optimizers.SGD(0.1), loss="binary_crossentropy", metrics=["accuracy"])
callbacks = [WandbMetricsLogger(log_freq=2)]  # every second batch, and every epoch
if LOG_ARTIFACTS:
    callbacks += [WandbModelCheckpoint("ckpt.keras"), Predictions(["idx", "label"], ["epoch", "idx", "pred"])]
model.fit(x, y, validation_split=0.25, epochs=2, batch_size=16, verbose=0, callbacks=callbacks)
wandb.finish()
"""


@pytest.mark.parametrize("backend", ["torch", "tensorflow"])
def test_keras_callbacks(tl_dir, backend):
    helpers.require(backend)
    log_artifacts = has_artifacts()
    run_standin(TRAIN.replace("LOG_ARTIFACTS", repr(log_artifacts)), tl_dir.parent / "work",
                {"KERAS_BACKEND": backend})
    run = only_run("keras")
    history = rows(run)
    epochs = [r for r in history if "epoch/epoch" in r]
    assert [r["epoch/epoch"] for r in epochs] == [0, 1]
    assert all({"epoch/loss", "epoch/accuracy", "epoch/val_loss", "epoch/learning_rate"} <= set(r) for r in epochs)
    assert epochs[0]["epoch/learning_rate"] == pytest.approx(0.1)
    batches = [r["batch/batch_step"] for r in history if "batch/batch_step" in r]
    assert batches == [0, 2, 4, 6]  # 3 batches an epoch, every second batch
    if log_artifacts:
        checkpoint = stored_artifact(f"keras/run_{run.id}_model:latest", type="model")
        assert {"latest", "epoch_1"} <= set(checkpoint.aliases)
        assert stored_artifact(f"keras/run_{run.id}_pred:latest", type="evaluation").version == "v1"
        assert stored_artifact("keras/val:latest", type="dataset").type == "dataset"


TENSORBOARD = """
import numpy as np, keras, wandb
wandb.tensorboard.patch(root_logdir="logs")
run = wandb.init(project="keras-tb")
rng = np.random.default_rng(0)
x = rng.normal(size=(64, 4)).astype("float32")
y = (x.sum(1) > 0).astype("float32")
keras.utils.set_random_seed(0)
model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1, activation="sigmoid")])
model.compile(optimizer=keras.optimizers.SGD(0.1), loss="binary_crossentropy")
model.fit(x, y, validation_split=0.25, epochs=3, batch_size=16, verbose=0,
          callbacks=[keras.callbacks.TensorBoard(log_dir="logs")])
wandb.finish()
"""


def test_keras_tensorboard_callback_on_tensorflow_matches_wandb_offline(tl_dir, tmp_path):
    """Keras' TensorBoard callback writes with TensorFlow's C++ writer; its epochs reach the run."""
    helpers.require("tensorflow")
    from tests._wandb_offline import run_wandb_offline
    from tests.integration.test_tensorboard import _series

    env = {"KERAS_BACKEND": "tensorflow"}
    oracle = run_wandb_offline(TENSORBOARD, tmp_path / "oracle", extra_env=env)
    run_standin(TENSORBOARD, tl_dir.parent / "work", env)
    ours = _series(rows(only_run("keras-tb")))
    assert {"train/epoch_loss", "validation/epoch_loss"} <= set(ours)
    assert [step for step, _ in ours["train/epoch_loss"]] == [0, 1, 2]
    assert ours == _series(oracle["history"])
