"""stable-baselines3 with `wandb.integration.sb3.WandbCallback` on CartPole, under the stand-in and
under wandb offline: the same config, history keys and summary keys."""

from __future__ import annotations

import os

import pytest

from tests import helpers
from tests.integration._support import run_both

pytestmark = pytest.mark.slow

# wandb's documented set-up (sync_tensorboard=True, gradients watched), shrunk to 256 steps.
SCRIPT = """
import gymnasium as gym, torch
from stable_baselines3 import PPO
import wandb
from wandb.integration.sb3 import WandbCallback
torch.manual_seed(0)
run = wandb.init(project="sb3", config={"policy_type": "MlpPolicy", "total_timesteps": 256}, sync_tensorboard=True)
model = PPO("MlpPolicy", gym.make("CartPole-v1"), n_steps=64, batch_size=32, n_epochs=1, seed=0, verbose=0,
            tensorboard_log="runs", policy_kwargs={"net_arch": [8]})
model.learn(total_timesteps=256, callback=WandbCallback(model_save_path="models", gradient_save_freq=2, verbose=2))
wandb.finish()
"""

# Values that differ between any two processes: object addresses and the start time.
VOLATILE_CONFIG = ("start_time",)


def _stable_config(config: dict) -> dict:
    return {k: v for k, v in config.items()
            if k not in VOLATILE_CONFIG and not k.startswith("_wandb") and " at 0x" not in str(v)}


def test_sb3_callback_on_cartpole_matches_wandb_offline(tl_dir, tmp_path):
    helpers.require("stable_baselines3")
    helpers.require("gymnasium")
    oracle, run, history = run_both(SCRIPT, "sb3", tmp_path)
    work = tmp_path / "work"

    # config: the user's keys plus the algorithm's attributes, as wandb records them
    assert run.config["algo"] == "PPO" and run.config["policy_type"] == "MlpPolicy"
    assert run.config["n_steps"] == 64 and run.config["gamma"] == 0.99
    assert _stable_config(dict(run.config)) == _stable_config(oracle["config"])
    # history: the TensorBoard scalars SB3 writes and the watched policy's histograms
    keys = {k for row in history for k in row if not k.startswith("_")}
    assert keys == {k for row in oracle["history"] for k in row if not k.startswith("_")}
    assert {"rollout/ep_len_mean", "train/loss", "gradients/action_net.weight",
            "parameters/value_net.bias"} <= keys
    assert set(run.summary.keys()) - {"_wandb"} >= {k for k in oracle["summary"] if not k.startswith("_")}
    # the same seeded training: the same final losses and episode lengths
    for key in ("train/loss", "train/value_loss", "rollout/ep_len_mean", "global_step"):
        assert run.summary[key] == pytest.approx(oracle["summary"][key], rel=1e-5), key
    # the model saved at the end is one of the run's files
    assert os.path.exists(work / "models" / "model.zip")
    assert "model.zip" in {f.name for f in run.files()}
