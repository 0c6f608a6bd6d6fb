"""Starting a live run's writer process (`python -m tracklab.backend.writer`), and waiting until
it says the run is stored. One process per run, so the training process never imports MLflow,
never waits on SQLite and keeps its memory flat (see docs/architecture.md)."""

from __future__ import annotations

import os
import select
import subprocess
import sys


def _package_parent() -> str:
    return os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def writer_command(run_folder: str, tracking_uri: str | None, parent_pid: int | None,
                   stored_fd: int | None = None) -> list[str]:
    command = [sys.executable, "-m", "tracklab.backend.writer", run_folder]
    if tracking_uri:
        command += ["--tracking-uri", tracking_uri]
    if parent_pid:
        command += ["--parent-pid", str(parent_pid)]
    if stored_fd is not None:
        command += ["--stored-fd", str(stored_fd)]
    return command


class WriterProcess:
    """A live run's writer, and the pipe on which it says the run is in the store."""

    def __init__(self, process: subprocess.Popen, stored_fd: int) -> None:
        self.process = process
        self._stored_fd = stored_fd

    def wait_stored(self, timeout: float) -> bool:
        """Wait until the writer has stored the run (or died); False when `timeout` ran out.

        The writer says so before it closes the store, so finish() does not wait for SQLite's
        final checkpoint or the writer's exit."""
        if self._stored_fd < 0:
            return True
        ready, _, _ = select.select([self._stored_fd], [], [], timeout)
        if not ready:
            return False
        os.read(self._stored_fd, 64)  # "stored", or b"" when the writer died first
        os.close(self._stored_fd)
        self._stored_fd = -1
        return True


def start_writer(run_folder: str, tracking_uri: str | None) -> WriterProcess:
    """Start the writer for a live run; it follows the run log until the run ends."""
    env = dict(os.environ)
    # The writer must import this same tracklab, also from a source checkout.
    env["PYTHONPATH"] = os.pathsep.join(p for p in (_package_parent(), env.get("PYTHONPATH")) if p)
    log = open(os.path.join(run_folder, "writer.log"), "ab")
    read_end, write_end = os.pipe()
    try:
        process = subprocess.Popen(
            writer_command(run_folder, tracking_uri, os.getpid(), write_end),
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=log,
            env=env,
            close_fds=True,
            pass_fds=(write_end,),
            start_new_session=True,  # Ctrl-C in the terminal must not kill the writer mid-batch
        )
    except BaseException:
        os.close(read_end)
        raise
    finally:
        log.close()
        os.close(write_end)
    return WriterProcess(process, read_end)
