"""Creating the local SQLite store safely: MLflow's own migrations race when several
processes open a new database at once, so creation happens under a file lock, once."""

from __future__ import annotations

import contextlib
import fcntl
import os
import sqlite3
from typing import Iterator

# Schema revisions whose tables the bulk writer has been checked against (MLflow 3.17).
KNOWN_REVISIONS = frozenset({"dc11669786a5"})
PAGE_SIZE = 16384


@contextlib.contextmanager
def file_lock(path: str) -> Iterator[None]:
    """An exclusive advisory lock on `path` (created if missing), held for the block."""
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


def schema_revision(db_path: str) -> str | None:
    """The alembic revision of an MLflow database, or None when it has none (yet)."""
    if not os.path.exists(db_path):
        return None
    try:
        with contextlib.closing(sqlite3.connect(db_path, timeout=30)) as conn:
            return revision_of(conn)
    except sqlite3.Error:
        return None


def revision_of(conn: sqlite3.Connection) -> str | None:
    """The alembic revision of an open MLflow database (raises sqlite3.Error when it has none)."""
    row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
    return row[0] if row else None


def is_known(revision: str | None) -> bool:
    """Whether TrackLab's SQL (the SQLite reader and writer) was checked against this schema revision."""
    return revision in KNOWN_REVISIONS


def ensure_sqlite_store(db_path: str, artifact_root: str) -> str:
    """Make sure an MLflow SQLite store exists at `db_path`; return its schema revision.

    Under the lock: a store at a revision we know is used as is; anything else (missing, empty,
    older) is created or upgraded by MLflow itself, exactly once.
    """
    db_path = os.path.abspath(db_path)
    revision = schema_revision(db_path)
    if revision in KNOWN_REVISIONS:
        return revision
    with file_lock(db_path + ".lock"):
        revision = schema_revision(db_path)
        if revision is None or revision not in KNOWN_REVISIONS:
            revision = _create(db_path, artifact_root)
        with contextlib.closing(sqlite3.connect(db_path, timeout=60)) as conn:
            # WAL lets the UI read while runs write; it persists in the file.
            conn.execute("PRAGMA journal_mode=WAL")
    return revision


def _create(db_path: str, artifact_root: str) -> str:
    """A new store from MLflow's schema script when it fits the installed MLflow (no MLflow
    import, ~0.1 s), else (or for an existing older store) with MLflow's migrations."""
    if not os.path.exists(db_path) or os.path.getsize(db_path) == 0:
        from tracklab.backend import store_schema

        script = store_schema.usable_script()
        if script is not None:
            store_schema.create(db_path, artifact_root, script, PAGE_SIZE)
            return schema_revision(db_path) or ""
    return _create_with_mlflow(db_path, artifact_root)


def _create_with_mlflow(db_path: str, artifact_root: str) -> str:
    import logging

    logging.getLogger("alembic").setLevel(logging.WARNING)
    from mlflow.store.tracking.sqlalchemy_store import SqlAlchemyStore

    os.makedirs(artifact_root, exist_ok=True)
    if not os.path.exists(db_path) or os.path.getsize(db_path) == 0:
        # Fix the page size before MLflow creates its tables: 16 KiB pages insert metrics
        # noticeably faster than SQLite's 4 KiB default (bench/), and it cannot change later.
        with contextlib.closing(sqlite3.connect(db_path)) as conn:
            conn.execute(f"PRAGMA page_size={PAGE_SIZE}")
            conn.execute("PRAGMA journal_mode=WAL")
    store = SqlAlchemyStore("sqlite:///" + db_path, os.path.abspath(artifact_root))
    store.engine.dispose()
    return schema_revision(db_path) or ""
