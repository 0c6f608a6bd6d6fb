"""Sweeps in the team server's PostgreSQL: optuna's journal as one table beside MLflow's.

optuna's `JournalStorage` keeps a study as an append-only log of operations that every process
replays in the same order. Here the log is the table `tracklab_sweep_journal` (sequence number,
JSON text) in the tracking database: one table of our own, so MLflow's schema and its
`alembic_version` are untouched (optuna's RDB storage would bring its own `alembic_version`).
Appends take a transaction-scoped advisory lock, so sequence numbers are dense and committed in
order: a reader never sees log n+1 before log n. An append carries a batch id; a batch replayed
after a lost answer is stored once.
"""

from __future__ import annotations

import json
import threading
import uuid
from typing import Any, Iterable

from optuna.storages.journal import BaseJournalBackend

from tracklab.backend import postgres_store

TABLE = "tracklab_sweep_journal"
_LOCK_KEY = 0x7472_6B73_7765  # pg_advisory_xact_lock key for appends (any fixed bigint)
_CREATE = (f"CREATE TABLE IF NOT EXISTS {TABLE} (seq BIGINT PRIMARY KEY, batch TEXT NOT NULL, "
           "log TEXT NOT NULL)")
_INDEX = f"CREATE INDEX IF NOT EXISTS {TABLE}_batch ON {TABLE} (batch)"


def supports(uri: str) -> bool:
    return postgres_store.is_postgres_uri(uri)


class DatabaseJournalBackend(BaseJournalBackend):
    """The journal in a PostgreSQL database (one connection per thread, replaced when broken)."""

    def __init__(self, uri: str) -> None:
        self._uri = uri
        self._local = threading.local()
        self._transaction(self._create)

    def _create(self, cursor: Any) -> None:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", (_LOCK_KEY,))
        cursor.execute(_CREATE)
        cursor.execute(_INDEX)

    def _transaction(self, work: Any) -> Any:
        """Run `work(cursor)` in one transaction; a broken connection is replaced and tried once more."""
        for attempt in (0, 1):
            conn = getattr(self._local, "conn", None)
            if conn is None or conn.closed:
                conn = self._local.conn = postgres_store.connect(self._uri)
            try:
                with conn.cursor() as cursor:
                    result = work(cursor)
                conn.commit()
                return result
            except Exception as exc:
                import psycopg

                try:
                    conn.rollback()
                except psycopg.Error:
                    pass
                if attempt or not isinstance(exc, psycopg.OperationalError):
                    raise
                conn.close()
                self._local.conn = None
        return None

    def read_logs(self, log_number_from: int) -> Iterable[dict[str, Any]]:
        def read(cursor: Any) -> list[dict[str, Any]]:
            cursor.execute(f"SELECT log FROM {TABLE} WHERE seq >= %s ORDER BY seq", (int(log_number_from),))
            return [json.loads(row[0]) for row in cursor.fetchall()]

        return self._transaction(read)

    def append_logs(self, logs: list[dict[str, Any]]) -> None:
        self.append_logs_once(logs, uuid.uuid4().hex)

    def append_logs_once(self, logs: list[dict[str, Any]], batch: str) -> None:
        """Append `logs` in order, unless a batch with this id is stored already (a replay)."""

        def append(cursor: Any) -> None:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", (_LOCK_KEY,))
            cursor.execute(f"SELECT 1 FROM {TABLE} WHERE batch = %s LIMIT 1", (batch,))
            if cursor.fetchone():
                return
            cursor.execute(f"SELECT COALESCE(MAX(seq) + 1, 0) FROM {TABLE}")
            start = cursor.fetchone()[0]
            cursor.executemany(f"INSERT INTO {TABLE} (seq, batch, log) VALUES (%s, %s, %s)",
                               [(start + i, batch, json.dumps(log)) for i, log in enumerate(logs)])

        if logs:
            self._transaction(append)
