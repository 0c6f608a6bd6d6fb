"""`InterfaceQueue`: wandb's in-process channel from a Run to its service. TrackLab's runs write
their own run log, so a run given one (`run._set_backend(...)`) keeps writing there and puts
nothing on the queue; the queue is kept for code that builds one."""

from __future__ import annotations

from queue import Queue
from typing import Any, Optional


class InterfaceQueue:
    """Holds `record_q` (and `result_q`); TrackLab sends no protocol records through it."""

    def __init__(self, record_q: Optional["Queue[Any]"] = None, result_q: Optional["Queue[Any]"] = None,
                 process: Any = None, mailbox: Any = None) -> None:
        self.record_q = record_q if record_q is not None else Queue()
        self.result_q = result_q if result_q is not None else Queue()
        self._process = process
