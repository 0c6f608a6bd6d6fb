"""Creating the local SQLite store safely: MLflow's own migrations race when several
processes open a new database at once, so creation happens under a file lock, once.

`store_problem` says why an existing file cannot serve as the store (not a database, another
program's database, an MLflow schema the installed MLflow cannot use, a folder moved away from
its artifact paths, no permission), with the fix; `init()` and the writer ask it before use, so
a broken store is one clear message instead of a writer retrying what will never heal.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import sqlite3
import re
from typing import Iterator

from tracklab.errors import CommError

# Schema revisions whose tables the bulk writer has been checked against (MLflow 3.17).
KNOWN_REVISIONS = frozenset({"dc11669786a5"})
PAGE_SIZE = 16384
# MLflow's empty schema at PAGE_SIZE is ~3.5 MB (its tables and indexes, a page each at least).
NEW_STORE_BYTES = 4 * 1024 * 1024


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


class StoreUnusable(CommError):
    """The local store cannot be used as it is; the message names the store, the cause and the fix.

    Retrying cannot help (`retryable` is False): the writer stops instead of waiting."""

    retryable = False


_ELSEWHERE = ("or point TRACKLAB_DIR (or TRACKLAB_TRACKING_URI) at the store you mean")


def store_problem(db_path: str) -> str | None:
    """Why the SQLite store at `db_path` cannot be used, with the fix; None when it can (or will
    be created). A store busy with another writer is not a problem: it only delays."""
    db_path = os.path.abspath(db_path)
    folder = os.path.dirname(db_path)
    if not os.path.exists(db_path):
        existing = folder
        while not os.path.isdir(existing) and os.path.dirname(existing) != existing:
            existing = os.path.dirname(existing)
        if not os.access(existing, os.W_OK | os.X_OK):
            return (f"cannot create the store {db_path}: {existing} is not writable by this user; "
                    f"make it writable {_ELSEWHERE}")
        stat = os.statvfs(existing)
        free = stat.f_bavail * stat.f_frsize
        if free < NEW_STORE_BYTES:
            return (f"cannot create the store {db_path}: its disk has {free // 1024} KB free and a new store "
                    f"needs about {NEW_STORE_BYTES // (1024 * 1024)} MB; free space there {_ELSEWHERE}")
        return None
    if os.path.isdir(db_path):
        return f"the store {db_path} is a folder, not a database; move it away {_ELSEWHERE}"
    for path in (db_path, folder):
        if not os.access(path, os.R_OK | os.W_OK):
            return (f"the store {db_path} cannot be written by this user ({path} is not writable); "
                    f"fix its permissions (chmod / chown) {_ELSEWHERE}")
    try:
        with contextlib.closing(sqlite3.connect(f"file:{db_path}?mode=ro", uri=True, timeout=5)) as conn:
            tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            if not tables:
                return None  # an empty file: the store is created in it
            if not {"alembic_version", "experiments", "runs", "metrics"} <= tables:
                shown = ", ".join(sorted(tables)[:5]) + (", ..." if len(tables) > 5 else "")
                return (f"the store {db_path} is a database of another program (its tables: {shown}), "
                        f"not an MLflow store; move it away (a new store is then created there) {_ELSEWHERE}")
            revision = revision_of(conn)
            moved = _moved_from(conn, folder)
    except sqlite3.OperationalError as exc:
        if "locked" in str(exc) or "busy" in str(exc):
            return None  # another program holds a write lock: the writer waits for it
        return (f"the store {db_path} cannot be read ({exc}); check the disk and the file, restore it "
                f"from a backup, {_ELSEWHERE}")
    except sqlite3.DatabaseError as exc:
        return _not_a_database(db_path, exc)
    if moved is not None:
        return (f"the store {db_path} was moved from {moved}: its runs' artifact paths still point there, "
                f"so new files would go to the old place and stored ones are not found; move the folder "
                f"back to {moved}, or keep it here and repoint those paths with "
                f"`tracklab verify --repoint --tracking-uri sqlite:///{db_path}`")
    return _revision_problem(db_path, revision)


def _not_a_database(db_path: str, exc: Exception) -> str:
    what = "is damaged (truncated or overwritten)" if "malformed" in str(exc) else "is not an SQLite database"
    return (f"the store {db_path} {what} ({exc}); move the file away (a new store is then created there), "
            f"restore it from a backup, {_ELSEWHERE}")


def _moved_from(conn: sqlite3.Connection, folder: str) -> str | None:
    """The folder a TrackLab store was created in, when that is not where it is now.

    TrackLab's stores put the default experiment's artifacts at `<store folder>/artifacts/0`;
    another path there, whose folder is gone, means the folder was moved (MLflow keeps absolute
    paths). A copy whose original is still there is left alone."""
    row = conn.execute("SELECT artifact_location FROM experiments WHERE experiment_id = 0").fetchone()
    if row is None or not row[0]:
        return None
    from tracklab.backend.location import local_path

    location = local_path(row[0])
    if location is None or os.path.basename(os.path.dirname(location)) != "artifacts":
        return None  # not a TrackLab layout (an MLflow store with its own artifact root)
    created_in = os.path.dirname(os.path.dirname(location))
    if os.path.realpath(created_in) == os.path.realpath(folder) or os.path.exists(created_in):
        return None  # in place, or a copy whose original is still there
    return created_in


def repoint_moved(db_path: str) -> tuple[str, int] | None:
    """A store moved from another folder (see `store_problem`): rewrite the absolute paths that
    still name the old folder (experiments, runs, logged models, artifact versions, in every
    table) to the folder the store is in now. Returns (old folder, values rewritten), or None
    when the store was not moved."""
    db_path = os.path.abspath(db_path)
    folder = os.path.dirname(db_path)
    with file_lock(db_path + ".lock"), contextlib.closing(sqlite3.connect(db_path, timeout=60)) as conn:
        old = _moved_from(conn, folder)
        if old is None:
            return None
        tables = [row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        changed = 0
        with conn:
            for table in tables:
                for column in [row[1] for row in conn.execute(f'PRAGMA table_info("{table}")')]:
                    for prefix in (old + "/", "file://" + old + "/"):
                        new = prefix[: -len(old) - 1] + folder + "/"
                        changed += conn.execute(
                            f'UPDATE "{table}" SET "{column}" = ? || substr("{column}", ?) '
                            f'WHERE typeof("{column}") = \'text\' AND substr("{column}", 1, ?) = ?',
                            (new, len(prefix) + 1, len(prefix), prefix)).rowcount
    return old, changed


def _revision_problem(db_path: str, revision: str | None) -> str | None:
    if revision in KNOWN_REVISIONS:
        return None
    known = installed_revisions()
    if known is None:
        return None  # no MLflow to compare with: the writer's own open says what is wrong
    version, chain = known
    if revision == chain[0]:
        return None
    uri = "sqlite:///" + db_path
    if revision in chain:
        return (f"the store {db_path} has the schema of an older MLflow (revision {revision}; the installed "
                f"MLflow {version} needs {chain[0]}); back the file up, then upgrade it with "
                f"`mlflow db upgrade {uri}`")
    return (f"the store {db_path} was made by a newer MLflow (schema revision {revision} is unknown to the "
            f"installed MLflow {version}); upgrade MLflow (`pip install -U mlflow`) {_ELSEWHERE}")


_REVISION = re.compile(r"^(down_)?revision\s*(?::\s*\w+\s*)?=\s*['\"]([0-9a-f]+)['\"]", re.MULTILINE)


def installed_revisions() -> tuple[str, list[str]] | None:
    """The installed MLflow's version and its schema revisions, newest first (read from its
    migration scripts, without importing MLflow); None without MLflow."""
    import importlib.util

    from tracklab.backend import store_schema

    try:
        spec = importlib.util.find_spec("mlflow")
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    versions = os.path.join(list(spec.submodule_search_locations)[0], "store", "db_migrations", "versions")
    parent_of: dict[str, str | None] = {}
    try:
        names = os.listdir(versions)
    except OSError:
        return None
    for name in names:
        if not name.endswith(".py"):
            continue
        try:
            with open(os.path.join(versions, name), encoding="utf-8") as handle:
                found = {bool(down): value for down, value in _REVISION.findall(handle.read())}
        except OSError:
            continue
        if False in found:
            parent_of[found[False]] = found.get(True)
    children = {parent for parent in parent_of.values() if parent}
    heads = [revision for revision in parent_of if revision not in children]
    if len(heads) != 1:
        return None
    chain, revision = [], heads[0]
    while revision and revision not in chain:
        chain.append(revision)
        revision = parent_of.get(revision)
    return store_schema.installed_mlflow_version() or "?", chain


def check_store(db_path: str) -> None:
    """Raise `StoreUnusable` when the store at `db_path` cannot be used (see `store_problem`)."""
    problem = store_problem(db_path)
    if problem is not None:
        raise StoreUnusable(problem)


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
