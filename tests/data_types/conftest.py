"""Fixtures for the data-type tests: one real-wandb oracle run per test session."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import pytest

from tests import helpers

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))  # so `_dt_cases` imports the same way in both processes
if str(HERE.parent.parent) not in sys.path:
    sys.path.insert(0, str(HERE.parent.parent))  # the repo root, for `tests._wandb_offline`

os.environ.setdefault("MPLBACKEND", "Agg")

from _dt_support import FakeRun  # noqa: E402


@pytest.fixture(scope="session")
def assets(tmp_path_factory: pytest.TempPathFactory) -> str:
    import _dt_cases as _cases

    return _cases.make_assets(str(tmp_path_factory.mktemp("assets")))


@pytest.fixture(scope="session")
def oracle(tmp_path_factory: pytest.TempPathFactory, assets: str) -> dict[str, Any]:
    """Every case of `_cases` logged by real wandb 0.31 offline, parsed."""
    helpers.require("wandb")
    import _dt_cases as _cases
    from tests._wandb_offline import run_wandb_offline

    return run_wandb_offline(
        _cases.wandb_script(str(HERE), assets),
        tmp_path_factory.mktemp("oracle"),
        strip_internal=False,
        extra_env={"MPLBACKEND": "Agg"},
    )


@pytest.fixture(scope="session")
def ours(tmp_path_factory: pytest.TempPathFactory, assets: str) -> dict[str, Any]:
    """Every case of `_cases` passed through TrackLab's serialize_value."""
    import _dt_cases as _cases

    import tracklab.sdk.data_types as dt

    files_dir = str(tmp_path_factory.mktemp("ours") / "files")
    os.makedirs(files_dir)
    run = FakeRun(files_dir)
    # Same local steps as the oracle: the step=3 log is serialized at local step 1.
    history0 = {k: dt.serialize_value(f(dt, assets), files_dir, k, 0, run=run) for k, f in _cases.CASES.items()}
    history1 = {k: dt.serialize_value(f(dt, assets), files_dir, k, 1, run=run) for k, f in _cases.STEP3_CASES.items()}
    summary = {
        k: dt.serialize_summary_value(f(dt, assets), files_dir, k, run=run)
        for k, f in _cases.SUMMARY_CASES.items()
    }
    return {"history": [history0, history1], "summary": summary, "files_dir": files_dir, "run": run}
