"""Shared fixtures: an isolated TrackLab folder per test, on a real MLflow SQLite store.

Creating an MLflow store runs MLflow's migrations (seconds), so one store is made per session
and copied into each test's folder.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

# Environment that would leak a developer's own settings into the tests.
_LEAKY = ("WANDB_", "TRACKLAB_", "MLFLOW_TRACKING_URI")


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
