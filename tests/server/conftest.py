"""Fixtures of the team-server tests: one throwaway PostgreSQL 15 cluster per test session
(`initdb` in a temporary folder, run as the `postgres` user on a free 127.0.0.1 port), a
fresh database per test, removed afterwards, pass or fail."""

from __future__ import annotations

import itertools
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.helpers import free_port, python_env, spawn, stop, wait_until_up
from tests.server._postgres import Cluster, available

_numbers = itertools.count()


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[Cluster]:
    """A running cluster; durability is off (a test's data need not survive a power cut)."""
    if not available():
        pytest.fail("PostgreSQL 15 server binaries or the postgres account are missing: `make setup` installs them")
    cluster = Cluster(settings={"fsync": "off", "synchronous_commit": "off", "full_page_writes": "off"})
    try:
        cluster.start()
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture
def pg_uri(pg_cluster: Cluster) -> Iterator[str]:
    """The URI of a new, empty database (C collation), dropped after the test."""
    name = f"tracklab_test_{next(_numbers)}"
    uri = pg_cluster.create_database(name)
    try:
        yield uri
    finally:
        pg_cluster.drop_database(name)


class TeamServer:
    """A running `tracklab server` (its URL, database and artifact folder)."""

    def __init__(self, url: str, backend_uri: str, artifacts: Path, proc: subprocess.Popen, log: Path) -> None:
        self.url = url
        self.backend_uri = backend_uri
        self.artifacts = artifacts
        self.proc = proc
        self.log = log

    def output(self) -> str:
        return self.log.read_text(errors="replace")


def start_team_server(backend_uri: str, folder: Path, *extra: str, workers: int = 2,
                      env: dict[str, str] | None = None, port: int | None = None) -> TeamServer:
    """Start `tracklab server` (on a free port unless given one) in its own process group and
    wait until it answers."""
    port = port or free_port()
    artifacts = folder / "artifacts"
    log = folder / "server.log"
    server_env = python_env({"HOME": str(folder), "TRACKLAB_DIR": str(folder / "tracklab")})
    for name in list(server_env):
        if name.startswith(("MLFLOW_", "TRACKLAB_TRACKING_URI")):
            server_env.pop(name)
    server_env.update(env or {})
    with open(log, "wb") as out:
        proc = spawn(
            [sys.executable, "-m", "tracklab.cli", "server", "--backend-store-uri", backend_uri,
             "--artifacts-destination", str(artifacts), "--port", str(port), "--workers", str(workers), *extra],
            cwd=str(folder), env=server_env, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT)
    server = TeamServer(f"http://127.0.0.1:{port}", backend_uri, artifacts, proc, log)
    try:
        wait_until_up(port, proc, what="tracklab server")
    except BaseException:
        stop_team_server(server)
        raise AssertionError(f"tracklab server did not start:\n{server.output()[-3000:]}") from None
    return server


def stop_team_server(server: TeamServer) -> None:
    """SIGTERM the server's process group, SIGKILL what is left, pass or fail."""
    stop(server.proc, timeout=15)


@pytest.fixture(scope="module")
def team_server(pg_cluster: Cluster, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TeamServer]:
    """One `tracklab server` (2 workers) per test module, on its own new PostgreSQL database."""
    name = f"tracklab_server_{next(_numbers)}"
    uri = pg_cluster.create_database(name)
    server = start_team_server(uri, tmp_path_factory.mktemp("team-server"))
    try:
        yield server
    finally:
        stop_team_server(server)
        pg_cluster.drop_database(name)


def machine(tmp_path: Path, name: str, tracking_uri: str) -> dict[str, str]:
    """The environment of a "machine": its own TRACKLAB_DIR, HOME and working folder, sharing
    nothing with the others but the tracking URI."""
    home = tmp_path / name
    (home / "work").mkdir(parents=True, exist_ok=True)
    env = {name: value for name, value in python_env().items()
           if not name.startswith(("WANDB_", "TRACKLAB_", "MLFLOW_"))}
    env.update({"HOME": str(home), "TRACKLAB_DIR": str(home / ".tracklab"), "TRACKLAB_TRACKING_URI": tracking_uri,
                "WANDB_SILENT": "true"})
    return env
