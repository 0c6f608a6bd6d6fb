"""Disk full and unwritable places (issue: faults, item 2), by real means: a small tmpfs mounted by
the test (root only; skipped with the reason elsewhere) and a non-root user for permissions.

Every case: the script runs to its end (no exception, no traceback), each fault is one warning,
finish() says what the store holds, what only the run log holds and what was lost, the run never
stays RUNNING once the named fix is done, what the run log holds loads (the counts are checked),
and no TrackLab process outlives the bounded wait."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.faults import _matrix

pytestmark = pytest.mark.slow

MANY = 40_000  # rows of ~100 bytes: more than a 3 MB disk holds


def _count(stderr: str, text: str) -> int:
    return sum(text in line for line in stderr.splitlines())


def _summary(stderr: str) -> str:
    return next(line for line in stderr.splitlines() if "only in the local run log" in line)


def test_tracklab_dir_on_a_full_disk_then_space_freed(tmp_path: Path, tl_dir: Path) -> None:
    """The issue's case: TRACKLAB_DIR (a new store and the run folders) on a 3 MB filesystem. The
    store cannot be created there: init() says so; the run log fills, its end still fits, and
    once space is freed `tracklab sync` creates the store and loads all the log holds."""
    with _matrix.small_disk(tmp_path / "small") as disk:
        env = {"TRACKLAB_DIR": str(disk), "STEPS": str(MANY)}
        done = _matrix.train(Path.cwd(), env)
        assert done.returncode == 0 and "DONE" in done.stdout, done.stderr
        folder = _matrix.folder_of(done)
        _matrix.assert_the_rule(done.stderr, says=[f"cannot create the store {disk / 'mlflow.db'}", "KB free",
                                                   "free space there"], folder=folder, error_at_init=True)
        assert _count(done.stderr, "cannot write the run log") == 1, done.stderr
        kept = _matrix.logged_rows(folder)
        assert 0 < kept < MANY
        summary = _summary(done.stderr)
        assert f"0 steps are in the store, {kept} only in the local run log" in summary, summary
        assert f"{MANY - kept} logged steps could not be written to the run log (No space left on device)" in summary
        assert _last_record(folder).startswith(b'x{"exit_code":0,"state":"finished"')  # the end fit in the reserve
        _matrix.assert_nothing_left(disk)  # no writer was started to retry

        subprocess.run(["mount", "-o", "remount,size=64m", str(disk)], check=True)  # space is freed
        _matrix.sync(folder, {"TRACKLAB_DIR": str(disk)}, Path.cwd())
        assert _matrix.stored_points(disk / "mlflow.db", "fault001") == ("FINISHED", kept)
        print(f"matrix: {kept} of {MANY} steps fit in the run log, {kept} loaded")


def test_run_folder_full_store_elsewhere(tmp_path: Path, tl_dir: Path) -> None:
    """Runs on a full disk, the store on another: the store takes all the log holds and the run
    ends with its state; only what never reached the log is lost, and finish() says how much."""
    uri = f"sqlite:///{tl_dir / 'mlflow.db'}"
    with _matrix.small_disk(tmp_path / "small") as disk:
        env = {"TRACKLAB_DIR": str(disk), "TRACKLAB_TRACKING_URI": uri, "STEPS": str(MANY)}
        done = _matrix.train(Path.cwd(), env)
        assert done.returncode == 0 and "DONE" in done.stdout, done.stderr
        folder = _matrix.folder_of(done)
        _matrix.assert_the_rule(done.stderr, says=[], folder=folder, error_at_init=False, in_store_at_end=True)
        assert _count(done.stderr, "cannot write the run log") == 1, done.stderr
        kept = _matrix.logged_rows(folder)
        summary = _summary(done.stderr)
        assert f"{kept} steps are in the store, 0 only in the local run log" in summary, summary
        assert f"{MANY - kept} logged steps could not be written" in summary, summary
        _matrix.assert_nothing_left(disk)
        assert _matrix.stored_points(tl_dir / "mlflow.db", "fault001") == ("FINISHED", kept)
        print(f"matrix: {kept} of {MANY} steps fit in the run log, {kept} in the store")


def test_media_on_a_full_disk_then_space_freed(tmp_path: Path, tl_dir: Path) -> None:
    """Images logged into a run folder whose disk fills: log() never raises; the images that did
    not fit are left out of their steps (one warning), every scalar the log holds loads."""
    uri = f"sqlite:///{tl_dir / 'mlflow.db'}"
    with _matrix.small_disk(tmp_path / "small") as disk:
        env = {"TRACKLAB_DIR": str(disk), "TRACKLAB_TRACKING_URI": uri, "STEPS": "400", "IMAGES": "1",
               "FINISH_TIMEOUT": "10"}
        done = _matrix.train(Path.cwd(), env)
        assert done.returncode == 0 and "DONE" in done.stdout, done.stderr
        folder = _matrix.folder_of(done)
        assert "Traceback" not in done.stderr and "--- Logging error ---" not in done.stderr, done.stderr
        assert _count(done.stderr, "cannot write the run's files into") == 1, done.stderr
        assert _count(done.stderr, "only in the local run log") == 1, done.stderr
        kept = _matrix.logged_rows(folder)
        subprocess.run(["mount", "-o", "remount,size=64m", str(disk)], check=True)  # space is freed
        _matrix.assert_nothing_left(disk, timeout=120)
        _matrix.sync(folder, {"TRACKLAB_DIR": str(disk), "TRACKLAB_TRACKING_URI": uri}, Path.cwd())
        assert _matrix.stored_points(tl_dir / "mlflow.db", "fault001") == ("FINISHED", kept)
        print(f"matrix: media, {kept} of 400 steps in the run log, {kept} loaded")


def test_store_on_a_full_disk_then_space_freed(tmp_path: Path, tl_dir: Path) -> None:
    """The store's disk is full (SQLite: database or disk is full): nothing is lost, the writer
    waits; once space is freed it completes the run by itself."""
    with _matrix.small_disk(tmp_path / "small", size="8m") as disk:
        shutil.copyfile(tl_dir / "mlflow.db", disk / "mlflow.db")
        filler = _matrix.fill(disk, leave_bytes=64 * 1024)
        uri = f"sqlite:///{disk / 'mlflow.db'}"
        done = _matrix.train(Path.cwd(), {"TRACKLAB_TRACKING_URI": uri, "STEPS": "5000", "FINISH_TIMEOUT": "5"})
        assert done.returncode == 0 and "DONE" in done.stdout, done.stderr
        folder = _matrix.folder_of(done)
        _matrix.assert_the_rule(done.stderr, says=[], folder=folder, error_at_init=False)
        summary = _summary(done.stderr)
        assert "the store did not take everything" in summary and "could not be written" not in summary, summary
        assert _matrix.logged_rows(folder) == 5000

        filler.unlink()  # space is freed
        _matrix.assert_nothing_left(tl_dir, timeout=120)
        assert _matrix.stored_points(disk / "mlflow.db", "fault001") == ("FINISHED", 5000)


def test_artifact_folder_on_a_full_disk_then_space_freed(tmp_path: Path, tl_dir: Path) -> None:
    """The store's artifact folder is full: the metrics are in, the run's files wait; freed, the
    writer completes the run by itself."""
    with _matrix.small_disk(tl_dir / "artifacts", size="1m") as artifacts:
        filler = _matrix.fill(artifacts, leave_bytes=0)
        done = _matrix.train(Path.cwd(), {"STEPS": "500", "FINISH_TIMEOUT": "5"})
        assert done.returncode == 0 and "DONE" in done.stdout, done.stderr
        folder = _matrix.folder_of(done)
        # The run and its metrics are in the store (its files are what waits): finish() links it.
        _matrix.assert_the_rule(done.stderr, says=[], folder=folder, error_at_init=False, in_store_at_end=True)
        assert "the store did not take everything" in _summary(done.stderr)
        filler.unlink()
        _matrix.assert_nothing_left(tl_dir, timeout=120)
        assert _matrix.stored_points(tl_dir / "mlflow.db", "fault001") == ("FINISHED", 500)


def test_artifact_version_on_a_full_disk_waits_for_sync(tmp_path: Path, tl_dir: Path) -> None:
    """log_artifact() while the store's artifact folder is full: training goes on, the version
    waits in the run folder, finish() says so, and `tracklab sync` stores it once space is freed."""
    payload = tmp_path / "data.bin"
    payload.write_bytes(os.urandom(300_000))
    with _matrix.small_disk(tl_dir / "artifacts", size="1m") as artifacts:
        filler = _matrix.fill(artifacts, leave_bytes=64 * 1024)  # room for the run's folders, not the file
        done = _matrix.helpers.run_python(f"""
            import tracklab
            run = tracklab.init(project="faults", id="fault001", settings={{"finish_timeout": 5}})
            print("FOLDER", run.sync_dir, flush=True)
            run.log({{"loss": 1.0}})
            artifact = tracklab.Artifact("data", type="dataset")
            artifact.add_file({str(payload)!r})
            run.log_artifact(artifact)
            run.log({{"loss": 0.5}})
            run.finish()
            print("DONE", flush=True)
        """, Path.cwd(), env={"WANDB_SILENT": "false"})
        assert "DONE" in done.stdout and "Traceback" not in done.stderr, done.stderr
        folder = _matrix.folder_of(done)
        summary = _summary(done.stderr)
        # The run's own files may still wait too (the failed copy filled the disk): either way the
        # summary names the waiting version and the command.
        assert "1 artifact version(s) wait in the run folder" in summary, summary
        assert f"`tracklab sync {folder}`" in summary, summary
        filler.unlink()  # space is freed
        _matrix.assert_nothing_left(tl_dir, timeout=120)
        _matrix.sync(folder, {}, Path.cwd())
        assert _matrix.stored_points(tl_dir / "mlflow.db", "fault001") == ("FINISHED", 2)
        stored = _matrix.helpers.run_python("""
            import tracklab
            print("VERSIONS", [a.name for a in tracklab.Api().artifacts("dataset", "faults/data")])
        """, Path.cwd())
        assert "VERSIONS ['data:v0']" in stored.stdout, stored.stdout + stored.stderr


def test_artifact_folder_not_writable_stops_the_writer_at_once(tmp_path: Path, tl_dir: Path) -> None:
    """EACCES on the artifact folder (a non-root user): no permission does not heal by waiting, so
    the writer stops at once and says why; the run is left crashed, not RUNNING; after the fix
    `tracklab sync` loads it all and ends it with its real state."""
    artifacts = tl_dir / "artifacts"
    artifacts.mkdir(exist_ok=True)
    artifacts.chmod(0o555)
    try:
        # Halfway, the writer has stopped by itself (it does not wait out a retry loop).
        done = _matrix.train_with_a_pause(Path.cwd(), {"STEPS": "500"}, as_user=True, during=lambda folder: (
            _matrix.helpers.wait_until(lambda: _matrix.writer_pid(folder) is None, timeout=60,
                                       what="the writer to stop on its own")))
        assert done.returncode == 0 and "DONE" in done.stdout, done.stderr
        folder = _matrix.folder_of(done)
        _matrix.assert_the_rule(done.stderr, says=[], folder=folder, error_at_init=False)
        # During the run (log() goes on): one warning naming the place; at finish() the summary.
        stopped = [line for line in done.stderr.splitlines() if "the store stopped taking this run" in line]
        assert len(stopped) == 1 and "Permission denied" in stopped[0] and str(artifacts) in stopped[0], done.stderr
        summary = _summary(done.stderr)
        assert "Permission denied" in summary and "make it writable by this user" in summary, summary
        assert str(artifacts) in summary, summary
        _matrix.assert_nothing_left(tl_dir)  # stopped at once: no 10-minute retry loop
        assert _matrix.stored_points(tl_dir / "mlflow.db", "fault001")[0] == "FAILED"  # crashed, not RUNNING
    finally:
        artifacts.chmod(0o755)  # the fix
    _matrix.sync(folder, {}, Path.cwd())
    assert _matrix.stored_points(tl_dir / "mlflow.db", "fault001") == ("FINISHED", 500)


def test_run_folder_not_writable_is_a_clear_error_at_init(tmp_path: Path, tl_dir: Path) -> None:
    """EACCES on TRACKLAB_DIR: init() cannot keep the run anywhere, so it raises one clear error."""
    locked = tmp_path / "read-only"
    locked.mkdir()
    locked.chmod(0o555)
    done = _matrix.train(Path.cwd(), {"TRACKLAB_DIR": str(locked), "TRACKLAB_TRACKING_URI": f"sqlite:///{tl_dir / 'mlflow.db'}"},
                         as_user=True)
    assert done.returncode == 1
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith("tracklab.errors.Error: init: cannot write the run folder " + str(locked)), done.stderr
    assert "Permission denied" in last and "TRACKLAB_DIR" in last, last
    assert "View run" not in done.stderr
    _matrix.assert_nothing_left(locked)


def _last_record(folder: str) -> bytes:
    with open(os.path.join(folder, "run.tlog"), "rb") as log:
        return log.read().rstrip(b"\n").rsplit(b"\n", 1)[-1]


def test_offline_run_on_a_full_disk_counts_what_is_lost(tmp_path: Path, tl_dir: Path) -> None:
    """An offline run on a full disk: training goes on, finish() counts the lost steps, the run's
    end still fits (the room kept for it), and what the log holds loads with `tracklab sync`."""
    with _matrix.small_disk(tmp_path / "small") as disk:
        env = {"TRACKLAB_DIR": str(disk), "TRACKLAB_MODE": "offline", "STEPS": str(MANY)}
        done = _matrix.train(Path.cwd(), env)
        assert done.returncode == 0 and "DONE" in done.stdout and "Traceback" not in done.stderr, done.stderr
        folder = _matrix.folder_of(done)
        kept = _matrix.logged_rows(folder)
        assert 0 < kept < MANY
        assert _count(done.stderr, "cannot write the run log") == 1, done.stderr
        lost = [line for line in done.stderr.splitlines() if "could not be written to the run log" in line]
        assert len(lost) == 1 and f"{MANY - kept} logged steps" in lost[0], done.stderr
        assert f"the {kept} steps it holds load with `tracklab sync {folder}`" in lost[0], lost[0]
        assert _last_record(folder).startswith(b'x{"exit_code":0,"state":"finished"')
        _matrix.sync(folder, {"TRACKLAB_DIR": str(disk), "TRACKLAB_TRACKING_URI": f"sqlite:///{tl_dir / 'mlflow.db'}"},
                     Path.cwd())
        assert _matrix.stored_points(tl_dir / "mlflow.db", "fault001") == ("FINISHED", kept)
        print(f"matrix: offline, {kept} of {MANY} steps fit in the run log, {kept} loaded")
