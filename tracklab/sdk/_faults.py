"""What a run says when its store or its disk fails it: one rule for every fault.

- `init()`: a store that cannot be used (not a database, another program's, an MLflow schema the
  installed MLflow cannot use, moved, no permission) is one ERROR naming the store, the cause and
  the fix. The run goes on in its local run folder (no writer, no link to a run the store lacks)
  and `tracklab sync <folder>` loads it once the store is fixed.
- during the run: each fault (the run log, the console copy or the run's files cannot be written,
  the writer stopped for good) is one WARNING, never an exception; training goes on.
- `finish()`: when the store does not hold the whole run, one summary: what the store holds, what
  only the local run log holds, what could not be written, artifact versions left in the run
  folder, and the command that completes it.

Every one of them is shown even when warnings are silenced (`_terminal.data_at_risk`): silence
hides chatter, not news about the user's data. docs/troubleshooting.md has the matrix.
"""

from __future__ import annotations

import errno
import os
import threading
from typing import TYPE_CHECKING, Any

from tracklab.backend import runlog

if TYPE_CHECKING:
    from tracklab.sdk.wandb_run import Run

_said_lock = threading.Lock()
_DISK_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EACCES, errno.EPERM, errno.EROFS})


def _once(run: Run, key: Any) -> bool:
    """True the first time `key` is said for this run."""
    with _said_lock:
        said = run.__dict__.setdefault("_faults_said", set())
        if key in said:
            return False
        said.add(key)
        return True


def _show(text: str, error: bool = False) -> None:
    from tracklab.sdk import _terminal

    _terminal.data_at_risk(text, error=error)


def _sync_command(run: Run) -> str:
    return f"`tracklab sync {run._folder.path}`"


def store_problem(settings: Any) -> str | None:
    """Why the run's store cannot be used (with the fix), for a local SQLite store; else None."""
    from tracklab.backend import location, store_setup

    db_path = location.sqlite_path(settings.tracking_uri)
    return store_setup.store_problem(db_path) if db_path is not None else None


def store_unusable_at_init(run: Run) -> None:
    """init(): the one message for a store that cannot take the run."""
    _show(f"{run._store_problem}. This run is kept in its local run folder {run._folder.path}; once the store "
          f"is fixed, {_sync_command(run)} loads it into the store.", error=True)


def run_folder_error(path: str, exc: OSError) -> Exception:
    """init(): the run folder cannot be created or written (a clear error instead of a trace)."""
    from tracklab.errors import Error

    return Error(f"init: cannot write the run folder {path} ({exc.strerror or exc}); free space there or make "
                 "it writable, or point TRACKLAB_DIR (or dir=) at a folder this user can write")


def is_disk_fault(exc: OSError) -> bool:
    """A full disk or a place this user may not write (not a missing file or a bad argument)."""
    return exc.errno in _DISK_ERRNOS


def on_runlog_fault(run: Run, exc: OSError) -> None:
    """The run log cannot be written (once per kind of error): training goes on."""
    if not _once(run, ("runlog", exc.errno)):
        return
    mib = runlog.MAX_HELD_BYTES // (1024 * 1024)
    _show(f"cannot write the run log {run._folder.log_path} ({exc.strerror or exc}); training goes on, and new "
          f"steps wait in memory (up to {mib} MB) until it can be written again: free space on that disk or "
          "make the folder writable. Everything logged before is kept.")


def on_console_fault(run: Run, exc: OSError) -> None:
    """output.log cannot be written: console capture stops (the terminal still shows it); once."""
    if _once(run, "console"):
        _show(f"cannot write the console copy {run._folder.files_dir}/output.log ({exc.strerror or exc}); "
              "the console is no longer copied into the run (the terminal still shows it).")


def on_media_fault(run: Run, exc: OSError, key: str) -> bool:
    """A logged media value (or the code copy) could not be written into the run's files: left
    out (a media value becomes None at its step), said once per kind of error. Returns False for
    errors that are not the disk's."""
    if not is_disk_fault(exc):
        return False
    if _once(run, ("media", exc.errno)):
        _show(f"cannot write the run's files into {run._folder.files_dir} ({exc.strerror or exc}); training goes "
              f"on, and what does not fit (first: {key!r}) is left out until the disk takes it again: free "
              "space on that disk or make the folder writable.")
    return True


def on_writer_stopped(run: Run, why: str) -> None:
    """The writer stopped for good mid-run (a store that will not heal): once."""
    if not _once(run, "writer"):
        return
    _show(f"the store stopped taking this run: {why}. Training goes on, and its run folder {run._folder.path} "
          f"keeps every step: {_sync_command(run)} loads them (once the cause is fixed).")


def check_writer(run: Run) -> None:
    """A look at the writer's pipe (from the run log's flush thread): did it stop for good?"""
    writer = run._writer
    if writer is None or run._finished:
        return
    why = writer.failure()
    if why is not None:
        on_writer_stopped(run, why)


def _count_rows(path: str, offset: int) -> tuple[int, int]:
    """History rows in the run log before and from `offset`."""
    before = after = 0
    position = 0
    mark = runlog.HISTORY.encode()
    try:
        with open(path, "rb") as handle:
            for line in handle:
                if line.startswith(mark) and line.endswith(b"\n"):
                    if position < offset:
                        before += 1
                    else:
                        after += 1
                position += len(line)
    except OSError:
        pass
    return before, after


def _staged_count(run: Run) -> int:
    """Artifact versions the run left in its folder because the store could not take them."""
    try:
        return sum(name.endswith(".json") for name in os.listdir(run._folder.staged_artifacts_dir))
    except OSError:
        return 0


def finish_summary(run: Run, stored: bool, waited: float | None) -> bool:
    """finish(): say what the store holds and what it lacks, when it lacks anything.

    `stored`: the writer said the whole run is in the store. Returns True when a summary was
    shown (the run is not complete in the store)."""
    log = run._runlog
    unwritten = (log.held_rows() + log.dropped_rows) if log is not None else 0
    if run._offline:  # nothing goes to a store now: only what the disk could not take is news
        if unwritten:
            kept, _ = _count_rows(run._folder.log_path, 1 << 62)
            _show(f"offline run {run._id}: {unwritten} logged steps could not be written to the run log "
                  f"{run._folder.log_path} ({log.fault.strerror if log.fault else 'write failed'}) and are lost; "
                  f"the {kept} steps it holds load with {_sync_command(run)}.")
        return unwritten > 0
    writer_failure = run._writer.failure() if run._writer is not None else None
    staged = _staged_count(run)
    if stored and not unwritten and not run._store_problem and writer_failure is None and not staged:
        return False
    offset = run._writer.stored_offset if run._writer is not None else None
    if offset is None:  # the writer's word is exact; its saved progress may lag (a full disk)
        offset = int(run._folder.sync_state(run._settings.tracking_uri).get("offset", 0))
    in_store, only_local = _count_rows(run._folder.log_path, offset)
    if run._store_problem or writer_failure is not None:
        # The writer's word names the place and the fix; init's problem was said in full at init().
        cause = (f"the store stopped taking it: {writer_failure}" if writer_failure is not None
                 else run._store_problem.split("; ", 1)[0])
        head = f"run {run._id} is not complete in the store ({cause})"
        fix = f"{_sync_command(run)} loads the rest (once the cause is fixed)"
    elif not stored:
        pending = max(0, os.path.getsize(run._folder.log_path) - offset) if os.path.exists(run._folder.log_path) else 0
        head = f"the store did not take everything within {waited:.0f}s ({pending} bytes of the run log pending)"
        fix = f"the writer keeps trying in the background for up to 10 minutes, and {_sync_command(run)} completes it"
    elif staged and not unwritten:
        head = f"run {run._id} is in the store, but not its artifacts"
        fix = f"{_sync_command(run)} stores them (once the cause above is fixed)"
    else:
        head = f"run {run._id} is in the store, but not all that was logged"
        fix = "free space there and log those steps again if you need them"
        if staged:
            fix += f"; {_sync_command(run)} stores the artifacts"
    parts = [head, f"{in_store} steps are in the store, {only_local} only in the local run log {run._folder.log_path}"]
    if staged:
        parts.append(f"{staged} artifact version(s) wait in the run folder")
    if unwritten:
        parts.append(f"{unwritten} logged steps could not be written to the run log "
                     f"({log.fault.strerror if log.fault else 'write failed'}) and are lost")
    _show("; ".join(parts) + f"; {fix}.")
    return True


def guarded(run: Run, what: str, action: Any, *args: Any) -> Any:
    """finish(): one step of the end of the run; a disk fault is one warning, never a traceback."""
    try:
        return action(*args)
    except OSError as exc:
        if _once(run, ("finish", what, exc.errno)):
            _show(f"finish(): could not {what} ({exc.strerror or exc}); the rest of the run is kept.")
        return None
