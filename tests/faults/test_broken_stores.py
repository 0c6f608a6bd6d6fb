"""Broken and foreign stores (issue: faults, item 3): a file that is not a database, another
program's database, an MLflow schema newer or older than the installed MLflow, a store folder
moved away from its artifact paths, a store this user may not write. Each is said once at init()
naming the store and the fix; the run is kept in its local run folder (no writer starts, so
nothing lingers) and, once the store is fixed, `tracklab sync` loads every step of it."""

from __future__ import annotations

import contextlib
import os
import shutil
import sqlite3
import sys
from pathlib import Path
from typing import Callable

import pytest

from tests.faults import _matrix
from tracklab.backend import store_setup

STEPS = 100


def _set_revision(db: Path, revision: str) -> None:
    with contextlib.closing(sqlite3.connect(db)) as conn:
        conn.execute("UPDATE alembic_version SET version_num = ?", (revision,))
        conn.commit()


def _head() -> str:
    installed = store_setup.installed_revisions()
    assert installed is not None
    return installed[1][0]


def text_file(root: Path) -> Callable[[], None]:
    db = root / "mlflow.db"
    db.write_text("my notes, not a database\n")

    def fix() -> None:
        db.rename(root / "notes.txt")  # the message's fix: move it away, a new store is created
    return fix


def truncated(root: Path) -> Callable[[], None]:
    db = root / "mlflow.db"
    whole = db.read_bytes()
    os.truncate(db, 100_000)  # a copy cut short (a full disk, an interrupted transfer)

    def fix() -> None:
        db.write_bytes(whole)  # restored from a backup
    return fix


def other_program(root: Path) -> Callable[[], None]:
    db = root / "mlflow.db"
    db.unlink()
    with contextlib.closing(sqlite3.connect(db)) as conn:
        conn.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)")
        conn.execute("INSERT INTO notes (body) VALUES ('keep me')")
        conn.commit()

    def fix() -> None:
        db.rename(root / "notes.db")
    return fix


def newer_mlflow(root: Path) -> Callable[[], None]:
    _set_revision(root / "mlflow.db", "ffffffffffff")  # a revision the installed MLflow never had
    return lambda: _set_revision(root / "mlflow.db", _head())  # what installing that MLflow gives


def older_mlflow(root: Path) -> Callable[[], None]:
    installed = store_setup.installed_revisions()
    assert installed is not None
    _set_revision(root / "mlflow.db", installed[1][1])  # the revision before the installed head
    # The fix is `mlflow db upgrade`; the tables here are already the head's, so its result is
    # the head revision (running the migration again would fail on the existing columns).
    return lambda: _set_revision(root / "mlflow.db", _head())


CASES = {
    "not a database": (text_file, ["is not an SQLite database", "move the file away"]),
    "truncated database": (truncated, ["is damaged (truncated or overwritten)", "restore it from a backup"]),
    "another program's database": (other_program, ["a database of another program", "notes"]),
    "newer MLflow schema": (newer_mlflow, ["made by a newer MLflow", "ffffffffffff", "pip install -U mlflow"]),
    "older MLflow schema": (older_mlflow, ["schema of an older MLflow", "mlflow db upgrade sqlite:///"]),
}


@pytest.mark.parametrize("case", list(CASES))
def test_a_broken_store_is_said_at_init_and_the_run_is_kept_for_sync(case: str, tl_dir: Path) -> None:
    break_it, says = CASES[case]
    fix = break_it(tl_dir)
    before = (tl_dir / "mlflow.db").read_bytes()
    done = _matrix.train(Path.cwd(), {"STEPS": str(STEPS), "WANDB_SILENT": "true"})
    assert done.returncode == 0, done.stderr
    folder = _matrix.folder_of(done)
    # Silenced: these messages are about the user's data and still show.
    _matrix.assert_the_rule(done.stderr, says=[str(tl_dir / "mlflow.db"), *says], folder=folder,
                            error_at_init=True)
    assert f"0 steps are in the store, {STEPS} only in the local run log" in done.stderr
    assert (tl_dir / "mlflow.db").read_bytes() == before  # the user's file is never touched
    assert not os.path.exists(os.path.join(folder, "writer.log"))  # no writer was started to retry
    _matrix.assert_nothing_left(tl_dir)
    assert _matrix.logged_rows(folder) == STEPS

    fix()
    _matrix.sync(folder, {}, Path.cwd())
    assert _matrix.stored_points(tl_dir / "mlflow.db", "fault001") == ("FINISHED", STEPS)


def test_a_moved_store_is_said_at_init_and_loads_once_moved_back(tmp_path: Path, tl_dir: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    first = tmp_path / "first-home"
    store_setup.ensure_sqlite_store(str(first / "mlflow.db"), str(first / "artifacts"))
    moved = tmp_path / "moved-home"
    first.rename(moved)
    monkeypatch.setenv("TRACKLAB_DIR", str(moved))
    done = _matrix.train(Path.cwd(), {"STEPS": str(STEPS)})
    assert done.returncode == 0, done.stderr
    folder = _matrix.folder_of(done)
    _matrix.assert_the_rule(done.stderr, says=[str(moved / "mlflow.db"), f"was moved from {first}",
                                               f"move the folder back to {first}"],
                            folder=folder, error_at_init=True)
    assert not first.exists()  # nothing was written to the old place
    _matrix.assert_nothing_left(moved)

    moved.rename(first)  # the fix the message names
    back = folder.replace(str(moved), str(first))
    _matrix.sync(back, {"TRACKLAB_DIR": str(first)}, Path.cwd())
    assert _matrix.stored_points(first / "mlflow.db", "fault001") == ("FINISHED", STEPS)


def test_a_store_this_user_may_not_write_is_said_at_init(tmp_path: Path, tl_dir: Path) -> None:
    """EACCES on the store: a store folder a (non-root) user may only read."""
    locked = tmp_path / "read-only-store"
    locked.mkdir()
    shutil.copyfile(tl_dir / "mlflow.db", locked / "mlflow.db")
    locked.chmod(0o555)
    uri = f"sqlite:///{locked / 'mlflow.db'}"
    try:
        done = _matrix.train(Path.cwd(), {"STEPS": str(STEPS), "TRACKLAB_TRACKING_URI": uri}, as_user=True)
        assert done.returncode == 0, done.stderr
        folder = _matrix.folder_of(done)
        _matrix.assert_the_rule(done.stderr, says=[str(locked / "mlflow.db"), "cannot be written by this user",
                                                   "fix its permissions"], folder=folder, error_at_init=True)
        _matrix.assert_nothing_left(tl_dir)
    finally:
        locked.chmod(0o755)  # the fix
    _matrix.sync(folder, {"TRACKLAB_TRACKING_URI": uri}, Path.cwd())
    assert _matrix.stored_points(locked / "mlflow.db", "fault001") == ("FINISHED", STEPS)


def test_a_moved_store_kept_where_it_is_once_repointed(tmp_path: Path, tl_dir: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """The other fix the message names: keep the store in its new folder and repoint its paths
    (`tracklab verify --repoint`); the runs stored before the move read back from there."""
    first = tmp_path / "first-home"
    earlier = _matrix.train(Path.cwd(), {"TRACKLAB_DIR": str(first), "STEPS": "10", "RUN_ID": "earlier1"})
    assert earlier.returncode == 0, earlier.stderr
    _matrix.assert_nothing_left(first)
    moved = tmp_path / "moved-home"
    first.rename(moved)
    monkeypatch.setenv("TRACKLAB_DIR", str(moved))
    done = _matrix.train(Path.cwd(), {"STEPS": str(STEPS)})
    folder = _matrix.folder_of(done)
    fix = f"`tracklab verify --repoint --tracking-uri sqlite:///{moved / 'mlflow.db'}`"
    _matrix.assert_the_rule(done.stderr, says=[f"was moved from {first}", fix], folder=folder, error_at_init=True)

    repointed = _matrix.helpers.run([sys.executable, "-m", "tracklab.cli", "verify", "--repoint", "--tracking-uri",
                                     f"sqlite:///{moved / 'mlflow.db'}"], cwd=str(Path.cwd()),
                                    env=_matrix.helpers.python_env(), capture_output=True, text=True, timeout=300)
    assert f"path(s) under {first} now name {moved}" in repointed.stdout, repointed.stdout + repointed.stderr
    assert "ok    store: " in repointed.stdout, repointed.stdout
    _matrix.sync(folder, {}, Path.cwd())
    assert _matrix.stored_points(moved / "mlflow.db", "fault001") == ("FINISHED", STEPS)
    assert not first.exists()
    read = _matrix.helpers.run_python("""
        import tracklab
        run = tracklab.Api().run("faults/earlier1")
        print("EARLIER", run.state, len(run.history()), sorted(f.name for f in run.files()))
    """, Path.cwd())
    # Its files are read from the new folder (before the repoint they were looked for in the old).
    assert "EARLIER finished 10 [" in read.stdout and "'config.yaml'" in read.stdout, read.stdout + read.stderr
