"""The shared oracle helper `tests/_wandb_offline.py` returns what its docstring says."""

from __future__ import annotations

import math
import os
from typing import Any

import pytest

from tests import helpers


@pytest.fixture(scope="module")
def parsed(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    helpers.require("wandb")
    from tests._wandb_offline import run_wandb_offline

    return run_wandb_offline(
        """
        import wandb
        run = wandb.init(project="p", config={"lr": 0.1, "nested": {"a": 1}})
        wandb.log({"loss": 1.0, "group": {"acc": 0.5}, "nan": float("nan")})
        wandb.log({"loss": 0.5}, step=7)
        wandb.config.update({"late": "x"})
        run.summary["best"] = 0.25
        wandb.finish()
        """,
        tmp_path_factory.mktemp("helper"),
        strip_internal=True,
    )


def test_history_rows(parsed: dict) -> None:
    first, second = parsed["history"]
    assert first["_step"] == 0 and first["loss"] == 1.0 and first["group.acc"] == 0.5  # nested keys join with "."
    assert math.isnan(first["nan"])
    assert second == {"loss": 0.5, "_step": 7}
    assert not any(k in first for k in ("_runtime", "_timestamp", "_wandb"))


def test_summary_config_and_paths(parsed: dict) -> None:
    assert parsed["summary"]["loss"] == 0.5 and parsed["summary"]["best"] == 0.25
    assert parsed["summary"]["group"] == {"acc": 0.5}  # the summary stays nested
    assert parsed["config"] == {"lr": 0.1, "nested": {"a": 1}, "late": "x"}
    assert os.path.isdir(parsed["files_dir"]) and parsed["files_dir"].startswith(parsed["run_dir"])
    assert len(parsed["run_id"]) == 8 and len(parsed["runs"]) == 1


def test_snippet_failure_is_reported(tmp_path: Any) -> None:
    helpers.require("wandb")
    from tests._wandb_offline import WandbOfflineError, run_wandb_offline

    with pytest.raises(WandbOfflineError, match="ZeroDivisionError"):
        run_wandb_offline("1 / 0", tmp_path)
