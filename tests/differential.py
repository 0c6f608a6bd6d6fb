"""Differential testing: the same snippet under real wandb offline and under TrackLab.

The snippet imports `wandb`; on the TrackLab side a one-line prelude makes that name mean
`tracklab`. TrackLab's record is read back through `tracklab.Api()` from the real store.
"""

from __future__ import annotations

import json
import math
import textwrap
from pathlib import Path
from typing import Any

from tests._wandb_offline import run_wandb_offline
from tests.helpers import run_python

VOLATILE = ("_runtime", "_timestamp", "_wandb")
_PRELUDE = "import sys, tracklab\nsys.modules['wandb'] = tracklab\n"


def run_tracklab(script: str, tl_dir: Path, cwd: Path, project: str) -> dict[str, Any]:
    """Run the snippet on TrackLab and read back history, summary and config of its last run."""
    run_python(_PRELUDE + textwrap.dedent(script), cwd=cwd, env={"TRACKLAB_DIR": str(tl_dir)})
    import tracklab

    runs = tracklab.Api().runs(project, order="-created_at")
    run = runs[0]
    return {"history": list(run.scan_history()), "summary": dict(run.summary), "config": dict(run.config),
            "run": run}


def run_both(script: str, tl_dir: Path, tmp_path: Path, project: str = "diff") -> tuple[dict, dict]:
    wandb_side = run_wandb_offline(script, tmp_path / "wandb")
    work = tmp_path / "tracklab-work"
    work.mkdir(exist_ok=True)
    return wandb_side, run_tracklab(script, tl_dir, work, project)


def normalise(value: Any) -> Any:
    """JSON round trip with NaN made comparable; volatile keys dropped at every level."""
    if isinstance(value, dict):
        return {k: normalise(v) for k, v in value.items() if k not in VOLATILE}
    if isinstance(value, list):
        return [normalise(v) for v in value]
    if isinstance(value, float) and math.isnan(value):
        return "NaN"
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return int(value)  # MLflow stores every number as a float
    return value


def assert_same_record(wandb_side: dict, tracklab_side: dict) -> None:
    for part in ("history", "summary", "config"):
        expected = normalise(wandb_side[part])
        actual = normalise(tracklab_side[part])
        assert actual == expected, (
            f"{part} differs\nwandb:    {json.dumps(expected, default=str)[:3000]}\n"
            f"tracklab: {json.dumps(actual, default=str)[:3000]}"
        )
