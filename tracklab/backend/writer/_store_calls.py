"""The writer's store: opened on first use, every call retried with backoff.

A store that is down, locked, refusing or out of space only delays the writer. Once the
training process is gone nobody waits for it: the writer keeps trying a while (ORPHAN_LINGER,
docs/troubleshooting.md), then leaves the rest to `tracklab sync`. What will never heal by
waiting (a local store that is not a usable MLflow database, no permission) stops it at once.
"""

from __future__ import annotations

import contextlib
import errno
import logging
import time
from typing import Callable, TypeVar

from tracklab.backend import location, store_setup
from tracklab.backend.liveness import process_alive
from tracklab.backend.factory import open_store
from tracklab.backend.store import Store

logger = logging.getLogger("tracklab.writer")

MAX_BACKOFF = 10.0
ORPHAN_LINGER = 600.0
_PERMANENT_ERRNOS = frozenset({errno.EACCES, errno.EPERM, errno.EROFS})

_T = TypeVar("_T")


def will_not_heal(exc: BaseException) -> bool:
    """Whether retrying cannot help: a wrong configuration (its message says the fix), or no
    permission (nobody fixes it while we wait; `tracklab sync` after the fix)."""
    if not getattr(exc, "retryable", True):
        return True
    return isinstance(exc, OSError) and exc.errno in _PERMANENT_ERRNOS


class StoreCalls:
    """One tracking URI's store, reopened after a failed call."""

    def __init__(self, tracking_uri: str, root: str | None, parent_pid: int | None) -> None:
        self.tracking_uri = tracking_uri
        self.root = root
        self.parent_pid = parent_pid
        self._store: Store | None = None

    def get(self) -> Store:
        if self._store is None:
            db_path = location.sqlite_path(self.tracking_uri)
            if db_path is not None:
                store_setup.check_store(db_path)  # a broken file is said once, not retried
            self._store = open_store(self.tracking_uri, self.root)
        return self._store

    def retry(self, what: str, action: Callable[[], _T], give_up_at: float | None = None) -> _T:
        """`action()`, retried with backoff until it succeeds or `give_up_at` has passed."""
        delay = 0.1
        while True:
            try:
                return action()
            except Exception as exc:  # the store is down, locked or refusing: wait and retry
                if will_not_heal(exc):
                    raise
                if give_up_at is None and self.parent_pid and not process_alive(self.parent_pid):
                    # Nobody waits for us any more: keep trying a while, then leave it to `tracklab sync`.
                    give_up_at = time.time() + ORPHAN_LINGER
                if give_up_at is not None and time.time() > give_up_at:
                    raise
                logger.warning("tracklab writer: %s failed (%s); retrying in %.1fs", what, exc, delay)
                self.close()
                time.sleep(delay)
                delay = min(delay * 2, MAX_BACKOFF)

    def close(self) -> None:
        if self._store is not None:
            with contextlib.suppress(Exception):
                self._store.close()
        self._store = None
