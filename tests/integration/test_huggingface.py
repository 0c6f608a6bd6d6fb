"""`wandb.integration.huggingface.autolog` on a tiny randomly initialised transformers pipeline,
under the stand-in and under wandb offline: the same tables (ID, time stamp and elapsed time
aside: they differ on every call; wandb's elapsed time is always 0.0, ours is measured)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests import helpers
from tests.integration._support import run_both

pytestmark = pytest.mark.slow

SCRIPT = """
import torch
from transformers import BertConfig, BertForSequenceClassification, BertTokenizer, pipeline
from wandb.integration.huggingface import autolog

words = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "a", "good", "bad", "movie"]
with open("vocab.txt", "w") as f:
    f.write("\\n".join(words) + "\\n")
torch.manual_seed(0)
config = BertConfig(vocab_size=len(words), hidden_size=8, num_hidden_layers=1, num_attention_heads=2,
                    intermediate_size=16, num_labels=2)
classify = pipeline("text-classification", model=BertForSequenceClassification(config).eval(),
                    tokenizer=BertTokenizer("vocab.txt"), device=-1)
autolog(init={"project": "hf"})
classify(["a good movie", "a bad movie"])
classify("good")
autolog.disable()
"""

VOLATILE_COLUMNS = ("ID", "Timestamp", "Elapsed Time")


def _stable(table: dict) -> dict:
    keep = [i for i, column in enumerate(table["columns"]) if column not in VOLATILE_COLUMNS]
    return {"columns": [table["columns"][i] for i in keep],
            "data": [[row[i] for i in keep] for row in table["data"]]}


def test_pipeline_autolog_matches_wandb_offline(tl_dir, tmp_path):
    helpers.require("transformers")
    oracle, run, history = run_both(SCRIPT, "hf", tmp_path)
    assert [sorted(k for k in r if not k.startswith("_")) for r in history] == [["text-classification"]] * 2

    ours, theirs = [], []
    for row, oracle_row in zip(history, oracle["history"], strict=True):
        path = row["text-classification"]["path"]
        run.file(path).download(root=str(tmp_path / "files"), replace=True)
        ours.append(json.loads((tmp_path / "files" / path).read_text()))
        theirs.append(json.loads(Path(oracle["files_dir"], oracle_row["text-classification"]["path"]).read_text()))
    assert [_stable(t) for t in ours] == [_stable(t) for t in theirs]
    assert ours[0]["columns"] == ["ID", "Model Alias", "Timestamp", "Elapsed Time", "Input", "Response", "Kwargs"]
    assert [r[4] for r in ours[0]["data"]] == ["a good movie", "a bad movie"]
    assert ours[0]["data"][0][0] == ours[0]["data"][1][0] != ours[1]["data"][0][0]  # one ID per call
    assert run.state == "finished"  # autolog started the run, so disable() finished it
