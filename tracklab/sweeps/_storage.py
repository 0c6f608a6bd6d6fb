"""Where sweeps live: an optuna storage beside the MLflow store, never inside it.

Default: where the tracking URI points.
- a local store: a journal file `$TRACKLAB_DIR/sweeps/optuna.journal`, which several agent
  processes on one machine share safely;
- `http(s)://` (a `tracklab server`): the server's sweep journal, over HTTP (`_server_journal`);
- `postgresql://` (the team server's database): the journal table in that database (`_db_journal`),
  the same one the server serves.
`TRACKLAB_SWEEP_STORAGE` picks another: an optuna RDB URL (`postgresql://...`, `mysql://...`,
`sqlite:///other.db`) or the path of a journal file.
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
SERVER = "tracklab-server:"  # storage_url() of a tracking server's journal, over HTTP
DATABASE = "tracklab-db:"  # storage_url() of the journal table in a PostgreSQL tracking database

# The tracking URI whose sweeps this process serves (set by the server plugin), else None.
_bound_tracking_uri: str | None = None


def bind(tracking_uri: str) -> None:
    """Make this process's default sweep storage the one of `tracking_uri` (the server plugin
    calls it with its backend store, so the sweep view and the journal route read the same)."""
    global _bound_tracking_uri
    _bound_tracking_uri = tracking_uri


def sweeps_dir() -> str:
    """`$TRACKLAB_DIR/sweeps`: the default journal, locks and per-trial parameter files."""
    return os.path.join(location.tracklab_dir(), "sweeps")


def storage_url() -> str:
    """The configured storage: an RDB URL or `journal:<absolute path>`."""
    value = os.environ.get(STORAGE_ENV, "").strip()
    if not value:
        return _default_url(_bound_tracking_uri or location.resolve_tracking_uri())
    if value.startswith("journal:"):
        value = value[len("journal:"):]
        value = value[2:] if value.startswith("//") else value
        return "journal:" + os.path.abspath(os.path.expanduser(value))
    if "://" in value:
        _refuse_mlflow_db(value)
        return value
    return "journal:" + os.path.abspath(os.path.expanduser(value))


def _default_url(tracking_uri: str) -> str:
    from tracklab.backend import postgres_store

    if tracking_uri.startswith(("http://", "https://")):
        return SERVER + tracking_uri
    if postgres_store.is_postgres_uri(tracking_uri):
        return DATABASE + tracking_uri
    return "journal:" + os.path.join(sweeps_dir(), JOURNAL_NAME)


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
def _journal(url: str) -> Any:
    """The journal backend of a journal URL (None for an optuna RDB URL)."""
    if url.startswith(SERVER):
        from tracklab.sweeps._server_journal import ServerJournalBackend

        return ServerJournalBackend(url[len(SERVER):])
    if url.startswith(DATABASE):
        from tracklab.sweeps._db_journal import DatabaseJournalBackend

        return DatabaseJournalBackend(url[len(DATABASE):])
    if url.startswith("journal:"):
        from optuna.storages.journal import JournalFileBackend

        path = url[len("journal:"):]
        os.makedirs(os.path.dirname(path), exist_ok=True)
        return JournalFileBackend(path, lock_obj=_FlockLock(path))
    return None


@functools.lru_cache(maxsize=8)
def _open(url: str) -> Any:
    import optuna
    from optuna.storages.journal import JournalStorage

    backend = _journal(url)
    return JournalStorage(backend) if backend is not None else optuna.storages.get_storage(url)


def get_storage() -> Any:
    """The optuna storage object for the current configuration (one per URL and process)."""
    return _open(storage_url())


def journal_backend() -> Any:
    """The journal backend under this process's sweep storage, or None when it is not a journal
    (an optuna RDB URL): what the server plugin's journal route serves."""
    return _journal(storage_url())


def describe() -> str:
    """Where the sweeps are, for messages (`optuna-dashboard` takes the same)."""
    url = storage_url()
    if url.startswith(SERVER):
        return f"the tracking server {url[len(SERVER):]}"
    if url.startswith(DATABASE):
        return "the tracking database (table tracklab_sweep_journal)"
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
