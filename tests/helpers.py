"""Helpers for tests: run snippets in fresh interpreters, read runs with plain MLflow."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]


def run_python(code: str, cwd: Path | str, env: dict[str, str] | None = None, timeout: float = 120,
               check: bool = True) -> subprocess.CompletedProcess:
    """Run a snippet in a fresh interpreter with this repo importable."""
    proc = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], cwd=str(cwd), env=python_env(env),
                          capture_output=True, text=True, timeout=timeout)
    if check and proc.returncode != 0:
        raise AssertionError(f"snippet failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}")
    return proc


def mlflow_client(root: Path) -> Any:
    from mlflow.tracking import MlflowClient

    return MlflowClient(tracking_uri=f"sqlite:///{root / 'mlflow.db'}")


def stored_run(root: Path, project: str, run_id: str) -> Any:
    """The MLflow run of a TrackLab run, read with plain MLflow."""
    client = mlflow_client(root)
    experiment = client.get_experiment_by_name(project)
    assert experiment is not None, f"no experiment {project!r}"
    found = client.search_runs([experiment.experiment_id], filter_string=f"tags.`tracklab.run_id` = '{run_id}'")
    assert len(found) == 1, f"expected one run {run_id}, found {len(found)}"
    return found[0]


def python_env(env: dict[str, str] | None = None) -> dict[str, str]:
    full_env = dict(os.environ)
    full_env["PYTHONPATH"] = os.pathsep.join([str(REPO), full_env.get("PYTHONPATH", "")])
    full_env.update(env or {})
    return full_env


def start_python(code: str, cwd: Path | str, env: dict[str, str] | None = None, **popen: Any) -> subprocess.Popen:
    """Start a snippet in a fresh interpreter (stdout piped, text mode)."""
    return subprocess.Popen([sys.executable, "-c", textwrap.dedent(code)], cwd=str(cwd), env=python_env(env),
                            stdout=subprocess.PIPE, text=True, **popen)


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_up(port: int, server: subprocess.Popen, timeout: float = 180, what: str = "the MLflow server") -> None:
    """Wait until the server on `port` answers `/health` (fail at once if its process exits)."""
    import time
    import urllib.request

    deadline = time.time() + timeout
    while time.time() < deadline:
        assert server.poll() is None, f"{what} exited"
        try:
            if urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2).status == 200:
                return
        except OSError:
            time.sleep(0.3)
    raise AssertionError(f"{what} did not start")
