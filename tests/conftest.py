"""Shared fixtures: an isolated TrackLab folder per test, on a real MLflow SQLite store; and the
suite's process hygiene: what a test starts is stopped when it ends, nothing outlives the session.

Creating an MLflow store runs MLflow's migrations (seconds), so one store is made per session
and copied into each test's folder.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from tests import helpers  # noqa: E402  (needs REPO on sys.path)

# Every process the suite starts inherits this, so leftovers can be told from other programs.
os.environ[helpers.SESSION_VAR] = str(os.getpid())
_LEFTOVERS: list[tuple[int, str]] = []

# Environment that would leak a developer's own settings into the tests.
_LEAKY = ("WANDB_", "TRACKLAB_", "MLFLOW_TRACKING_URI")


# Tests that use these fixtures get the marker without saying so (tests that start a server or a
# browser themselves are marked where they are written).
_MARKERS_OF_FIXTURES = {"browser": "browser", "ui_server": "server", "mlflow_server": "server",
                        "team_server": "server", "pg_cluster": "server"}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        for fixture in set(getattr(item, "fixturenames", ())) & _MARKERS_OF_FIXTURES.keys():
            item.add_marker(_MARKERS_OF_FIXTURES[fixture])


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> object:
    """Stop (whole process groups) every child the test's body started, pass or fail; fixtures
    stop their own children in their teardown."""
    since = len(helpers.STARTED)
    try:
        return (yield)
    finally:
        helpers.stop_started(since)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Kill anything the suite started that still runs (writers get a few seconds to end)."""
    helpers.stop_started()
    try:
        helpers.wait_until(lambda: not helpers.leftover_processes(), timeout=10, interval=0.2)
    except AssertionError:
        _LEFTOVERS.extend(helpers.leftover_processes())
        for pid, _ in _LEFTOVERS:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, signal.SIGKILL)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if _LEFTOVERS:
        terminalreporter.section("processes the tests left running (killed)")
        for pid, cmdline in _LEFTOVERS:
            terminalreporter.line(f"{pid}: {cmdline[:200]}")


@pytest.fixture(autouse=True)
def _terminal_not_silenced_by_an_earlier_test() -> Iterator[None]:
    """A run takes `settings.silent` (WANDB_SILENT) into process-wide terminal state that outlives
    it, as wandb's `termsetup` does; each test starts with it unset, as a fresh process would."""
    yield
    terminal = sys.modules.get("tracklab.errors.term")
    if terminal is not None:
        terminal.termsetup(None)


@pytest.fixture(scope="session")
def template_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from tracklab.backend.store_setup import ensure_sqlite_store

    root = tmp_path_factory.mktemp("template-store")
    ensure_sqlite_store(str(root / "mlflow.db"), str(root / "artifacts"))
    return root


def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith(_LEAKY):
            monkeypatch.delenv(name, raising=False)


@pytest.fixture
def tl_dir(tmp_path: Path, template_store: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A TrackLab folder with a ready store; TRACKLAB_DIR points at it; cwd is a scratch folder."""
    _clean_environment(monkeypatch)
    root = tmp_path / "tracklab"
    root.mkdir()
    shutil.copyfile(template_store / "mlflow.db", root / "mlflow.db")
    monkeypatch.setenv("TRACKLAB_DIR", str(root))
    monkeypatch.setenv("WANDB_SILENT", "true")
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    yield root
    import tracklab

    tracklab.finish()


@pytest.fixture
def new_tl_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A TrackLab folder with no store yet."""
    _clean_environment(monkeypatch)
    root = tmp_path / "fresh"
    monkeypatch.setenv("TRACKLAB_DIR", str(root))
    monkeypatch.setenv("WANDB_SILENT", "true")
    monkeypatch.chdir(tmp_path)
    return root
