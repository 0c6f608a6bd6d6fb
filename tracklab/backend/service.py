"""Starting the writer: a separate process per run, so the training process never imports
MLflow, never waits on SQLite and keeps its memory flat (see docs/architecture.md)."""

from __future__ import annotations

import os
import subprocess
import sys


def _package_parent() -> str:
    return os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def writer_command(run_folder: str, tracking_uri: str | None, parent_pid: int | None) -> list[str]:
    command = [sys.executable, "-m", "tracklab.backend.writer", run_folder]
    if tracking_uri:
        command += ["--tracking-uri", tracking_uri]
    if parent_pid:
        command += ["--parent-pid", str(parent_pid)]
    return command


def start_writer(run_folder: str, tracking_uri: str | None) -> subprocess.Popen:
    """Start the writer for a live run; it follows the run log until the run ends."""
    env = dict(os.environ)
    # The writer must import this same tracklab, also from a source checkout.
    env["PYTHONPATH"] = os.pathsep.join(p for p in (_package_parent(), env.get("PYTHONPATH")) if p)
    log = open(os.path.join(run_folder, "writer.log"), "ab")
    try:
        return subprocess.Popen(
            writer_command(run_folder, tracking_uri, os.getpid()),
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=log,
            env=env,
            close_fds=True,
            start_new_session=True,  # Ctrl-C in the terminal must not kill the writer mid-batch
        )
    finally:
        log.close()
