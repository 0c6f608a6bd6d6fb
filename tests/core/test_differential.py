"""The same scripts under real wandb offline and under TrackLab: history, summary and config
must be equal (wandb's offline run file is the ground truth)."""

from __future__ import annotations

from tests.differential import assert_same_record, run_both

STEP_RULES = """
import math
import numpy as np
import torch
import wandb

run = wandb.init(project="diff", config={"lr": 0.01, "opt": {"name": "adam", "betas": [0.9, 0.99]}})
wandb.log({"a": 1})
wandb.log({"a": 2, "b": 0.5})
wandb.log({"c": 3}, commit=False)
wandb.log({"d": 4})
wandb.log({"e": 5}, step=10)
wandb.log({"epoch": 1})
wandb.log({"late": 1}, step=5)
wandb.log({"f": 6}, step=12)
wandb.log({"g": 7}, step=12, commit=True)
wandb.log({"nested": {"x": {"y": 1.5}, "z": 2}})
wandb.log({"np_f": np.float32(0.25), "np_i": np.int64(7), "t0": torch.tensor(1.5), "flag": True, "off": False})
wandb.log({"s": "text", "none": None, "nan": float("nan"), "pinf": float("inf"), "ninf": -math.inf})
wandb.log({"big": 2**60 + 1, "neg": -3, "unicode_ключ": 1.0, "space key": 2.0, "loss(train)": 0.3,
           "a//b": 1, "acc@1": 0.9, "trail/": 4, "./dot": 5, "k" * 300: 6})
wandb.log({"small_list": np.arange(5)})
run.config.update({"extra": "yes"})
run.summary["override"] = 42
run.finish()
"""

SUMMARY_RULES = """
import wandb

run = wandb.init(project="diff")
wandb.define_metric("loss", summary="min,last,mean,first")
wandb.define_metric("acc", summary="max")
wandb.define_metric("hidden_one", summary="none")
wandb.define_metric("train/step")
wandb.define_metric("val/*", step_metric="train/step")
for i, loss in enumerate([3.0, 1.0, 2.0]):
    wandb.log({"loss": loss, "acc": i / 10, "hidden_one": i, "train/step": i * 10})
wandb.log({"val/score": 0.5})
wandb.summary["acc"] = 0.99
wandb.summary.update({"custom": "x"})
wandb.log({"plain": 1})
wandb.summary["plain"] = 100
wandb.log({"plain": 2})
wandb.finish()
"""

CONFIG_RULES = """
import argparse
import wandb

run = wandb.init(project="diff", config=argparse.Namespace(lr=0.1, layers=4))
run.config.batch = 32
run.config["epochs"] = 3
run.config.update({"lr": 0.2}, allow_val_change=True)
run.config.setdefaults({"batch": 64, "warmup": 10})
try:
    run.config.update({"layers": 8})
except Exception as exc:
    assert type(exc).__name__ == "ConfigError", type(exc)
run.config.update({"nested": {"a": 1, "b": [1, 2]}, "--dashed": 1})
wandb.log({"x": 1})
wandb.finish()
"""


def test_step_rules_values_and_keys_match_wandb(tl_dir, tmp_path):
    wandb_side, tracklab_side = run_both(STEP_RULES, tl_dir, tmp_path)
    assert_same_record(wandb_side, tracklab_side)


def test_define_metric_and_summary_match_wandb(tl_dir, tmp_path):
    wandb_side, tracklab_side = run_both(SUMMARY_RULES, tl_dir, tmp_path)
    assert_same_record(wandb_side, tracklab_side)


def test_config_semantics_match_wandb(tl_dir, tmp_path):
    wandb_side, tracklab_side = run_both(CONFIG_RULES, tl_dir, tmp_path)
    assert_same_record(wandb_side, tracklab_side)
