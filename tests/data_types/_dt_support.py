"""Shared helpers of the data-type tests (importable by plain name from this folder)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent


class FakeRun:
    """Stands in for the Run's media sink: records what serialize_value asks of it."""

    allow_media_symlink = False

    def __init__(self, files_dir: str, run_id: str = "abc12345") -> None:
        self.id = run_id
        self.dir = files_dir
        self.singletons: dict[str, dict[str, Any]] = {}
        self.published: list[str] = []
        self.table_artifacts: list[Any] = []

    def record_class_labels(self, data_type: str, key: str, labels: Any) -> None:
        self.singletons.setdefault(data_type, {})[key] = {"type": data_type, "key": key, "value": labels}

    def publish_file(self, relpath: str) -> None:
        self.published.append(relpath)

    def log_table_artifact(self, artifact: Any) -> None:
        self.table_artifacts.append(artifact)
