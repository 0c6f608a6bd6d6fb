"""Artifact work staged in a run's folder (`<run>/artifacts/staged/*.json`).

Every `log_artifact`/`use_artifact` (and, offline, `link_artifact`) is written here first. A live run carries it out at
once on a background thread and marks it done; an offline run (or one that died before
finishing) leaves it for `tracklab sync`, which calls `sync_staged`. Offline runs also
keep a copy of each file under `<run>/artifacts/objects/`, so the cache may be cleaned.
"""

from __future__ import annotations

import dataclasses
import json
import os
import time
from typing import Any

from tracklab.backend.artifact_store import _cache, _digest, _publish
from tracklab.backend.run_folder import STAGED_ARTIFACTS

_SUBDIR = STAGED_ARTIFACTS


def stage(run_folder: str, request: _publish.Request, keep_files: bool) -> str:
    """Write `request` into the run folder (with copies of its files when `keep_files`); return its path."""
    if keep_files and isinstance(request, _publish.LogRequest):
        request = _with_own_copies(run_folder, request)
    folder = os.path.join(run_folder, _SUBDIR)
    os.makedirs(folder, exist_ok=True)
    path = os.path.join(folder, f"{time.time_ns():020d}-{request.kind}.json")
    tmp = path + ".tmp"
    with open(tmp, "w") as handle:
        json.dump(dataclasses.asdict(request), handle)
    os.replace(tmp, path)
    return path


def _with_own_copies(run_folder: str, request: _publish.LogRequest) -> _publish.LogRequest:
    objects = os.path.join(run_folder, "artifacts", "objects")
    entries = request.manifest["contents"]
    sources = {}
    for path, source in request.sources.items():
        digest = entries[path]["digest"]
        target = os.path.join(objects, _digest.b64_to_hex(digest))
        if not os.path.exists(target):
            if path in request.trusted:
                _cache.link_or_copy(source, target)
            else:
                got, _ = _digest.copy_hashing(source, target)
                if got != digest:
                    os.unlink(target)
                    raise ValueError(f"file {source!r} changed after it was added to the artifact")
        sources[path] = target
    return dataclasses.replace(request, sources=sources, trusted=sorted(sources))


def mark_done(path: str, failed: bool = False, result: Any = None) -> None:
    """Take a staged item off the list (kept as `.done` with the version it made, or `.failed`
    for a refused request), so that a staged link can find the version a staged log made."""
    if not os.path.exists(path):
        return
    if result is not None:
        with open(path) as handle:
            data = json.load(handle)
        data["result"] = {"collection": result.collection, "number": result.number}
        with open(path + ".tmp", "w") as handle:
            json.dump(data, handle)
        os.replace(path + ".tmp", path)
    os.replace(path, path[: -len(".json")] + (".failed" if failed else ".done"))


def stem(path: str) -> str:
    """The name a staged item is referred to by (its file name without the suffix)."""
    return os.path.basename(path).rsplit(".", 1)[0]


def _with_logged_version(run_folder: str, request: _publish.LinkRequest) -> _publish.LinkRequest:
    """A staged link to a staged log: fill in the version that log made (if it succeeded)."""
    done = os.path.join(run_folder, _SUBDIR, f"{request.log_ref}.done")
    if not os.path.exists(done):
        return request
    with open(done) as handle:
        result = json.load(handle).get("result") or {}
    return dataclasses.replace(request, collection=result.get("collection"), number=result.get("number"))


def pending(run_folder: str) -> list[str]:
    folder = os.path.join(run_folder, _SUBDIR)
    if not os.path.isdir(folder):
        return []
    return [os.path.join(folder, n) for n in sorted(os.listdir(folder)) if n.endswith(".json")]


def has_staged(run_folder: str) -> bool:
    """Whether a run folder still has artifact work for `tracklab sync` (cheap: no MLflow import)."""
    return bool(pending(run_folder))


def sync_staged(run_folder: str, tracking_uri: str) -> int:
    """Carry out the artifact work a run folder still has staged; return how many items were done.

    Safe to repeat: a version whose digest is already stored only gets its aliases set again."""
    count = 0
    for path in pending(run_folder):
        with open(path) as handle:
            request = _publish.request_from_json(json.load(handle))
        if isinstance(request, _publish.LinkRequest) and request.log_ref:
            request = _with_logged_version(run_folder, request)
        try:
            result = _publish.run(request, tracking_uri)
        except ValueError:  # refused for good (wrong type, changed file): never retried
            mark_done(path, failed=True)
            raise
        mark_done(path, result=result)
        count += 1
    return count
