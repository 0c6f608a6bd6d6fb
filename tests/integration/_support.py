"""Run training scripts with TrackLab standing in for wandb, and read what reached the store."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

from tests import helpers
from tests.helpers import python_env

# Appended to every stand-in script: `wandb` was TrackLab, and no real wandb module was loaded.
CHECK_NO_REAL_WANDB = """
import sys as _sys
_wandb = _sys.modules.get("wandb")
assert _wandb is None or getattr(_wandb, "__tracklab__", False), "the real wandb was imported"
_real = [n for n, m in list(_sys.modules.items())
         if getattr(m, "__name__", "").split(".")[0] == "wandb" and not getattr(m, "__tracklab__", False)]
assert not _real, f"real wandb modules loaded: {_real}"
"""


def standin_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    """The test environment with the stand-in switched on (as `tracklab run` does it)."""
    from tracklab.integration import standin_environment

    env = standin_environment(python_env())
    env.update(extra or {})
    return env


def run_standin(code: str, cwd: Path, extra_env: dict[str, str] | None = None,
                timeout: float = 240) -> subprocess.CompletedProcess:
    """Run `code` in a fresh interpreter with the stand-in on; fail with its output if it fails."""
    script = Path(cwd) / "train_script.py"
    script.write_text(textwrap.dedent(code) + "\n" + CHECK_NO_REAL_WANDB)
    proc = helpers.run([sys.executable, str(script)], cwd=str(cwd), env=standin_env(extra_env),
                       capture_output=True, text=True, timeout=timeout)
    if proc.returncode != 0:
        raise AssertionError(f"script failed ({proc.returncode}):\n{proc.stdout[-4000:]}\n{proc.stderr[-8000:]}")
    return proc


def project_runs(project: str) -> list[Any]:
    """The runs of `project` in the store `TRACKLAB_DIR` points at, read with `tracklab.Api`."""
    import tracklab

    return list(tracklab.Api().runs(project))


def only_run(project: str) -> Any:
    runs = project_runs(project)
    assert len(runs) == 1, f"expected one run in {project!r}, found {len(runs)}"
    return runs[0]


def rows(run: Any) -> list[dict[str, Any]]:
    """All history rows of a stored run, in step order."""
    return sorted(run.scan_history(), key=lambda row: row["_step"])


def histogram_keys(row: dict[str, Any]) -> set[str]:
    return {k for k, v in row.items() if isinstance(v, dict) and v.get("_type") == "histogram"}


def has_artifacts() -> bool:
    """Whether this build has artifacts (they come with their own issue)."""
    import importlib.util

    return importlib.util.find_spec("tracklab.sdk.artifacts") is not None


def stored_artifact(name: str, type: str | None = None) -> Any:
    """`Api().artifact(name, type)`, through the artifacts package while the Api lacks it."""
    import tracklab

    api = tracklab.Api()
    if hasattr(api, "artifact"):
        return api.artifact(name, type=type)
    from tracklab.sdk.artifacts import api_artifacts

    return api_artifacts.artifact(api, name, type)


def run_both(script: str, project: str, tmp_path: Path, tracklab_script: str | None = None) -> tuple[dict, Any, list]:
    """Run `script` under wandb offline (the oracle) and under the stand-in (`tracklab_script` if
    given); returns the oracle's record, TrackLab's only run of `project` and its history rows."""
    from tests._wandb_offline import run_wandb_offline

    oracle = run_wandb_offline(script, tmp_path / "oracle")
    work = tmp_path / "work"
    work.mkdir(exist_ok=True)
    run_standin(tracklab_script or script, work)
    run = only_run(project)
    return oracle, run, rows(run)


def plain(record: dict) -> dict:
    """A history row, summary or config without wandb's bookkeeping keys (`_step`, `_wandb`, ...)."""
    return {k: v for k, v in record.items() if not k.startswith("_")}
