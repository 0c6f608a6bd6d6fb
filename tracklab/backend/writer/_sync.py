"""One writer per run folder, and loading a whole folder in-process (`tracklab sync`, recovery,
runs `Api` creates)."""

from __future__ import annotations

import contextlib
import fcntl
import os
import time
from typing import Iterator

from tracklab.backend.run_folder import RunFolder
from tracklab.backend.writer._run_writer import RunWriter

WRITER_LOCK = "writer.lock"


@contextlib.contextmanager
def writer_lock(folder: RunFolder, wait: bool = True) -> Iterator[bool]:
    """One writer per run folder at a time; yields False when `wait` is off and it is taken."""
    fd = os.open(os.path.join(folder.path, WRITER_LOCK), os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        except BlockingIOError:
            yield False
            return
        yield True
    finally:
        os.close(fd)


def sync_folder(folder: RunFolder, tracking_uri: str, root: str | None = None,
                give_up_after: float | None = 60.0, wait_for_writer: float = 30.0) -> str:
    """Load a run folder into a store (offline runs, crashed runs, another URI).

    A live writer may still hold the run (it retries a store that was down): wait for it a
    while. Returns "synced", "partial" (the run is still live elsewhere) or "busy".
    """
    deadline = time.time() + wait_for_writer
    while True:
        with writer_lock(folder, wait=False) as got:
            if got:
                outcome = _sync_locked(folder, tracking_uri, root, give_up_after)
                from tracklab.backend.artifact_store._staging import sync_staged

                sync_staged(folder.path, tracking_uri)  # artifacts an offline run logged
                return outcome
        if folder.is_complete(tracking_uri):
            return "synced"  # a live writer stored the whole run and is closing the store
        if time.time() > deadline:
            return "busy"
        time.sleep(0.5)


def _sync_locked(folder: RunFolder, tracking_uri: str, root: str | None, give_up_after: float | None) -> str:
    if folder.is_complete(tracking_uri):
        return "synced"
    writer = RunWriter(folder, tracking_uri, root=root)
    give_up_at = None if give_up_after is None else time.time() + give_up_after
    try:
        while writer.step(give_up_at):
            pass
        state = writer.ended_state()
        if state is None and folder.is_owned_by_live_process():
            writer.publish(give_up_at)
            return "partial"
        writer.finalize(state or "killed", give_up_at)
        return "synced"
    finally:
        writer.close()
