"""`tracklab ui` loads runs whose process died without finishing (tracklab.backend.recovery),
in a background thread, as the next TrackLab process would."""

from __future__ import annotations

import threading
from collections.abc import Callable

from tracklab.backend.recovery import recover_orphans


def start_thread(tracking_uri: str, root: str | None = None,
                 report: Callable[[str], None] | None = None) -> threading.Thread:
    thread = threading.Thread(target=recover_orphans, args=(tracking_uri, root, None, report),
                              name="tracklab-ui-orphans", daemon=True)
    thread.start()
    return thread
