"""transformers' own `WandbCallback` (`Trainer(report_to="wandb")`) on a tiny GPT-2, unchanged."""

from __future__ import annotations

import os

import pytest

from tests import helpers

helpers.require("transformers")
pytestmark = pytest.mark.slow  # trains real models in fresh interpreters (20-80 s each on 2 cores)

from tests.integration._support import has_artifacts, only_run, rows, run_standin, stored_artifact  # noqa: E402

TRAIN = """
import torch
from transformers import GPT2Config, GPT2LMHeadModel, Trainer, TrainingArguments

torch.manual_seed(0)
model = GPT2LMHeadModel(GPT2Config(vocab_size=32, n_positions=16, n_embd=8, n_layer=1, n_head=2,
                                   bos_token_id=0, eos_token_id=0))

class Tokens(torch.utils.data.Dataset):
    def __len__(self):
        return 8
    def __getitem__(self, i):
        ids = torch.randint(0, 32, (8,))
        return {"input_ids": ids, "labels": ids}

args = TrainingArguments(output_dir="out", report_to="wandb", run_name="tiny-gpt2", max_steps=4, logging_steps=1,
                         per_device_train_batch_size=4, eval_strategy="steps", eval_steps=2, save_strategy="no",
                         learning_rate=1e-3, use_cpu=True, disable_tqdm=True)
trainer = Trainer(model=model, args=args, train_dataset=Tokens(), eval_dataset=Tokens())
trainer.train()
import wandb
wandb.finish()
"""


def test_trainer_reports_metrics_config_and_model(tl_dir):
    log_model = has_artifacts()
    env = {"WANDB_PROJECT": "hf", "WANDB_LOG_MODEL": "end" if log_model else "false"}
    run_standin(TRAIN, tl_dir.parent / "work", env)
    run = only_run("hf")
    assert run.name == "tiny-gpt2" and run.state == "finished"
    config = run.config
    assert config["learning_rate"] == 1e-3 and config["n_embd"] == 8 and config["max_steps"] == 4
    assert config["model/num_parameters"] > 0
    history = rows(run)
    train = [r for r in history if "train/loss" in r]
    assert [r["train/global_step"] for r in train] == [1, 2, 3, 4]
    assert all(r["train/learning_rate"] > 0 and r["train/grad_norm"] >= 0 for r in train)
    assert [r["train/global_step"] for r in history if "eval/loss" in r] == [2, 4]
    summary = run.summary
    assert summary["train/global_step"] == 4 and "train_runtime" in summary and "eval/loss" in summary
    if log_model:  # WANDB_LOG_MODEL=end: the trained model, as artifact `model-<run name>`
        artifact = stored_artifact("hf/model-tiny-gpt2:latest", type="model")
        assert "final_model" in artifact.aliases
        files = set(os.listdir(artifact.download(str(tl_dir.parent / "downloaded"))))
        assert "config.json" in files and any(name.startswith("model") for name in files)
