"""Where sweeps live: an optuna storage beside the MLflow store, never inside it.

Default: a journal file `$TRACKLAB_DIR/sweeps/optuna.journal`, which several agent processes on
one machine share safely. `TRACKLAB_SWEEP_STORAGE` picks another: an optuna RDB URL
(`postgresql://...`, `mysql://...`, `sqlite:///other.db`) for agents on several machines, or the
path of a journal file.
"""

from __future__ import annotations

import contextlib
import fcntl
import functools
import os
from typing import Any, Iterator

from tracklab.backend import location
from tracklab.errors import UsageError

STORAGE_ENV = "TRACKLAB_SWEEP_STORAGE"
JOURNAL_NAME = "optuna.journal"


def sweeps_dir() -> str:
    """`$TRACKLAB_DIR/sweeps`: the default journal, locks and per-trial parameter files."""
    return os.path.join(location.tracklab_dir(), "sweeps")


def storage_url() -> str:
    """The configured storage: an RDB URL or `journal:<absolute path>`."""
    value = os.environ.get(STORAGE_ENV, "").strip()
    if not value:
        return "journal:" + os.path.join(sweeps_dir(), JOURNAL_NAME)
    if value.startswith("journal:"):
        value = value[len("journal:"):]
        value = value[2:] if value.startswith("//") else value
        return "journal:" + os.path.abspath(os.path.expanduser(value))
    if "://" in value:
        _refuse_mlflow_db(value)
        return value
    return "journal:" + os.path.abspath(os.path.expanduser(value))


def _refuse_mlflow_db(url: str) -> None:
    db = location.sqlite_path(url)
    if db is None:
        return
    tracking_db = location.sqlite_path(location.resolve_tracking_uri())
    same = tracking_db and os.path.abspath(db) == os.path.abspath(tracking_db)
    if same or os.path.basename(db) == location.DB_NAME:
        raise UsageError(
            f"{STORAGE_ENV}={url!r} names the MLflow store: optuna and MLflow both keep an "
            "`alembic_version` table, so they must not share a database file; use another file "
            f"(the default is {os.path.join(sweeps_dir(), JOURNAL_NAME)})"
        )


class _FlockLock:
    """The journal's lock (optuna calls `acquire`/`release`): an flock the kernel drops when its
    holder dies, where optuna's default symlink lock makes the others wait out 30 s after a SIGKILL."""

    def __init__(self, path: str) -> None:
        self._path = path + ".lock"
        self._fd: int | None = None

    def acquire(self) -> bool:
        fd = os.open(self._path, os.O_RDWR | os.O_CREAT, 0o644)
        fcntl.flock(fd, fcntl.LOCK_EX)
        self._fd = fd
        return True

    def release(self) -> None:
        fd, self._fd = self._fd, None
        if fd is not None:
            fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)


@functools.lru_cache(maxsize=8)
def _open(url: str) -> Any:
    import optuna

    if url.startswith("journal:"):
        from optuna.storages.journal import JournalFileBackend, JournalStorage

        path = url[len("journal:"):]
        os.makedirs(os.path.dirname(path), exist_ok=True)
        return JournalStorage(JournalFileBackend(path, lock_obj=_FlockLock(path)))
    return optuna.storages.get_storage(url)


def get_storage() -> Any:
    """The optuna storage object for the current configuration (one per URL and process)."""
    return _open(storage_url())


def describe() -> str:
    """Where the sweeps are, for messages (`optuna-dashboard` takes the same)."""
    url = storage_url()
    return url[len("journal:"):] if url.startswith("journal:") else url


def trial_files_dir(sweep_id: str) -> str:
    """Where a sweep's per-trial parameter files go (wandb's `wandb/sweep-<id>/`)."""
    return os.path.join(sweeps_dir(), f"sweep-{sweep_id}")


@contextlib.contextmanager
def claim_lock(sweep_id: str) -> Iterator[None]:
    """Serialise 'is there room for another trial? take it' among this machine's agents."""
    from tracklab.backend.store_setup import file_lock

    with file_lock(os.path.join(sweeps_dir(), "locks", f"{sweep_id}.lock")):
        yield
