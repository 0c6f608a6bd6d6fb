"""A new local store made from the shipped schema script is the store MLflow makes."""

from __future__ import annotations

import contextlib
import sqlite3
from pathlib import Path

import pytest

from tracklab.backend import store_schema, store_setup


def _normalized(sql: str | None) -> object:
    """A schema statement with its definition lines as a set: MLflow's migrations emit
    constraints and indexes in an order that changes with Python's hash seed."""
    if sql is None:
        return None
    return tuple(sorted(line.strip().rstrip(",") for line in sql.splitlines()))


def _mlflow_store(folder: Path) -> Path:
    from mlflow.store.tracking.sqlalchemy_store import SqlAlchemyStore

    db = folder / "mlflow.db"
    SqlAlchemyStore(f"sqlite:///{db}", str(folder / "artifacts")).engine.dispose()
    return db


def _contents(db: Path) -> tuple[list, dict]:
    with contextlib.closing(sqlite3.connect(db)) as conn:
        schema = sorted(((kind, name, table, _normalized(sql)) for kind, name, table, sql in
                         conn.execute("SELECT type, name, tbl_name, sql FROM sqlite_master")), key=lambda row: row[:2])
        rows = {}
        for (table,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'"):
            rows[table] = sorted(conn.execute(f'SELECT * FROM "{table}"').fetchall(), key=repr)
    return schema, rows


def test_the_shipped_script_is_what_the_installed_mlflow_creates(tmp_path):
    script = store_schema.SCHEMA_FILE.read_text()
    installed = store_schema.installed_mlflow_version()
    if store_schema.script_version(script) != installed:
        pytest.skip(f"script dumped from MLflow {store_schema.script_version(script)}, installed {installed}: "
                    "the script is not used (see test_another_mlflow_version_creates_with_mlflow)")
    db = _mlflow_store(tmp_path)
    dumped = store_schema.dump(str(db), installed)
    assert sorted(map(_normalized, dumped.split(";\n"))) == sorted(map(_normalized, script.split(";\n"))), \
        "run `python -m tracklab.backend.store_schema`"


def test_a_store_from_the_script_equals_mlflows_and_mlflow_uses_it(tmp_path):
    if store_schema.usable_script() is None:
        pytest.skip("the script does not match the installed MLflow")
    ours = tmp_path / "ours"
    revision = store_setup.ensure_sqlite_store(str(ours / "mlflow.db"), str(ours / "artifacts"))
    assert revision in store_setup.KNOWN_REVISIONS
    (tmp_path / "theirs").mkdir()
    theirs = _mlflow_store(tmp_path / "theirs")

    our_schema, our_rows = _contents(ours / "mlflow.db")
    their_schema, their_rows = _contents(theirs)
    assert our_schema == their_schema
    [(exp_id, name, location, stage, created, updated, workspace)] = our_rows.pop("experiments")
    [(_, their_name, their_location, *_)] = their_rows.pop("experiments")
    assert (exp_id, name, stage, workspace) == (0, their_name, "active", "default")
    assert location == str(ours / "artifacts" / "0") and their_location.endswith("/theirs/artifacts/0")
    assert created == updated > 0
    assert our_rows == their_rows
    with contextlib.closing(sqlite3.connect(ours / "mlflow.db")) as conn:
        assert conn.execute("PRAGMA page_size").fetchone()[0] == store_setup.PAGE_SIZE
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"

    from mlflow.tracking import MlflowClient

    client = MlflowClient(f"sqlite:///{ours / 'mlflow.db'}")
    experiment_id = client.create_experiment("e")
    run = client.create_run(experiment_id)
    client.log_metric(run.info.run_id, "loss", 0.5, step=3)
    client.set_terminated(run.info.run_id)
    [found] = client.search_runs([experiment_id])
    assert found.data.metrics == {"loss": 0.5} and found.info.status == "FINISHED"
    assert client.get_experiment("0").name == "Default"


def test_another_mlflow_version_creates_with_mlflow(tmp_path, monkeypatch):
    script = tmp_path / "schema.sql"
    script.write_text(store_schema.SCHEMA_FILE.read_text().replace(
        store_schema.SCHEMA_FILE.read_text().split("\n", 1)[0], "-- mlflow 0.0.1", 1))
    monkeypatch.setattr(store_schema, "SCHEMA_FILE", script)
    assert store_schema.usable_script() is None
    calls = []
    real = store_setup._create_with_mlflow
    monkeypatch.setattr(store_setup, "_create_with_mlflow", lambda *args: calls.append(args) or real(*args))
    root = tmp_path / "store"
    assert store_setup.ensure_sqlite_store(str(root / "mlflow.db"), str(root / "artifacts")) in store_setup.KNOWN_REVISIONS
    assert len(calls) == 1
