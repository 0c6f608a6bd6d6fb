"""The writer process of a live run: `python -m tracklab.backend.writer FOLDER`.

Started by `tracklab.backend.writer_process` when `init()` starts a run; it follows the run log
until the run ends (or its training process dies), says "stored" on a pipe, then leaves.
"""

from __future__ import annotations

import argparse
import contextlib
import errno
import logging
import os
import sys
import threading
import time

from tracklab.backend import location
from tracklab.backend.run_folder import RunFolder
from tracklab.backend.writer._run_writer import RunWriter
from tracklab.backend.writer._sync import writer_lock
from tracklab.backend.writer_process import FAILED, STORED

logger = logging.getLogger("tracklab.writer")


def _warm_imports() -> None:
    import yaml  # noqa: F401


def _start_orphan_recovery(tracking_uri: str, own_folder: str) -> None:
    """Finish runs whose processes died, in the background (the next TrackLab process does it)."""
    from tracklab.backend.recovery import recover_orphans

    def recover() -> None:
        time.sleep(1.0)  # let our own run get going first
        recovered = [path for path, outcome in recover_orphans(tracking_uri, skip=own_folder) if outcome == "synced"]
        if recovered:
            logger.info("tracklab writer: recovered %d orphaned run(s)", len(recovered))

    threading.Thread(target=recover, name="tracklab-recovery", daemon=True).start()


def _say(fd: int | None, word: str) -> None:
    """Tell the training process how the run ended here (writer_process.STORED / FAILED)."""
    if fd is None:
        return
    try:
        os.write(fd, word.replace("\n", " ").encode("utf-8", "replace")[:4000] + b"\n")
        os.close(fd)
    except OSError:  # the training process is gone
        pass


def _why(exc: Exception) -> str:
    """One line for the training process: what failed, where, and the fix when we know it."""
    if getattr(exc, "retryable", True) is False:
        return str(exc)  # these name the store and the fix themselves
    if isinstance(exc, OSError) and exc.filename:
        fix = ("free space there" if exc.errno in (errno.ENOSPC, errno.EDQUOT)
               else "make it writable by this user" if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS) else "")
        return f"cannot write {exc.filename} ({exc.strerror})" + (f"; {fix}" if fix else "")
    return f"{type(exc).__name__}: {exc}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tracklab.backend.writer")
    parser.add_argument("folder")
    parser.add_argument("--tracking-uri", default=None)
    parser.add_argument("--parent-pid", type=int, default=None)
    parser.add_argument("--stored-fd", type=int, default=None,
                        help="a pipe to write one line to once the run is in the store")
    args = parser.parse_args(argv)
    # The writer retries the store itself (backoff, bounded by finish()); MLflow's own client
    # retries each HTTP request 7 times over ~2 minutes first, which would hold the run's points
    # behind one refused upload. Fewer, quicker tries here unless the user set their own.
    os.environ.setdefault("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "2")
    os.environ.setdefault("MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR", "1")
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    folder = RunFolder(args.folder)
    uri = location.resolve_tracking_uri(args.tracking_uri)
    _start_orphan_recovery(uri, folder.path)
    # The end of the run writes config.yaml: import yaml now, not while finish() waits.
    threading.Thread(target=_warm_imports, name="tracklab-imports", daemon=True).start()
    with writer_lock(folder):
        writer = RunWriter(folder, uri, parent_pid=args.parent_pid)
        if args.stored_fd is not None:  # started by a live run: its stdin carries say_end
            writer.end_fd = sys.stdin.fileno()
        try:
            state = writer.follow()
            # finish() waits on this, not on our exit: closing the store checkpoints the WAL
            # (up to ~80 MB, ~0.15 s) and needs nobody waiting.
            _say(args.stored_fd, f"{STORED} {writer.stored_offset}")
        except Exception as exc:  # a store that will not heal, or retries given up: say why, then stop
            why = _why(exc)
            logger.error("tracklab writer: stopped: %s; the run log keeps everything: `tracklab sync %s` "
                         "loads it once the store is fixed", why, folder.path,
                         exc_info=getattr(exc, "retryable", True) is not False)
            writer.abandon()
            _say(args.stored_fd, f"{FAILED} {writer.stored_offset} {why}")
            return 1
        finally:
            with contextlib.suppress(Exception):  # a full disk must not turn the end into a traceback
                writer.close()
    logger.info("tracklab writer: run %s ended (%s)", folder.path, state)
    return 0


if __name__ == "__main__":
    code = main()
    # The run is in the store: skip the interpreter's teardown (freeing the parser's and
    # pyarrow's memory, ~0.2 s), which `tracklab sync` right after finish() would wait for.
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)
