"""The writer process of a live run: `python -m tracklab.backend.writer FOLDER`.

Started by `tracklab.backend.writer_process` when `init()` starts a run; it follows the run log
until the run ends (or its training process dies), says "stored" on a pipe, then leaves.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import threading
import time

from tracklab.backend import location
from tracklab.backend.run_folder import RunFolder
from tracklab.backend.writer._run_writer import RunWriter
from tracklab.backend.writer._sync import writer_lock

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


def _say_stored(fd: int | None) -> None:
    if fd is None:
        return
    try:
        os.write(fd, b"stored\n")
        os.close(fd)
    except OSError:  # the training process is gone
        pass


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tracklab.backend.writer")
    parser.add_argument("folder")
    parser.add_argument("--tracking-uri", default=None)
    parser.add_argument("--parent-pid", type=int, default=None)
    parser.add_argument("--stored-fd", type=int, default=None,
                        help="a pipe to write one line to once the run is in the store")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    folder = RunFolder(args.folder)
    uri = location.resolve_tracking_uri(args.tracking_uri)
    _start_orphan_recovery(uri, folder.path)
    # The end of the run writes config.yaml: import yaml now, not while finish() waits.
    threading.Thread(target=_warm_imports, name="tracklab-imports", daemon=True).start()
    with writer_lock(folder):
        writer = RunWriter(folder, uri, parent_pid=args.parent_pid)
        try:
            state = writer.follow()
            # finish() waits on this, not on our exit: closing the store checkpoints the WAL
            # (up to ~80 MB, ~0.15 s) and needs nobody waiting.
            _say_stored(args.stored_fd)
        finally:
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
