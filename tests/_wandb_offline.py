"""Run a snippet under the real wandb (offline) and read back what it recorded.

This is the oracle for TrackLab's differential tests: the same logging code is run
under wandb 0.31 offline and under TrackLab, and the two records are compared.

wandb 0.31 no longer ships a Python reader for its transaction log (the old
`wandb.sdk.internal.datastore` went away with the Go core), so the small
LevelDB-style log reader lives in the product (`tracklab.wandb_import.run_file`);
the records are decoded with the message schema the installed wandb ships
(`wandb_internal.Record`), read from its files, not imported.

Usage::

    from tests._wandb_offline import run_wandb_offline

    def test_x(tmp_path):
        out = run_wandb_offline(
            '''
            import wandb
            run = wandb.init(project="p")
            wandb.log({"a": 1})
            wandb.finish()
            ''',
            tmp_path,
        )
        assert out["history"][0]["a"] == 1

The snippet is dedented, written to `<tmp_path>/wandb_snippet.py` and run with the
current interpreter in `<tmp_path>` as working directory. It must import `wandb`
itself. Whatever the snippet needs (inputs, helper modules) should be passed by
absolute path or through `extra_env`.
"""

from __future__ import annotations

import glob
import os
import sys
import textwrap
from collections.abc import Mapping
from pathlib import Path
from typing import Any

__all__ = [
    "WandbOfflineError",
    "iter_records",
    "read_run_file",
    "run_wandb_offline",
    "strip_volatile",
]

from tracklab.wandb_import.run_file import (  # noqa: E402 - the reader lives in the product
    VOLATILE_KEYS,  # noqa: F401 - re-exported for the tests
    WandbRunFileError,
    iter_records,
    read_run_file,
    strip_volatile,
)

from tests import helpers  # noqa: E402


class WandbOfflineError(WandbRunFileError):
    """The wandb snippet failed, or its run file could not be found or read."""


def _clean_env(base: Mapping[str, str]) -> dict[str, str]:
    # Inherited WANDB_* variables (a developer's WANDB_MODE=online, a project
    # name, an API key) must not leak into the oracle run.
    return {k: v for k, v in base.items() if not k.startswith("WANDB_")}


def run_wandb_offline(
    script: str,
    tmp_path: str | os.PathLike[str],
    *,
    strip_internal: bool = True,
    flatten: bool = True,
    timeout: float = 300,
    extra_env: Mapping[str, str] | None = None,
    python: str | None = None,
) -> dict[str, Any]:
    """Run `script` with real wandb offline in a subprocess and parse its run.

    Every wandb folder (WANDB_DIR, WANDB_CONFIG_DIR, WANDB_CACHE_DIR,
    WANDB_DATA_DIR) lives under `tmp_path`; WANDB_MODE=offline and
    WANDB_SILENT=true. `python` picks the interpreter (default: this one, or
    $TRACKLAB_WANDB_PYTHON where real wandb lives elsewhere).

    Returns the dict of `read_run_file` for the last run the script created,
    plus:

    - ``files_dir``: the run's `files/` folder (media land in `files/media/...`),
    - ``run_dir``: the `offline-run-...` folder,
    - ``runs``: one such dict per run the script created, oldest first,
    - ``stdout`` / ``stderr``: the snippet's output.

    Raises `WandbOfflineError` when the snippet exits non-zero or made no run.
    """
    tmp = Path(tmp_path)
    tmp.mkdir(parents=True, exist_ok=True)
    root = tmp / "wandb_root"
    for sub in ("", "config", "cache", "data"):
        (root / sub).mkdir(parents=True, exist_ok=True)
    snippet = tmp / "wandb_snippet.py"
    snippet.write_text(textwrap.dedent(script), encoding="utf-8")

    env = _clean_env(os.environ)
    env.update(
        {
            "WANDB_MODE": "offline",
            "WANDB_SILENT": "true",
            "WANDB_DIR": str(root),
            "WANDB_CONFIG_DIR": str(root / "config"),
            "WANDB_CACHE_DIR": str(root / "cache"),
            "WANDB_DATA_DIR": str(root / "data"),
            "WANDB_DISABLE_GIT": "true",
            "WANDB_DISABLE_CODE": "true",
            "PYTHONDONTWRITEBYTECODE": "1",
        }
    )
    if extra_env:
        env.update(extra_env)
    interpreter = python or os.environ.get("TRACKLAB_WANDB_PYTHON") or sys.executable

    proc = helpers.run(
        [interpreter, str(snippet)],
        cwd=str(tmp),
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if proc.returncode != 0:
        raise WandbOfflineError(
            f"wandb snippet exited {proc.returncode}\n--- stdout\n{proc.stdout}\n--- stderr\n{proc.stderr}"
        )

    run_dirs = sorted(glob.glob(str(root / "wandb" / "offline-run-*")))
    runs = []
    for run_dir in run_dirs:
        files = glob.glob(os.path.join(run_dir, "run-*.wandb"))
        if not files:
            continue
        parsed = read_run_file(files[0], strip_internal=strip_internal, flatten=flatten)
        parsed["files_dir"] = os.path.join(run_dir, "files")
        parsed["run_dir"] = run_dir
        runs.append(parsed)
    runs.sort(key=lambda r: (r["start_time"], r["run_dir"]))
    if not runs:
        raise WandbOfflineError(
            f"wandb snippet made no offline run under {root}\n--- stderr\n{proc.stderr}"
        )
    result = dict(runs[-1])
    result["runs"] = runs
    result["stdout"] = proc.stdout
    result["stderr"] = proc.stderr
    return result
