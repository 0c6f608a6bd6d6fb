"""Starting and stopping the `mlflow server --app-name tracklab` process."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
from typing import IO

from tracklab.backend.ui_registry import TRACKING_URI_ENV, ServerSpec

STOP_TIMEOUT = 10.0


def port_in_use(host: str, port: int) -> bool:
    """Whether something already listens on host:port (what uvicorn's bind would hit)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return True
    return False


def command(spec: ServerSpec) -> list[str]:
    """MLflow's own server command with our app, on absolute store and artifact paths."""
    return [
        sys.executable, "-m", "mlflow", "server",
        "--app-name", "tracklab",
        "--backend-store-uri", spec.tracking_uri,
        "--default-artifact-root", spec.artifact_root,
        "--no-serve-artifacts",
        "--host", spec.host,
        "--port", str(spec.port),
        "--workers", str(spec.workers),
    ]


def environment(spec: ServerSpec) -> dict[str, str]:
    """The server's environment: MLflow's job runner and telemetry off, our store named."""
    env = dict(os.environ)
    env.update({
        "MLFLOW_SERVER_ENABLE_JOB_EXECUTION": "false",  # no huey consumers writing to the SQLite file
        "MLFLOW_DISABLE_TELEMETRY": "true",
        "DO_NOT_TRACK": "true",
        TRACKING_URI_ENV: spec.tracking_uri,
        "PYTHONUNBUFFERED": "1",
    })
    env.pop("MLFLOW_TRACKING_URI", None)
    if spec.run_root:
        env["TRACKLAB_DIR"] = spec.run_root  # sweeps and caches of that folder, as its runs see them
    return env


def prepare_store(spec: ServerSpec) -> None:
    """Create a local SQLite store (WAL, TrackLab's page size) if it does not exist yet."""
    if spec.db_path:
        from tracklab.backend.store_setup import ensure_sqlite_store

        ensure_sqlite_store(spec.db_path, spec.artifact_root)


def start(spec: ServerSpec, output: IO | int | None = None) -> subprocess.Popen:
    """Start the server in its own process group (so it can be stopped as a whole)."""
    return subprocess.Popen(command(spec), env=environment(spec), stdin=subprocess.DEVNULL, stdout=output,
                            stderr=subprocess.STDOUT if output is not None else None, start_new_session=True)


def stop(proc: subprocess.Popen, timeout: float = STOP_TIMEOUT) -> None:
    """SIGTERM the server's process group, then SIGKILL what is left after `timeout`."""
    if proc.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            pass
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)  # uvicorn workers that outlived the parent
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(timeout)
