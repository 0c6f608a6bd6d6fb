"""Fixtures of the team-server tests: one throwaway PostgreSQL 15 cluster per test session
(`initdb` in a temporary folder, run as the `postgres` user on a free 127.0.0.1 port), a
fresh database per test, removed afterwards, pass or fail."""

from __future__ import annotations

import itertools
from collections.abc import Iterator

import pytest

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
