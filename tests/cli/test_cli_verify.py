"""`tracklab verify`: every check ok on a good install; a broken store and gpu_stats are named, exit 1."""

from __future__ import annotations

import socket
import sqlite3
from pathlib import Path

from tests.cli._cli import tl


def test_verify_passes_on_a_working_install(tl_dir: Path, tmp_path: Path) -> None:
    proc = tl("verify", cwd=tmp_path)
    lines = proc.stdout.splitlines()
    for name in ("store", "mlflow plugin", "ui assets", "gpu_stats", "round trip"):
        assert any(line.startswith(f"ok    {name}: ") for line in lines), proc.stdout
    assert "schema revision dc11669786a5 (bulk writer)" in proc.stdout
    assert "mlflow_plugins.tracklab_app:create_app" in proc.stdout
    assert ("took a sample" in proc.stdout) or ("Python fallback" in proc.stdout)
    assert lines[-1] == "all checks passed"


def test_verify_names_what_is_wrong_and_exits_1(tl_dir: Path, tmp_path: Path) -> None:
    with sqlite3.connect(tl_dir / "mlflow.db") as conn:
        conn.execute("UPDATE alembic_version SET version_num = 'feedc0ffee00'")
    proc = tl("verify", cwd=tmp_path, env={"TRACKLAB_GPU_STATS_BIN": "/bin/false"}, check=False)
    assert proc.returncode == 1
    assert "FAIL  store: " in proc.stdout and "schema revision feedc0ffee00" in proc.stdout
    assert "FAIL  gpu_stats: /bin/false exited with code 1" in proc.stdout
    assert proc.stdout.count("        -> ") == 2  # each failure says what to do
    assert "ok    round trip" in proc.stdout  # the other checks still ran
    assert "2 check(s) failed: store, gpu_stats" in proc.stderr


def test_verify_reports_an_unreachable_server(tl_dir: Path, tmp_path: Path) -> None:
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    proc = tl("verify", cwd=tmp_path, env={"TRACKLAB_TRACKING_URI": f"http://127.0.0.1:{port}"}, check=False)
    assert proc.returncode == 1
    assert f"FAIL  store: http://127.0.0.1:{port} cannot be reached" in proc.stdout
