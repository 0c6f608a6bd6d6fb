"""The throwaway cluster itself: a real server, owned by `postgres`, gone after stop()."""

from __future__ import annotations

import os
import pwd

import pytest

from tests.server._postgres import Cluster

pytestmark = pytest.mark.server


def test_a_database_per_test_on_a_real_server(pg_cluster: Cluster, pg_uri: str) -> None:
    database = pg_uri.rsplit("/", 1)[1]
    conn = pg_cluster.connect(database)
    try:
        with conn.cursor() as cursor:
            cursor.execute("SELECT current_setting('server_version_num')::int, current_setting('lc_collate'), "
                           "inet_server_addr()::text")
            version, collation, address = cursor.fetchone()
    finally:
        conn.close()
    assert version // 10000 == 15
    assert collation == "C"
    assert address.startswith("127.0.0.1")
    assert os.stat(pg_cluster.data).st_uid == pwd.getpwnam("postgres").pw_uid


def test_stop_ends_every_process_and_removes_the_folder() -> None:
    cluster = Cluster().start()
    pid = cluster._postmaster_pid
    conn = cluster.connect()  # a backend process in the postmaster's group
    cluster.stop()
    conn.close()
    assert not os.path.exists(cluster.folder)
    with pytest.raises(ProcessLookupError):
        os.killpg(pid, 0)
