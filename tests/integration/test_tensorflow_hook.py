"""`wandb.integration.tensorflow.WandbHook` in a TF1-style `MonitoredSession`, under the stand-in
and under wandb offline: the same rows of merged summaries (scalars and histograms)."""

from __future__ import annotations

import pytest

from tests import helpers
from tests.integration._support import plain, run_both

pytestmark = pytest.mark.slow

SCRIPT = """
import tensorflow as tf
import wandb
from wandb.integration.tensorflow import WandbHook

tf.compat.v1.disable_eager_execution()
run = wandb.init(project="tf-hook")
global_step = tf.compat.v1.train.get_or_create_global_step()
x = tf.compat.v1.Variable(1.0)
loss = x * x
tf.compat.v1.summary.scalar("loss", loss)
# Summaries of `loss` only: the update reads the same value, while reading `x` or the global step
# again would race with the update inside one `session.run`.
tf.compat.v1.summary.histogram("x", tf.stack([loss, 2 * loss, 4 * loss]))
train = tf.compat.v1.train.GradientDescentOptimizer(0.1).minimize(loss, global_step=global_step)
with tf.compat.v1.train.MonitoredSession(hooks=[WandbHook(steps_per_log=1)]) as sess:
    for _ in range(5):
        sess.run(train)
wandb.finish()
"""



def test_estimator_hook_matches_wandb_offline(tl_dir, tmp_path):
    helpers.require("tensorflow")
    oracle, run, history = run_both(SCRIPT, "tf-hook", tmp_path)
    if any("loss" not in row for row in oracle["history"]):
        # wandb's own hook now and then records a row without the scalar (seen once in the full
        # suite, not in 6 runs alone): record the oracle once more rather than compare with that.
        from tests._wandb_offline import run_wandb_offline

        oracle = run_wandb_offline(SCRIPT, tmp_path / "oracle-again")
    assert len(history) == 5  # one row per step
    ours, theirs = [plain(r) for r in history], [plain(r) for r in oracle["history"]]
    assert [r["loss"] for r in ours] == pytest.approx([r["loss"] for r in theirs])
    for mine, wandbs in zip(ours, theirs, strict=True):
        assert mine.keys() == wandbs.keys() == {"loss", "x"}
        assert mine["x"]["values"] == wandbs["x"]["values"]
        assert mine["x"]["bins"] == pytest.approx(wandbs["x"]["bins"])
