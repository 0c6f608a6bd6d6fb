"""Run leases on a shared store: one live process per run across machines.

On one machine the run folder's lock (`run_folder.RunFolder.acquire`) keeps a second process
off a live run. Machines that share only a tracking server cannot see each other's folders, so
the run is also leased in the store: a row `(run_uuid, holder, expires_at)` in the table
`tracklab_run_leases` beside MLflow's own tables. The holder is `host:pid` of the training
process; its writer renews the lease every third of `TRACKLAB_LEASE_TTL` seconds (default 60)
and releases it when the run ends. A holder that dies stops renewing, and the lease expires.

- `postgresql://` stores: the training process and the writer claim in the database directly;
- `http(s)://` servers with TrackLab's plugin: the same claim through the plugin's lease route
  (`mlflow_plugins/_lease.py`), which runs it on the server's own database; a server without
  the plugin has no leases (MLflow alone cannot hold one);
- local SQLite stores need none: every process that writes them shares the run folders.

Expiry times are the database's clock (PostgreSQL's `now()`) or the server's, never the
clocks of the machines that claim, so machines whose clocks disagree still agree on expiry.
"""

from __future__ import annotations

import os
import socket
import sqlite3
import threading
from dataclasses import dataclass
from typing import Any, Protocol

TABLE = "tracklab_run_leases"
TTL_ENV = "TRACKLAB_LEASE_TTL"
DEFAULT_TTL = 60.0
ROUTE = "/api/2.0/tracklab/runs/lease"
_CREATE = f"CREATE TABLE IF NOT EXISTS {TABLE} (run_uuid VARCHAR(32) PRIMARY KEY, holder TEXT NOT NULL, " \
          "expires_at DOUBLE PRECISION NOT NULL)"
# The row is ours after the upsert when it was free, expired, or already ours; else it is unchanged.
_CLAIM = (f"INSERT INTO {TABLE} (run_uuid, holder, expires_at) VALUES ({{p}}, {{p}}, {{now}} + {{p}}) "
          f"ON CONFLICT (run_uuid) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at "
          f"WHERE {TABLE}.holder = excluded.holder OR {TABLE}.expires_at < {{now}}")
_READ = f"SELECT holder, expires_at - {{now}} FROM {TABLE} WHERE run_uuid = {{p}}"
_RELEASE = f"DELETE FROM {TABLE} WHERE run_uuid = {{p}} AND holder = {{p}}"


class LeaseRefusedError(RuntimeError):
    """The lease route refused the request (a 4xx): its message says why."""


@dataclass(frozen=True)
class Claim:
    """The outcome of a claim: ours, or whose it is and for how long still."""

    granted: bool
    holder: str
    seconds_left: float


def ttl() -> float:
    """`TRACKLAB_LEASE_TTL` in seconds (at least 1)."""
    try:
        return max(1.0, float(os.environ.get(TTL_ENV, DEFAULT_TTL)))
    except ValueError:
        return DEFAULT_TTL


def holder_for(pid: int | None = None) -> str:
    """The holder name of a training process: `host:pid` (the writer names its parent)."""
    return f"{socket.gethostname()}:{pid or os.getpid()}"


def check_claim_request(run_uuid: Any, holder: Any, seconds: Any) -> str | None:
    """What is wrong with a claim's fields, or None (the route's and the client's rule)."""
    if not isinstance(run_uuid, str) or not run_uuid or len(run_uuid) > 32 or not run_uuid.isalnum():
        return f"run_id={run_uuid!r} must be an MLflow run id (1-32 letters and digits)"
    if not isinstance(holder, str) or not holder or len(holder) > 300:
        return f"holder={holder!r} must be a non-empty string of at most 300 characters"
    if seconds is not None and (isinstance(seconds, bool) or not isinstance(seconds, (int, float))
                                or not 1 <= seconds <= 86400):
        return f"ttl={seconds!r} must be a number of seconds from 1 to 86400"
    return None


class Leases(Protocol):
    def claim(self, run_uuid: str, holder: str, seconds: float) -> Claim: ...

    def release(self, run_uuid: str, holder: str) -> None: ...


class SqlLeases:
    """Leases in a PostgreSQL or SQLite database (the server's own, or `postgresql://` directly)."""

    def __init__(self, uri: str) -> None:
        from tracklab.backend import location, postgres_store

        self._postgres = postgres_store.is_postgres_uri(uri)
        self._uri = uri
        self._path = None if self._postgres else location.sqlite_path(uri)
        self._lock = threading.Lock()
        self._conn: Any = None
        self._created = False

    def _sql(self, template: str) -> str:
        if self._postgres:
            return template.format(p="%s", now="EXTRACT(EPOCH FROM clock_timestamp())")
        return template.format(p="?", now="CAST(strftime('%s','now') AS REAL)")

    def _connect(self) -> Any:
        if self._conn is None:
            if self._postgres:
                from tracklab.backend import postgres_store

                self._conn = postgres_store.connect(self._uri)
            else:
                self._conn = sqlite3.connect(self._path, timeout=30, isolation_level=None, check_same_thread=False)
        return self._conn

    def _run(self, work: Any) -> Any:
        """`work(cursor)` in one transaction; a broken connection is replaced and tried once more."""
        with self._lock:
            for attempt in (0, 1):
                conn = self._connect()
                try:
                    cursor = conn.cursor()
                    if not self._postgres:
                        cursor.execute("BEGIN IMMEDIATE")
                    if not self._created:
                        cursor.execute(_CREATE)
                    result = work(cursor)
                    if self._postgres:
                        conn.commit()
                    else:
                        cursor.execute("COMMIT")
                    self._created = True
                    return result
                except Exception:
                    try:
                        conn.rollback()
                    except Exception:  # the connection itself is gone
                        pass
                    self._conn = None
                    if attempt:
                        raise
            return None

    def claim(self, run_uuid: str, holder: str, seconds: float) -> Claim:
        def work(cursor: Any) -> Claim:
            cursor.execute(self._sql(_CLAIM), (run_uuid, holder, float(seconds)))
            cursor.execute(self._sql(_READ), (run_uuid,))
            found = cursor.fetchone()
            owner, left = (found[0], float(found[1])) if found else ("", 0.0)
            return Claim(owner == holder, owner, left)

        return self._run(work)

    def release(self, run_uuid: str, holder: str) -> None:
        self._run(lambda cursor: cursor.execute(self._sql(_RELEASE), (run_uuid, holder)))


class HttpLeases:
    """Leases through a TrackLab server's lease route (MLflow's credentials and TLS settings)."""

    def __init__(self, tracking_uri: str) -> None:
        self._uri = tracking_uri

    def _post(self, body: dict[str, Any]) -> Any:
        from tracklab.backend.server_store import request

        return request(self._uri, "POST", ROUTE, 30.0, json=body)

    def claim(self, run_uuid: str, holder: str, seconds: float) -> Claim:
        response = self._post({"run_id": run_uuid, "holder": holder, "ttl": seconds})
        if response.status_code not in (200, 409):
            raise LeaseRefusedError(f"{self._uri} answered {response.status_code} to a lease claim: "
                                    f"{response.text[:300]}")
        data = response.json()
        return Claim(response.status_code == 200, str(data.get("holder", "")), float(data.get("seconds_left", 0)))

    def release(self, run_uuid: str, holder: str) -> None:
        self._post({"run_id": run_uuid, "holder": holder, "release": True})


def leases_for(tracking_uri: str) -> Leases | None:
    """Where runs of this store are leased, or None where a lease is not needed or not possible
    (local SQLite; a server without TrackLab's plugin)."""
    from tracklab.backend import postgres_store

    if postgres_store.is_postgres_uri(tracking_uri):
        return SqlLeases(tracking_uri)
    if tracking_uri.startswith(("http://", "https://")):
        from tracklab.backend.server_store import request

        response = request(tracking_uri, "GET", ROUTE, 10.0)
        return HttpLeases(tracking_uri) if response.status_code == 200 else None
    return None


class LeaseKeeper:
    """Keeps a run's lease while a writer works on it: renews every third of the TTL, releases
    at `stop()`. A renewal that finds the lease taken by another holder is logged once."""

    def __init__(self, leases: Leases, run_uuid: str, holder: str, seconds: float | None = None) -> None:
        self.leases, self.run_uuid, self.holder = leases, run_uuid, holder
        self.seconds = seconds or ttl()
        self.lost_to: str | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._renew, name="tracklab-lease", daemon=True)

    def start(self) -> Claim | None:
        """Claim now and keep renewing; None when the store did not answer (the renewals retry)."""
        try:
            claim: Claim | None = self.leases.claim(self.run_uuid, self.holder, self.seconds)
        except Exception:
            claim = None
        if claim is not None and not claim.granted:
            self.lost_to = claim.holder
        self._thread.start()
        return claim

    def _renew(self) -> None:
        import logging

        while not self._stop.wait(self.seconds / 3):
            try:
                claim = self.leases.claim(self.run_uuid, self.holder, self.seconds)
            except Exception as exc:  # the store is down: the writer's retries say so; try again later
                logging.getLogger("tracklab.writer").debug("lease renewal failed: %s", exc)
                continue
            if not claim.granted and self.lost_to != claim.holder:
                self.lost_to = claim.holder
                logging.getLogger("tracklab.writer").warning(
                    "tracklab writer: run %s is leased by %s, not by this run's process %s",
                    self.run_uuid, claim.holder, self.holder)

    def stop(self, release: bool = True) -> None:
        self._stop.set()
        if release:
            try:
                self.leases.release(self.run_uuid, self.holder)
            except Exception:  # unreachable store: the lease expires on its own
                pass

