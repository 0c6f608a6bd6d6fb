"""Helpers for the artifact tests."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any, Iterable

import tracklab


def write_tree(root: Path, files: dict[str, bytes]) -> Path:
    """Write `files` (relative path -> bytes) under `root`; return `root`."""
    for rel, data in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    return root


def read_tree(root: Path | str) -> dict[str, bytes]:
    """Every file under `root` as relative POSIX path -> bytes."""
    root = Path(root)
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def log_folder(run: Any, name: str, folder: Path, aliases: Iterable[str] = (), kind: str = "dataset",
               **fields: Any) -> Any:
    """Log `folder` as a version of `name` and wait until it is stored."""
    artifact = tracklab.Artifact(name, kind, **fields)
    artifact.add_dir(str(folder))
    return run.log_artifact(artifact, aliases=list(aliases)).wait()


def md5(data: bytes) -> str:
    return hashlib.md5(data).hexdigest()


def settle(run: Any) -> None:
    """Wait for the run's background artifact work (what Run.finish will do once hooked)."""
    from tracklab.sdk.artifacts import run_api

    run_api.finish_pending(run)
