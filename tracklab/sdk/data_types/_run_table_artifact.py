"""The artifact a logged table creates (wandb: `run-<run id>-<key>`, type `run_table`).

`_log_table_artifact` builds it and hands it to the `MediaSink`; the Run's sink keeps its
files and logs it as a version of the run's artifact (`_table_versions`)."""

from __future__ import annotations

import json
import os
import re
import time
import zlib
from base64 import urlsafe_b64encode
from typing import TYPE_CHECKING, Any

from .base_types.media import _tmp_path
from .base_types.wb_value import WBValue

if TYPE_CHECKING:
    from ._media_sink import MediaSink


def _sanitize_artifact_name(name: str) -> str:
    """wandb's artifact-name rule: drop odd characters, add a CRC suffix if any were."""
    cleaned = re.sub(r"[^a-zA-Z0-9_\-.]+", "", name)
    if cleaned == name:
        return name
    crc = zlib.crc32(name.encode("utf-8")) & 0xFFFFFFFF
    suffix = urlsafe_b64encode(crc.to_bytes(4, "big")).rstrip(b"=").decode("ascii")
    return f"{cleaned}-{suffix}"


def _client_id() -> str:
    from tracklab.sdk.lib.runid import generate_id

    return generate_id(128)


class _RunTableArtifact:
    """The artifact a logged table creates (wandb: `run-<id>-<key>`, `run_table`).

    It collects the files to store: `files` maps each artifact path to a local
    file (the table's `<key>.table.json` with column types, and any media cells).
    """

    def __init__(self, name: str, type: str, incremental: bool = False) -> None:
        self.name = name
        self.type = type
        self.incremental = incremental
        self._client_id = _client_id()
        self._sequence_client_id = _client_id()
        self.files: dict[str, str] = {}
        self._added: dict[int, tuple[Any, str]] = {}
        self._staging = _tmp_path(".artifact")
        os.makedirs(self._staging, exist_ok=True)

    def add_file(self, local_path: str, name: str | None = None, is_tmp: bool = False, **_: Any) -> Any:
        name = (name or os.path.basename(local_path)).replace(os.sep, "/")
        self.files[name] = local_path
        return _Entry(name)

    def add_reference(self, uri: str, name: str | None = None, **_: Any) -> list:
        raise NotImplementedError("references are not stored in run-table artifacts")

    def get_added_local_path_name(self, local_path: str) -> str | None:
        for name, path in self.files.items():
            if path == local_path:
                return name
        return None

    def add(self, obj: WBValue, name: str) -> Any:
        """Store `obj` as `<name>.<type>.json`, as wandb's `Artifact.add` does."""
        if id(obj) in self._added:
            return _Entry(self._added[id(obj)][1])
        payload = obj.to_json(self)
        entry_name = obj.with_suffix(name)
        path = os.path.join(self._staging, entry_name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w", encoding="utf-8") as f:
            json.dump(payload, f, sort_keys=True)
        self.add_file(path, entry_name)
        self._added[id(obj)] = (obj, entry_name)
        if obj._artifact_target is None:
            obj._set_artifact_target(self, entry_name)
        return _Entry(entry_name)


class _Entry:
    def __init__(self, path: str) -> None:
        self.path = path
        self.digest = ""


def _log_table_artifact(table: Any, key: str, sink: MediaSink) -> None:
    """Build the artifact of a logged table and hand it to the sink."""
    run_id = sink.id
    if getattr(table, "log_mode", None) == "INCREMENTAL":
        table._set_incremental_table_run_target(sink)
        art = _RunTableArtifact(
            _sanitize_artifact_name(f"run-{run_id}-incr-{key}"), "wandb-run-incremental-table", incremental=True
        )
        entry_name = f"{table._increment_num}-{time.time_ns() // 1_000_000}.{key}"
    else:
        art = _RunTableArtifact(f"run-{run_id}-{key}", "run_table")
        entry_name = key
    art.add(table, entry_name)
    sink.log_table_artifact(art)
