"""Starting a live run's writer process (`python -m tracklab.backend.writer`), and waiting until
it says the run is stored. One process per run, so the training process never imports MLflow,
never waits on SQLite and keeps its memory flat (see docs/architecture.md)."""

from __future__ import annotations

import os
import select
import subprocess
import sys
import threading

#: What the writer says on its pipe: the run is in the store, or it stopped (and why).
STORED = "stored"
FAILED = "failed"


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
    """A live run's writer, and the pipe on which it says the run is in the store (or why not)."""

    def __init__(self, process: subprocess.Popen, stored_fd: int) -> None:
        self.process = process
        self._stored_fd = stored_fd
        self._lock = threading.Lock()
        #: The writer's last word: "stored", "failed <why>", or "" when it died without one.
        self.outcome: str | None = None
        #: How much of the run log the store holds, as the writer said at its end.
        self.stored_offset: int | None = None

    def poll(self, timeout: float = 0.0) -> str | None:
        """The writer's last word once it said it (see `outcome`); None while it still works."""
        with self._lock:  # the run log's flush thread looks, finish() waits: one at a time
            if self.outcome is None and self._stored_fd >= 0:
                ready, _, _ = select.select([self._stored_fd], [], [], timeout)
                if ready:
                    data = os.read(self._stored_fd, 4096)
                    os.close(self._stored_fd)
                    self._stored_fd = -1
                    word, _, rest = data.decode("utf-8", "replace").strip().partition(" ")
                    offset, _, why = rest.partition(" ")
                    if offset.isdigit():
                        self.stored_offset = int(offset)
                    self.outcome = f"{word} {why}".strip()
            return self.outcome

    def failure(self) -> str | None:
        """Why the writer stopped before the run was stored, once it has; else None."""
        outcome = self.poll()
        if outcome is None or outcome == STORED:
            return None
        return outcome[len(FAILED):].strip() if outcome.startswith(FAILED) else \
            f"the writer process ended unexpectedly (exit status {self.process.poll()})"

    def say_end(self, record: dict | None) -> None:
        """Close the writer's stdin, first telling it the run's end (`record`) when the run log
        could not take its exit record (a full disk): the writer still ends the run now, with
        its real state, instead of waiting for the training process to exit."""
        import json

        stdin = self.process.stdin
        if stdin is None:
            return
        try:
            if record is not None:
                stdin.write((json.dumps(record) + "\n").encode())
            stdin.close()
        except (OSError, ValueError):  # the writer is gone: `tracklab sync` ends the run
            pass

    def wait_stored(self, timeout: float) -> bool:
        """Wait until the writer has stored the run (or stopped); False when `timeout` ran out.

        The writer says so before it closes the store, so finish() does not wait for SQLite's
        final checkpoint or the writer's exit."""
        return self.poll(timeout) is not None


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
            stdin=subprocess.PIPE,  # say_end; EOF when the training process is gone
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
