"""`wandb.integration.diffusers.autolog` on a tiny randomly initialised diffusers pipeline (an
8x8 UNet, PNDM, 2 steps), under the stand-in and under wandb offline."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests import helpers
from tests.integration._support import run_both

pytestmark = pytest.mark.slow

SCRIPT = """
import torch
from diffusers import PNDMPipeline, PNDMScheduler, UNet2DModel
from wandb.integration.diffusers import autolog

torch.manual_seed(0)
unet = UNet2DModel(sample_size=8, in_channels=3, out_channels=3, layers_per_block=1, block_out_channels=(8, 8),
                   norm_num_groups=4, down_block_types=("DownBlock2D", "DownBlock2D"),
                   up_block_types=("UpBlock2D", "UpBlock2D"))
pipe = PNDMPipeline(unet=unet, scheduler=PNDMScheduler(num_train_timesteps=20, skip_prk_steps=True))
pipe.set_progress_bar_config(disable=True)
autolog(init={"project": "diffusers"})
pipe(batch_size=2, num_inference_steps=2, generator=torch.Generator().manual_seed(0))
autolog.disable()
"""


def _table(files_dir: Path, row: dict) -> dict:
    return json.loads((files_dir / row["Result-Table/Pipeline-Call-1"]["path"]).read_text())


def test_pipeline_autolog_matches_wandb_offline(tl_dir, tmp_path):
    helpers.require("diffusers")
    oracle, run, history = run_both(SCRIPT, "diffusers", tmp_path)

    keys = {k for row in history for k in row if not k.startswith("_")}
    assert keys == {k for row in oracle["history"] for k in row if not k.startswith("_")}
    images = [r["Generated-Image/Pipeline-Call-1"] for r in history if "Generated-Image/Pipeline-Call-1" in r]
    assert len(images) == 2 and {i["width"] for i in images} == {8}  # both images (wandb logs the first only)
    ours, theirs = run.config["workflow"][0], oracle["config"]["workflow"][0]
    assert ours["pipeline"] == theirs["pipeline"]
    assert ours["pipeline"]["pipeline-name"] == "PNDMPipeline" and ours["stage"] == theirs["stage"]
    # wandb also records the generator's whole random state and `kwargs: inspect._empty`
    theirs["params"]["generator"].pop("random_state")
    assert ours["params"] == {k: v for k, v in theirs["params"].items() if k != "kwargs"}

    table_row = next(r for r in history if "Result-Table/Pipeline-Call-1" in r)
    run.file(table_row["Result-Table/Pipeline-Call-1"]["path"]).download(root=str(tmp_path / "files"), replace=True)
    table = _table(tmp_path / "files", table_row)
    oracle_table = _table(Path(oracle["files_dir"]), oracle["history"][-1])
    assert table["columns"] == oracle_table["columns"] == ["Batch-Size", "Number-of-Inference-Steps",
                                                           "Generated-Image"]
    assert [row[:2] for row in table["data"]] == [[2, 2], [2, 2]]
    assert table["data"][0][:2] == oracle_table["data"][0][:2]
    assert run.state == "finished"
