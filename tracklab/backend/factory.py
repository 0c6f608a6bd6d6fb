"""Picking the write store and the reader for a tracking URI.

A local SQLite store at a schema revision we checked (`store_setup.KNOWN_REVISIONS`) gets the
SQL implementations (`SqliteStore`, `SqliteReader`); a PostgreSQL URI the COPY writer
(`postgres_store`) and the SQL history reader (`postgres_reader`), an `http://` server the bulk-route writer (`server_store`); anything else
goes through MLflow's client (`MlflowClientStore`, `StoreReader`). Adding a store for another
database means one more branch here, and nothing above it changes.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from tracklab.backend import location

if TYPE_CHECKING:
    from tracklab.backend.reader import StoreReader
    from tracklab.backend.store import Store


def open_store(tracking_uri: str, tracklab_root: str | None = None) -> Store:
    """The write store for a tracking URI (creating a local SQLite store safely if needed)."""
    db_path = location.sqlite_path(tracking_uri)
    if db_path is not None:
        from tracklab.backend import store_setup

        artifact_root = location.artifact_root_for(tracking_uri, tracklab_root)
        revision = store_setup.ensure_sqlite_store(db_path, artifact_root)
        if store_setup.is_known(revision):
            from tracklab.backend.sqlite_store import SqliteStore

            return SqliteStore(db_path, artifact_root)
    artifact_root = location.artifact_root_for(tracking_uri, tracklab_root)
    from tracklab.backend import postgres_store, server_store

    if postgres_store.is_postgres_uri(tracking_uri):
        return postgres_store.open_postgres(tracking_uri, artifact_root)
    if tracking_uri.startswith(("http://", "https://")):
        return server_store.ServerStore(tracking_uri, artifact_root)
    from tracklab.backend.mlflow_store import MlflowClientStore

    return MlflowClientStore(tracking_uri, artifact_root, tracklab_root)


def open_reader(tracking_uri: str, must_exist: bool = False) -> StoreReader:
    """The reader for a tracking URI. The SQLite reader checks the schema revision on first use
    and reads through MLflow's client until it is one we know. With `must_exist`, a local store
    that was never created is a `CommError` (reading it would create an empty one)."""
    db_path = location.sqlite_path(tracking_uri)
    if db_path is not None:
        if must_exist and not os.path.exists(db_path):
            from tracklab.errors import CommError

            raise CommError(f"There is no TrackLab store at {db_path}: nothing has been logged there yet "
                            "(set TRACKLAB_DIR or TRACKLAB_TRACKING_URI to the store you mean)")
        from tracklab.backend.sqlite_reader import SqliteReader

        return SqliteReader(tracking_uri, db_path)
    from tracklab.backend import postgres_store

    if postgres_store.is_postgres_uri(tracking_uri):
        from tracklab.backend.postgres_reader import PostgresReader

        return PostgresReader(tracking_uri)
    from tracklab.backend.reader import StoreReader

    return StoreReader(tracking_uri)
