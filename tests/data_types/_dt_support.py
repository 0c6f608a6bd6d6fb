"""Shared helpers of the data-type tests (importable by plain name from this folder)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent


class FakeRun:
    """Stands in for the core run: records what serialize_value asks of it."""

    def __init__(self, files_dir: str, run_id: str = "abc12345") -> None:
        self.id = run_id
        self.dir = files_dir
        self.singletons: dict[str, dict[str, Any]] = {}
        self.published: list[str] = []
        self.table_artifacts: list[Any] = []

    def _add_singleton(self, data_type: str, key: str, value: Any) -> None:
        self.singletons.setdefault(data_type, {})[key] = {"type": data_type, "key": key, "value": value}

    def _publish_file(self, path: str) -> None:
        self.published.append(path)

    def _tracklab_log_table_artifact(self, artifact: Any) -> None:
        self.table_artifacts.append(artifact)
