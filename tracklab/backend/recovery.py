"""Finding runs nobody finished: their training process died (and maybe their writer too).

The next writer to start, `tracklab sync` and `tracklab ui` call `recover_orphans`, which loads
what each such run log holds and marks the run killed. Only runs that were logging to the
store in question are taken; offline runs are left alone (the user loads them with
`tracklab sync` when they choose to).
"""

from __future__ import annotations

import logging
from typing import Any, Callable, Iterator

from tracklab.backend import location, runlog
from tracklab.backend.run_folder import RunFolder, iter_run_folders

logger = logging.getLogger("tracklab")


def _header(folder: RunFolder) -> dict[str, Any]:
    try:
        records, _ = runlog.read_records(folder.log_path, 0, max_bytes=1 << 20)
    except OSError:
        return {}
    return next((payload for kind, payload in records if kind == runlog.HEADER), {})


def belongs_to(folder: RunFolder, tracking_uri: str, root: str | None = None) -> bool:
    """Whether the run was logging to this store."""
    states = folder.all_sync_states()
    if states:
        return tracking_uri in states
    if _header(folder).get("mode") == "offline":
        return False
    return tracking_uri == location.default_tracking_uri(root)


def orphaned_folders(tracking_uri: str, root: str | None = None, skip: str | None = None) -> Iterator[RunFolder]:
    """Runs of this store that are not complete and whose training process is gone."""
    for folder in iter_run_folders(root):
        try:
            if folder.path == skip or folder.is_complete(tracking_uri) or folder.is_owned_by_live_process():
                continue
            if belongs_to(folder, tracking_uri, root):
                yield folder
        except OSError:
            continue


def recover_orphans(tracking_uri: str, root: str | None = None, skip: str | None = None,
                    report: Callable[[str], None] | None = None) -> list[tuple[str, str]]:
    """Load every orphaned run into the store; return [(folder, outcome)]."""
    from tracklab.backend.writer import sync_folder

    outcomes = []
    for folder in orphaned_folders(tracking_uri, root, skip):
        try:
            outcome = sync_folder(folder, tracking_uri, root, wait_for_writer=0)
        except Exception as exc:  # one broken folder must not stop the others
            outcome = f"failed: {exc}"
            logger.warning("tracklab: could not recover %s: %s", folder.path, exc)
        outcomes.append((folder.path, outcome))
        if report is not None:
            report(f"loaded interrupted run {folder.path}: {outcome}")
    return outcomes
