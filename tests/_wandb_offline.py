"""Run a snippet under the real wandb (offline) and read back what it recorded.

This is the oracle for TrackLab's differential tests: the same logging code is run
under wandb 0.31 offline and under TrackLab, and the two records are compared.

wandb 0.31 no longer ships a Python reader for its transaction log (the old
`wandb.sdk.internal.datastore` went away with the Go core), so the small
LevelDB-style log reader lives here; the records themselves are decoded with
wandb's own protobuf classes (`wandb.proto.wandb_internal_pb2.Record`).

Usage::

    from tests._wandb_offline import run_wandb_offline

    def test_x(tmp_path):
        out = run_wandb_offline(
            '''
            import wandb
            run = wandb.init(project="p")
            wandb.log({"a": 1})
            wandb.finish()
            ''',
            tmp_path,
        )
        assert out["history"][0]["a"] == 1

The snippet is dedented, written to `<tmp_path>/wandb_snippet.py` and run with the
current interpreter in `<tmp_path>` as working directory. It must import `wandb`
itself. Whatever the snippet needs (inputs, helper modules) should be passed by
absolute path or through `extra_env`.
"""

from __future__ import annotations

import glob
import json
import os
import struct
import subprocess
import sys
import textwrap
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

__all__ = [
    "WandbOfflineError",
    "iter_records",
    "read_run_file",
    "run_wandb_offline",
    "strip_volatile",
]

#: History/summary keys wandb adds by itself whose values vary between runs.
VOLATILE_KEYS = ("_runtime", "_timestamp", "_wandb")

# The transaction log is LevelDB's log format with a 7-byte file header
# (":W&B", magic 0xBEE1, version 0) and 32 KiB blocks of chunked records.
_FILE_HEADER = struct.Struct("<4sHB")
_CHUNK_HEADER = struct.Struct("<IHB")
_BLOCK = 32 * 1024
_FULL, _FIRST, _MIDDLE, _LAST = 1, 2, 3, 4


class WandbOfflineError(RuntimeError):
    """The wandb snippet failed, or its run file could not be found or read."""


def iter_records(path: str | os.PathLike[str]) -> Iterator[Any]:
    """Yield each `wandb_internal_pb2.Record` stored in a `run-<id>.wandb` file."""
    from wandb.proto import wandb_internal_pb2 as pb

    data = Path(path).read_bytes()
    if len(data) < _FILE_HEADER.size:
        raise WandbOfflineError(f"{path}: too short to be a wandb run file")
    ident, magic, _version = _FILE_HEADER.unpack_from(data)
    if ident != b":W&B" or magic != 0xBEE1:
        raise WandbOfflineError(f"{path}: not a wandb run file (header {data[:7]!r})")

    offset = _FILE_HEADER.size
    pending = bytearray()
    while offset + _CHUNK_HEADER.size <= len(data):
        room = _BLOCK - offset % _BLOCK
        if room < _CHUNK_HEADER.size:
            # The writer pads the tail of a block that cannot hold a header.
            offset += room
            continue
        _crc, length, kind = _CHUNK_HEADER.unpack_from(data, offset)
        offset += _CHUNK_HEADER.size
        if kind == 0 and length == 0:
            # Zero padding: the writer stopped (or pre-allocated) here.
            break
        chunk = data[offset : offset + length]
        offset += length
        if kind == _FULL:
            payload: bytes | None = bytes(chunk)
        elif kind == _FIRST:
            pending = bytearray(chunk)
            payload = None
        elif kind == _MIDDLE:
            pending += chunk
            payload = None
        elif kind == _LAST:
            pending += chunk
            payload = bytes(pending)
            pending = bytearray()
        else:
            raise WandbOfflineError(f"{path}: bad chunk type {kind} at byte {offset}")
        if payload is not None:
            record = pb.Record()
            record.ParseFromString(payload)
            yield record


def _item_path(item: Any) -> list[str]:
    return list(item.nested_key) if item.nested_key else [item.key]


def _history_value(item: Any) -> Any:
    # A history item carries JSON text by default; the typed form exists behind a
    # setting (x_history_value_encoding), so read whichever is present.
    if item.value_json:
        return json.loads(item.value_json)
    kind = item.WhichOneof("value")
    if kind in (None, "none"):
        return None
    if kind == "json":
        return json.loads(item.json)
    return getattr(item, kind)


def _set_path(tree: dict[str, Any], path: list[str], value: Any) -> None:
    node = tree
    for part in path[:-1]:
        child = node.get(part)
        if not isinstance(child, dict):
            child = node[part] = {}
        node = child
    node[path[-1]] = value


def _del_path(tree: dict[str, Any], path: list[str]) -> None:
    node: Any = tree
    for part in path[:-1]:
        node = node.get(part) if isinstance(node, dict) else None
        if node is None:
            return
    if isinstance(node, dict):
        node.pop(path[-1], None)


def _flatten(row: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """Join nested plain dicts with "/", as wandb shows history keys.

    A dict holding `_type` is a media/histogram descriptor and stays whole.
    """
    out: dict[str, Any] = {}
    for key, value in row.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict) and value and "_type" not in value:
            out.update(_flatten(value, name + "/"))
        else:
            out[name] = value
    return out


def strip_volatile(obj: dict[str, Any], keys: tuple[str, ...] = VOLATILE_KEYS) -> dict[str, Any]:
    """Return a copy of a history row or summary without wandb's timing keys."""
    return {k: v for k, v in obj.items() if k not in keys}


def _config_value(tree: dict[str, Any], item: Any) -> None:
    _set_path(tree, _item_path(item), json.loads(item.value_json))


def _artifact_dict(art: Any) -> dict[str, Any]:
    return {
        "name": art.name,
        "type": art.type,
        "aliases": list(art.aliases),
        "digest": art.digest,
        "client_id": art.client_id,
        "sequence_client_id": art.sequence_client_id,
        "entries": [
            {
                "path": entry.path,
                "digest": entry.digest,
                "size": entry.size,
                "local_path": entry.local_path,
            }
            for entry in art.manifest.contents
        ],
    }


def read_run_file(
    path: str | os.PathLike[str],
    *,
    strip_internal: bool = True,
    flatten: bool = True,
) -> dict[str, Any]:
    """Decode one `run-<id>.wandb` file.

    Returns a dict:

    - ``history``: one dict per committed row, in order, each with ``_step``.
      With ``flatten`` nested plain dicts become ``"a/b"`` keys (what wandb's
      UI and API show); media descriptors (dicts with ``_type``) stay whole.
    - ``summary``: the final summary, nested as wandb keeps it.
    - ``config``: the final config, values unwrapped (no ``{"value": ...}``);
      ``_wandb`` is kept there only when ``strip_internal`` is false.
    - ``artifacts``: the artifact records (name, type, aliases, digest,
      client ids, manifest entries with their staged ``local_path``).
    - ``run_id``: the run's id; ``start_time``: its start (epoch seconds).

    ``strip_internal`` drops ``_runtime``, ``_timestamp`` and ``_wandb`` from
    history rows and the summary (and ``_wandb`` from the config).
    """
    history: list[dict[str, Any]] = []
    summary: dict[str, Any] = {}
    config: dict[str, Any] = {}
    artifacts: list[dict[str, Any]] = []
    run_id = None
    start_time = 0.0

    for record in iter_records(path):
        kind = record.WhichOneof("record_type")
        if kind == "run":
            run_id = record.run.run_id
            start_time = record.run.start_time.ToNanoseconds() / 1e9
            for item in record.run.config.update:
                _config_value(config, item)
            for item in record.run.summary.update:
                _set_path(summary, _item_path(item), json.loads(item.value_json))
        elif kind == "config":
            for item in record.config.update:
                _config_value(config, item)
            for item in record.config.remove:
                _del_path(config, _item_path(item))
        elif kind == "summary":
            for item in record.summary.update:
                _set_path(summary, _item_path(item), json.loads(item.value_json))
            for item in record.summary.remove:
                _del_path(summary, _item_path(item))
        elif kind == "history":
            row: dict[str, Any] = {}
            for item in record.history.item:
                _set_path(row, _item_path(item), _history_value(item))
            if "_step" not in row and record.history.HasField("step"):
                row["_step"] = record.history.step.num
            history.append(row)
        elif kind == "artifact":
            artifacts.append(_artifact_dict(record.artifact))

    # Config values are stored as {"value": v, "desc": ...} wrappers.
    config = {
        k: (v["value"] if isinstance(v, dict) and "value" in v else v) for k, v in config.items()
    }
    if flatten:
        history = [_flatten(row) for row in history]
    if strip_internal:
        history = [strip_volatile(row) for row in history]
        summary = strip_volatile(summary)
        config.pop("_wandb", None)
    return {
        "history": history,
        "summary": summary,
        "config": config,
        "artifacts": artifacts,
        "run_id": run_id,
        "start_time": start_time,
    }


def _clean_env(base: Mapping[str, str]) -> dict[str, str]:
    # Inherited WANDB_* variables (a developer's WANDB_MODE=online, a project
    # name, an API key) must not leak into the oracle run.
    return {k: v for k, v in base.items() if not k.startswith("WANDB_")}


def run_wandb_offline(
    script: str,
    tmp_path: str | os.PathLike[str],
    *,
    strip_internal: bool = True,
    flatten: bool = True,
    timeout: float = 300,
    extra_env: Mapping[str, str] | None = None,
    python: str | None = None,
) -> dict[str, Any]:
    """Run `script` with real wandb offline in a subprocess and parse its run.

    Every wandb folder (WANDB_DIR, WANDB_CONFIG_DIR, WANDB_CACHE_DIR,
    WANDB_DATA_DIR) lives under `tmp_path`; WANDB_MODE=offline and
    WANDB_SILENT=true. `python` picks the interpreter (default: this one, or
    $TRACKLAB_WANDB_PYTHON where real wandb lives elsewhere).

    Returns the dict of `read_run_file` for the last run the script created,
    plus:

    - ``files_dir``: the run's `files/` folder (media land in `files/media/...`),
    - ``run_dir``: the `offline-run-...` folder,
    - ``runs``: one such dict per run the script created, oldest first,
    - ``stdout`` / ``stderr``: the snippet's output.

    Raises `WandbOfflineError` when the snippet exits non-zero or made no run.
    """
    tmp = Path(tmp_path)
    tmp.mkdir(parents=True, exist_ok=True)
    root = tmp / "wandb_root"
    for sub in ("", "config", "cache", "data"):
        (root / sub).mkdir(parents=True, exist_ok=True)
    snippet = tmp / "wandb_snippet.py"
    snippet.write_text(textwrap.dedent(script), encoding="utf-8")

    env = _clean_env(os.environ)
    env.update(
        {
            "WANDB_MODE": "offline",
            "WANDB_SILENT": "true",
            "WANDB_DIR": str(root),
            "WANDB_CONFIG_DIR": str(root / "config"),
            "WANDB_CACHE_DIR": str(root / "cache"),
            "WANDB_DATA_DIR": str(root / "data"),
            "WANDB_DISABLE_GIT": "true",
            "WANDB_DISABLE_CODE": "true",
            "PYTHONDONTWRITEBYTECODE": "1",
        }
    )
    if extra_env:
        env.update(extra_env)
    interpreter = python or os.environ.get("TRACKLAB_WANDB_PYTHON") or sys.executable

    proc = subprocess.run(
        [interpreter, str(snippet)],
        cwd=str(tmp),
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if proc.returncode != 0:
        raise WandbOfflineError(
            f"wandb snippet exited {proc.returncode}\n--- stdout\n{proc.stdout}\n--- stderr\n{proc.stderr}"
        )

    run_dirs = sorted(glob.glob(str(root / "wandb" / "offline-run-*")))
    runs = []
    for run_dir in run_dirs:
        files = glob.glob(os.path.join(run_dir, "run-*.wandb"))
        if not files:
            continue
        parsed = read_run_file(files[0], strip_internal=strip_internal, flatten=flatten)
        parsed["files_dir"] = os.path.join(run_dir, "files")
        parsed["run_dir"] = run_dir
        runs.append(parsed)
    runs.sort(key=lambda r: (r["start_time"], r["run_dir"]))
    if not runs:
        raise WandbOfflineError(
            f"wandb snippet made no offline run under {root}\n--- stderr\n{proc.stderr}"
        )
    result = dict(runs[-1])
    result["runs"] = runs
    result["stdout"] = proc.stdout
    result["stderr"] = proc.stderr
    return result
