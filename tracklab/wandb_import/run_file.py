"""Reading wandb's run files (`run-<id>.wandb`): LevelDB's log format with a 7-byte header,
each record a `wandb_internal_pb2.Record`.

The records are decoded with the message schema the installed wandb distribution ships, read from
its files into a private protobuf pool: no wandb code runs and `import wandb` is never used, so
the reader works the same whether `wandb` means the real package or TrackLab's stand-in in this
process (`wandb sync` under `tracklab run`)."""

from __future__ import annotations

import ast
import functools
import json
import os
import struct
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any


class WandbRunFileError(RuntimeError):
    """A file is not a readable wandb run file."""


#: History/summary keys wandb adds by itself whose values vary between runs.
VOLATILE_KEYS = ("_runtime", "_timestamp", "_wandb")

# The transaction log is LevelDB's log format with a 7-byte file header
# (":W&B", magic 0xBEE1, version 0) and 32 KiB blocks of chunked records.
_FILE_HEADER = struct.Struct("<4sHB")
_CHUNK_HEADER = struct.Struct("<IHB")
_BLOCK = 32 * 1024
_FULL, _FIRST, _MIDDLE, _LAST = 1, 2, 3, 4


def _wandb_proto_dir() -> Path:
    """The folder of the installed wandb distribution's generated protobuf modules.

    Found through package metadata, skipping distributions without the files (the stand-in's own
    `wandb` dist-info), so it is the real package even while `import wandb` gives TrackLab.
    """
    import importlib.metadata

    import google.protobuf

    major = google.protobuf.__version__.split(".")[0]
    for dist in importlib.metadata.distributions(name="wandb"):
        proto = Path(str(dist.locate_file("wandb/proto")))
        if not (proto / "wandb_internal_pb2.py").is_file():
            continue
        candidates = [proto / f"v{major}", *sorted(proto.glob("v*"), reverse=True), proto]
        for folder in candidates:
            if _serialized_file(folder / "wandb_internal_pb2.py") is not None:
                return folder
    raise WandbRunFileError("reading wandb run files needs the wandb package installed (pip install wandb); "
                            "only its message schema is read, none of its code runs")


def _serialized_file(module_path: Path) -> bytes | None:
    """The serialized FileDescriptorProto a protoc-generated `_pb2.py` module registers, if any."""
    try:
        tree = ast.parse(module_path.read_text(encoding="utf-8"))
    except (OSError, SyntaxError, ValueError):
        return None
    for node in ast.walk(tree):
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                and node.func.attr == "AddSerializedFile" and node.args
                and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, bytes)):
            return node.args[0].value
    return None


@functools.lru_cache(maxsize=1)
def _record_class() -> Any:
    """wandb's `Record` message class, built in a private pool (never clashes with a loaded wandb)."""
    from google.protobuf import descriptor_pb2, descriptor_pool, message_factory
    # The well-known types wandb's schema depends on, registered in the default pool on import.
    from google.protobuf import empty_pb2, struct_pb2, timestamp_pb2, wrappers_pb2  # noqa: F401

    folder = _wandb_proto_dir()
    pool = descriptor_pool.DescriptorPool()
    added: set[str] = set()

    def add(name: str) -> None:
        if name in added:
            return
        added.add(name)
        if name.startswith("google/protobuf/"):
            proto = descriptor_pb2.FileDescriptorProto()
            descriptor_pool.Default().FindFileByName(name).CopyToProto(proto)
        else:
            data = _serialized_file(folder / (Path(name).stem + "_pb2.py"))
            if data is None:
                raise WandbRunFileError(f"the installed wandb lacks the schema file {name} in {folder}")
            proto = descriptor_pb2.FileDescriptorProto.FromString(data)
        for dependency in proto.dependency:
            add(dependency)
        pool.Add(proto)

    add("wandb/proto/wandb_internal.proto")
    return message_factory.GetMessageClass(pool.FindMessageTypeByName("wandb_internal.Record"))


def iter_records(path: str | os.PathLike[str]) -> Iterator[Any]:
    """Yield each `wandb_internal.Record` stored in a `run-<id>.wandb` file."""
    record_class = _record_class()

    with open(path, "rb") as handle:
        data = handle.read()
    if len(data) < _FILE_HEADER.size:
        raise WandbRunFileError(f"{path}: too short to be a wandb run file")
    ident, magic, _version = _FILE_HEADER.unpack_from(data)
    if ident != b":W&B" or magic != 0xBEE1:
        raise WandbRunFileError(f"{path}: not a wandb run file (header {data[:7]!r})")

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
            raise WandbRunFileError(f"{path}: bad chunk type {kind} at byte {offset}")
        if payload is not None:
            record = record_class()
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
    """Join nested plain dicts with ".", as wandb's server, API and UI show history keys.

    A dict holding `_type` is a media/histogram descriptor and stays whole.
    """
    out: dict[str, Any] = {}
    for key, value in row.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict) and value and "_type" not in value:
            out.update(_flatten(value, name + "."))
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
      With ``flatten`` nested plain dicts become ``"a.b"`` keys (what wandb's
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
    meta: dict[str, Any] = {}
    exit_code = None

    for record in iter_records(path):
        kind = record.WhichOneof("record_type")
        if kind == "run":
            run_id = record.run.run_id
            start_time = record.run.start_time.ToNanoseconds() / 1e9
            meta = {"project": record.run.project, "entity": record.run.entity, "name": record.run.display_name,
                    "notes": record.run.notes, "tags": list(record.run.tags), "group": record.run.run_group,
                    "job_type": record.run.job_type}
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
        elif kind == "exit":
            exit_code = record.exit.exit_code

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
        "meta": meta,
        "exit_code": exit_code,
    }
