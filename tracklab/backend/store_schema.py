"""MLflow's SQLite schema as SQL, so a new local store is created without importing MLflow.

Creating a store with MLflow means `import mlflow` and ~60 alembic migrations: 3-5 s of CPU in
the writer while the first run of a new store trains beside it. The script here is MLflow's
own result, dumped from a database MLflow created (`python -m tracklab.backend.store_schema`
rewrites it). It is used only when the installed MLflow is the version that made it; any
other version creates the store with its own migrations. tests/core/test_store_schema.py
checks that the script still equals what MLflow creates and that MLflow accepts the result.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import time
from pathlib import Path

SCHEMA_FILE = Path(__file__).with_name("mlflow_schema.sql")
_HEADER = "-- mlflow "
_DEFAULT_EXPERIMENT = ("INSERT INTO experiments (experiment_id, name, artifact_location, lifecycle_stage, "
                       "creation_time, last_update_time, workspace) VALUES (0, 'Default', ?, 'active', ?, ?, 'default')")


def installed_mlflow_version() -> str | None:
    from importlib import metadata

    try:
        return metadata.version("mlflow")
    except metadata.PackageNotFoundError:
        return None


def script_version(script: str) -> str | None:
    """The MLflow version a schema script was dumped from."""
    first = script.split("\n", 1)[0]
    return first[len(_HEADER):].strip() if first.startswith(_HEADER) else None


def dump(db_path: str, mlflow_version: str) -> str:
    """The SQL that rebuilds a fresh MLflow database (its default experiment excepted: that
    row names the store's own artifact root and creation time, so it is written at creation)."""
    with contextlib.closing(sqlite3.connect(db_path)) as conn:
        lines = [line for line in conn.iterdump() if not line.startswith('INSERT INTO "experiments"')]
    return f"{_HEADER}{mlflow_version}\n" + "\n".join(lines) + "\n"


def usable_script() -> str | None:
    """The shipped script when it matches the installed MLflow, else None."""
    try:
        script = SCHEMA_FILE.read_text(encoding="utf-8")
    except OSError:
        return None
    version = script_version(script)
    return script if version is not None and version == installed_mlflow_version() else None


def create(db_path: str, artifact_root: str, script: str, page_size: int) -> None:
    """Build the store in a temporary file and move it into place (the caller holds the lock)."""
    tmp = f"{db_path}.{os.getpid()}.creating"
    with contextlib.suppress(FileNotFoundError):
        os.remove(tmp)
    now = int(time.time() * 1000)
    conn = sqlite3.connect(tmp, isolation_level=None)
    try:
        conn.execute(f"PRAGMA page_size={page_size}")
        conn.executescript(script)
        conn.execute(_DEFAULT_EXPERIMENT, (os.path.abspath(artifact_root).rstrip("/") + "/0", now, now))
        conn.execute("PRAGMA journal_mode=WAL")
    finally:
        conn.close()
    os.makedirs(artifact_root, exist_ok=True)
    os.replace(tmp, db_path)


def main() -> None:
    """Rewrite the shipped script from a database the installed MLflow creates now."""
    import tempfile

    from mlflow.store.tracking.sqlalchemy_store import SqlAlchemyStore

    with tempfile.TemporaryDirectory() as folder:
        db_path = os.path.join(folder, "mlflow.db")
        SqlAlchemyStore("sqlite:///" + db_path, os.path.join(folder, "artifacts")).engine.dispose()
        SCHEMA_FILE.write_text(dump(db_path, installed_mlflow_version() or "unknown"), encoding="utf-8")
    print(f"wrote {SCHEMA_FILE}")


if __name__ == "__main__":
    main()
