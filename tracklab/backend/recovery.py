"""Finding runs nobody finished: their training process died (and maybe their writer too).

The next writer to start, `tracklab sync` and `tracklab ui` call `recover_orphans`, which loads
what each such run log holds and marks the run killed. Offline runs are left alone: the user
loads them with `tracklab sync` when they choose to.
"""

from __future__ import annotations

import json
import logging
from typing import Iterator

from tracklab.backend import runlog
from tracklab.backend.run_folder import RunFolder, iter_run_folders

logger = logging.getLogger("tracklab")


def _mode(folder: RunFolder) -> str | None:
    try:
        with open(folder.log_path, "rb") as handle:
            first = handle.readline()
    except OSError:
        return None
    if not first.startswith(runlog.HEADER.encode()):
        return None
    try:
        return json.loads(first[1:]).get("mode")
    except ValueError:
        return None


def orphaned_folders(tracking_uri: str, root: str | None = None, skip: str | None = None) -> Iterator[RunFolder]:
    """Online runs not complete in `tracking_uri` whose training process is gone."""
    for folder in iter_run_folders(root):
        if folder.path == skip or folder.is_complete(tracking_uri):
            continue
        if _mode(folder) == "offline" or folder.is_owned_by_live_process():
            continue
        yield folder


def recover_orphans(tracking_uri: str, root: str | None = None, skip: str | None = None) -> list[str]:
    """Load every orphaned run into the store; return the folders handled."""
    from tracklab.backend.writer import sync_folder

    done = []
    for folder in orphaned_folders(tracking_uri, root, skip):
        try:
            outcome = sync_folder(folder, tracking_uri, root, wait_for_writer=0)
        except Exception:  # one broken folder must not stop the others
            logger.exception("tracklab: could not recover %s", folder.path)
            continue
        if outcome == "synced":
            done.append(folder.path)
    return done
