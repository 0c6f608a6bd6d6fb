"""Helpers for the command-line tests: run `tracklab ...` in a fresh interpreter, make real runs."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

from tests import helpers
from tests.helpers import python_env, run_python


def tl(*args: str, cwd: Path | str, env: dict[str, str] | None = None, check: bool = True,
       stdin: str | None = None, timeout: float = 240) -> subprocess.CompletedProcess:
    """`tracklab ARGS` in `cwd` (stdout and stderr piped, so progress bars stay off)."""
    proc = helpers.run([sys.executable, "-m", "tracklab.cli", *args], cwd=str(cwd), env=python_env(env),
                       capture_output=True, text=True, timeout=timeout, input=stdin if stdin is not None else "")
    if check:
        assert proc.returncode == 0, f"tracklab {' '.join(args)} failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}"
    return proc


def make_run(cwd: Path, project: str = "cli", extra: str = "", mode: str = "online") -> str:
    """A finished run with a config, 3 history rows, a saved file and an image; returns its id.

    `extra` is code run before `finish()` (with `run` and `tracklab` in scope)."""
    extra = textwrap.indent(textwrap.dedent(extra), " " * 8).strip()
    proc = run_python(f"""
        import numpy as np
        import tracklab
        run = tracklab.init(project={project!r}, mode={mode!r}, config={{"lr": 0.25}})
        for step in range(3):
            run.log({{"loss": 1.0 / (step + 1)}})
        run.log({{"picture": tracklab.Image(np.zeros((4, 4, 3), dtype="uint8"))}})
        with open("notes.txt", "w") as handle:
            handle.write("saved by the run")
        run.save("notes.txt", policy="now")
        {extra}
        run.finish()
        print("RUN_ID", run.id)
    """, cwd=cwd)
    return proc.stdout.split("RUN_ID", 1)[1].split()[0]
