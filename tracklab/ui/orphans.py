"""Runs whose process died without finishing: `tracklab ui` marks them killed and loads what
their run log holds, in a background thread, as the next TrackLab process would."""

from __future__ import annotations

import logging
import threading
from typing import Callable

from tracklab.backend import location, runlog
from tracklab.backend.run_folder import RunFolder, iter_run_folders

logger = logging.getLogger("tracklab.ui")


def _header(folder: RunFolder) -> dict:
    try:
        records, _ = runlog.read_records(folder.log_path, 0, max_bytes=1 << 20)
    except Exception:
        return {}
    for kind, payload in records:
        if kind == runlog.HEADER:
            return payload
    return {}


def belongs_to(folder: RunFolder, tracking_uri: str, root: str | None) -> bool:
    """Whether the run was logging to this store (offline runs wait for `tracklab sync`)."""
    states = folder.all_sync_states()
    if tracking_uri in states:
        return True
    if states:
        return False
    if _header(folder).get("mode") == "offline":
        return False
    return tracking_uri == location.default_tracking_uri(root)


def orphaned(tracking_uri: str, root: str | None = None) -> list[RunFolder]:
    """Run folders of this store that are not complete and whose process is gone."""
    found = []
    for folder in iter_run_folders(root):
        try:
            if folder.is_complete(tracking_uri) or folder.is_owned_by_live_process():
                continue
            if belongs_to(folder, tracking_uri, root):
                found.append(folder)
        except OSError:
            continue
    return found


def sync_orphans(tracking_uri: str, root: str | None = None,
                 report: Callable[[str], None] | None = None) -> list[tuple[str, str]]:
    """Load every orphaned run into the store; [(folder, outcome)]."""
    from tracklab.backend.writer import sync_folder

    outcomes = []
    for folder in orphaned(tracking_uri, root):
        try:
            outcome = sync_folder(folder, tracking_uri, root=root)
        except Exception as exc:  # one bad folder must not stop the others
            outcome = f"failed: {exc}"
            logger.warning("tracklab ui: could not load %s: %s", folder.path, exc)
        outcomes.append((folder.path, outcome))
        if report is not None:
            report(f"loaded interrupted run {folder.path}: {outcome}")
    return outcomes


def start_thread(tracking_uri: str, root: str | None = None,
                 report: Callable[[str], None] | None = None) -> threading.Thread:
    thread = threading.Thread(target=sync_orphans, args=(tracking_uri, root, report),
                              name="tracklab-ui-orphans", daemon=True)
    thread.start()
    return thread
