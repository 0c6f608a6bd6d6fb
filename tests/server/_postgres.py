"""A throwaway PostgreSQL 15 cluster for tests and benchmarks.

Debian's server binaries are installed but no cluster runs. `Cluster` makes one with `initdb`
in a fresh temporary folder owned by the `postgres` user (PostgreSQL refuses to run as root),
starts it with `pg_ctl` on a free port of 127.0.0.1 only (no Unix socket outside its folder),
waits for `pg_isready`, and `stop()` shuts it down and removes the folder. Every child resets
SIGINT to the default (a suite started from a background job inherits it ignored) and the
postmaster, which `pg_ctl` starts in its own session, is killed by process group if a clean
shutdown does not end it.
"""

from __future__ import annotations

import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from typing import Any

PG_BIN = "/usr/lib/postgresql/15/bin"
SUPERUSER = "postgres"


def available() -> bool:
    """Whether this machine has the server binaries and the `postgres` account."""
    try:
        pwd.getpwnam(SUPERUSER)
    except KeyError:
        return False
    return all(os.access(os.path.join(PG_BIN, name), os.X_OK) for name in ("initdb", "pg_ctl", "pg_isready"))


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _kill_group(pgid: int, timeout: float = 10) -> None:
    """SIGKILL a process group and wait until it is gone (its processes reaped)."""
    deadline = time.time() + timeout
    while True:
        try:
            os.killpg(pgid, signal.SIGKILL)
        except ProcessLookupError:
            return
        if time.time() > deadline:
            raise RuntimeError(f"PostgreSQL processes of group {pgid} survived SIGKILL")
        time.sleep(0.05)


class Cluster:
    """One PostgreSQL cluster in a temporary folder, run as the `postgres` user."""

    def __init__(self, settings: dict[str, str] | None = None, locale: str = "C.UTF-8",
                 keep_in: str | None = None) -> None:
        # Settings passed to the server (`-c name=value`), e.g. fsync=off for fast tests.
        self.settings = dict(settings or {})
        self.locale = locale
        self.account = pwd.getpwnam(SUPERUSER)
        # `keep_in`: a folder whose cluster outlives stop() and is started again next time (a
        # benchmark loads a big project once and measures it later, on a quiet machine).
        self.kept = keep_in is not None
        self.folder = os.path.abspath(keep_in) if keep_in else tempfile.mkdtemp(prefix="tracklab-pg-")
        os.makedirs(self.folder, exist_ok=True)
        self.data = os.path.join(self.folder, "data")
        self.log = os.path.join(self.folder, "server.log")
        self.port = 0
        self._postmaster_pid: int | None = None
        os.chown(self.folder, self.account.pw_uid, self.account.pw_gid)

    # -- processes -------------------------------------------------------------------------
    def _as_postgres(self) -> None:
        """preexec_fn: SIGINT back to the default, then drop root for the `postgres` user."""
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        os.setgroups([])
        os.setgid(self.account.pw_gid)
        os.setuid(self.account.pw_uid)

    def _run(self, *args: str, timeout: float = 120) -> subprocess.CompletedProcess:
        env = {"PATH": f"{PG_BIN}:/usr/bin:/bin", "HOME": self.folder, "LC_ALL": "C.UTF-8"}
        proc = subprocess.run([os.path.join(PG_BIN, args[0]), *args[1:]], cwd=self.folder, env=env,
                              preexec_fn=self._as_postgres, capture_output=True, text=True, timeout=timeout)
        if proc.returncode != 0:
            raise RuntimeError(f"{args[0]} failed ({proc.returncode}): {proc.stdout}{proc.stderr}{self._log_tail()}")
        return proc

    def _log_tail(self) -> str:
        try:
            with open(self.log, encoding="utf-8", errors="replace") as handle:
                return "\n" + handle.read()[-2000:]
        except OSError:
            return ""

    def start(self, timeout: float = 60) -> "Cluster":
        """initdb (unless a kept cluster is there), then start on a free port and wait until it
        accepts connections."""
        if not os.path.exists(os.path.join(self.data, "PG_VERSION")):
            self._run("initdb", "-D", self.data, "-U", SUPERUSER, "--auth=trust", "--encoding=UTF8",
                      f"--locale={self.locale}", "--no-instructions")
        options = ["-c listen_addresses=127.0.0.1", f"-c unix_socket_directories='{self.folder}'"]
        options += [f"-c {name}={value}" for name, value in self.settings.items()]
        deadline = time.time() + timeout
        while True:
            self.port = _free_port()
            try:
                self._run("pg_ctl", "-D", self.data, "-l", self.log, "-w", "-t", str(int(timeout)),
                          "-o", " ".join([f"-p {self.port}", *options]), "start", timeout=timeout + 10)
                break
            except RuntimeError:
                # Another process may have taken the port between the probe and the bind.
                if time.time() > deadline or "could not bind" not in self._log_tail():
                    raise
        self._postmaster_pid = self._read_postmaster_pid()
        while True:
            ready = subprocess.run([os.path.join(PG_BIN, "pg_isready"), "-h", "127.0.0.1", "-p", str(self.port),
                                    "-U", SUPERUSER], capture_output=True, preexec_fn=self._as_postgres)
            if ready.returncode == 0:
                return self
            if time.time() > deadline:
                raise RuntimeError(f"PostgreSQL did not become ready:{self._log_tail()}")
            time.sleep(0.1)

    @property
    def postmaster_pid(self) -> int | None:
        """The server's main process (every backend is its child)."""
        return self._postmaster_pid

    def restart(self, timeout: float = 60) -> None:
        """Stop the server (fast mode: every connection is cut) and start it again on the same
        port and data; returns once it accepts connections."""
        self._run("pg_ctl", "-D", self.data, "-m", "fast", "-w", "-t", str(int(timeout)), "-l", self.log,
                  "restart", timeout=timeout + 10)
        self._postmaster_pid = self._read_postmaster_pid()

    def _read_postmaster_pid(self) -> int | None:
        try:
            with open(os.path.join(self.data, "postmaster.pid")) as handle:
                return int(handle.readline())
        except (OSError, ValueError):
            return None

    def stop(self) -> None:
        """Shut the server down (fast mode), kill what is left, remove the folder (unless kept)."""
        try:
            if self._postmaster_pid is not None:
                try:
                    self._run("pg_ctl", "-D", self.data, "-m", "fast", "-w", "-t", "30", "stop", timeout=40)
                except (RuntimeError, subprocess.TimeoutExpired):
                    pass
                # pg_ctl starts the postmaster in its own session: its group holds every backend.
                _kill_group(self._postmaster_pid)
        finally:
            self._postmaster_pid = None
            if not self.kept:
                shutil.rmtree(self.folder, ignore_errors=True)

    # -- databases ---------------------------------------------------------------------------
    def uri(self, database: str = "postgres", driver: str = "") -> str:
        """A SQLAlchemy / MLflow URI (`postgresql://postgres@127.0.0.1:PORT/db`)."""
        scheme = "postgresql+" + driver if driver else "postgresql"
        return f"{scheme}://{SUPERUSER}@127.0.0.1:{self.port}/{database}"

    def connect(self, database: str = "postgres") -> Any:
        import psycopg

        return psycopg.connect(host="127.0.0.1", port=self.port, user=SUPERUSER, dbname=database)

    def create_database(self, name: str, locale: str | None = "C") -> str:
        """A new database (`locale` None: the cluster's); return its URI.

        `--locale=C` matters for MLflow's schema: its metrics table carries three B-trees over
        text keys, and C collation compares bytes instead of going through ICU/glibc rules
        (bench/bench_server.py measures both).
        """
        conn = self.connect()
        try:
            conn.autocommit = True
            with conn.cursor() as cursor:
                clause = f" LOCALE '{locale}'" if locale else ""
                cursor.execute(f'CREATE DATABASE "{name}" TEMPLATE template0 ENCODING \'UTF8\'{clause}')
        finally:
            conn.close()
        return self.uri(name)

    def drop_database(self, name: str) -> None:
        conn = self.connect()
        try:
            conn.autocommit = True
            with conn.cursor() as cursor:
                cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            conn.close()

    def __enter__(self) -> "Cluster":
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()
