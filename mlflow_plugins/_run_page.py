"""The run page's read-only JSON routes, under `/tracklab/api/run/`.

`overview`: what wandb's run overview shows (state, runtime, host, command, Python, git commit
and dirty state, config, summary) plus the run's files and the artifacts it used and logged.
`log`: the console log (`output.log`) from a byte offset, so a page can tail a live run by
polling. A run that is still running or that stopped midway has only part of its files in
the store: the answers carry what is there and name what is not (`missing`), never fail.
"""

from __future__ import annotations

import os
import shlex
import time
from typing import Any

from flask import Blueprint, Response, request

from mlflow_plugins import _api, _artifacts
from tracklab.backend import mapping

run_page = Blueprint("tracklab_run_page", __name__)

# The first look at a long console log: its last 256 KiB (the page says the start is cut).
FIRST_LOG_BYTES = 256 * 1024
# Each later poll: at most this much new text.
MAX_LOG_BYTES = 1024 * 1024

# The files wandb writes at the start or end of a run, and what the page falls back on without them.
_EXPECTED = {
    mapping.METADATA_ARTIFACT: "host, command, Python and git are unknown",
    mapping.CONFIG_ARTIFACT: "config shown from MLflow's params (values as text)",
    mapping.SUMMARY_ARTIFACT: "summary shown from the latest metric values",
}


def _listing(run: Any, recursive: bool) -> list[tuple[str, int | None, bool]]:
    """(path, size, is a folder) of the run's artifacts: read from the folder when it is on this
    machine (inside a tracking server, `mlflow-artifacts:` URIs cannot be listed through MLflow's
    client, which wants an http tracking URI), else through the client."""
    view = _api.ctx().view
    root = view.local_artifact_dir(run)
    if root is None:
        if recursive:
            return [(i.path, i.file_size, False) for i in view.reader.list_artifacts(run.mlflow_run)]
        return [(i.path, i.file_size, i.is_dir) for i in view.reader.client.list_artifacts(run.mlflow_run_id)]
    out: list[tuple[str, int | None, bool]] = []
    for base, folders, names in os.walk(root):
        relative = os.path.relpath(base, root).replace(os.sep, "/")
        prefix = "" if relative == "." else relative + "/"
        for name in names:
            out.append((prefix + name, os.lstat(os.path.join(base, name)).st_size, False))
        if not recursive:
            out.extend((name, None, True) for name in folders)
            break
    return out


def _stored_names(run: Any) -> set[str]:
    """Top-level artifact names of the run."""
    try:
        return {path for path, _, _ in _listing(run, recursive=False)}
    except Exception:  # an artifact store that cannot be listed: treat it as empty
        return set()


def _cell(value: Any) -> Any:
    """A summary value as a table cell: media and other logged objects by their type only."""
    if isinstance(value, dict) and "_type" in value:
        return {"_type": value["_type"]}
    return value


def _command(meta: dict[str, Any], source_name: str | None) -> str | None:
    """The command line as wandb shows it: `python <program> <args>`."""
    program = meta.get("codePath") or meta.get("program") or source_name
    if not program:
        return None
    return " ".join(["python", program, *(shlex.quote(str(a)) for a in meta.get("args") or [])])


def _runtime(info: Any, summary: dict[str, Any]) -> float | None:
    """Seconds the run ran: its end minus its start, else (running) until now."""
    if info.end_time:
        return max(0.0, (info.end_time - info.start_time) / 1000)
    if info.status == "RUNNING":
        return max(0.0, time.time() - info.start_time / 1000)
    runtime = summary.get("_runtime")
    return float(runtime) if isinstance(runtime, (int, float)) else None


def overview(run: Any) -> dict[str, Any]:
    """The run page's data for `run` (a `tracklab.apis.public.Run`)."""
    view = _api.ctx().view
    entity = run.mlflow_run
    stored = _stored_names(run)
    missing = {name: why for name, why in _EXPECTED.items() if name not in stored}
    meta = (run.metadata or {}) if mapping.METADATA_ARTIFACT in stored else {}
    tags = entity.data.tags
    git = dict(meta.get("git") or {})
    if not git.get("commit") and tags.get(mapping.TAG_GIT_COMMIT):
        git["commit"] = tags[mapping.TAG_GIT_COMMIT]  # the run's tag, set before the metadata file is stored
    summary = run.summary
    try:
        artifacts = _artifacts.of_run(run)
    except Exception:  # a store without a model registry
        artifacts = {"logged": [], "used": []}
    return {
        **view.describe(run),
        "notes": run.notes, "user": run.username or meta.get("username"),
        "runtime": _runtime(entity.info, summary),
        "host": meta.get("host"), "os": meta.get("os"), "python": meta.get("python"),
        "executable": meta.get("executable"), "program": meta.get("program") or tags.get(mapping.TAG_SOURCE_NAME),
        "command": _command(meta, tags.get(mapping.TAG_SOURCE_NAME)), "git": git or None,
        "started_at": meta.get("startedAt"),
        "hardware": {k: meta[k] for k in ("cpu_count", "cpu_count_logical", "gpu", "gpu_count") if k in meta},
        "config": {k: v for k, v in run.config.items() if not str(k).startswith("_")},
        "summary": {k: _cell(v) for k, v in summary.items() if not str(k).startswith("_")},
        "last_step": summary.get("_step"),
        "missing": missing,
        "has_log": mapping.OUTPUT_ARTIFACT in stored,
        "artifacts": artifacts,
    }


def _log_window(run: Any, offset: int | None) -> tuple[int, int, bytes] | None:
    """(file size, start, bytes from start): at most MAX_LOG_BYTES from `offset`, or the last
    FIRST_LOG_BYTES when `offset` is None or past the end; None when no `output.log` is stored.

    A local store is read from `start` only, so tailing a long log costs what is new."""
    view = _api.ctx().view
    root = view.local_artifact_dir(run)
    if root is None:
        data = view.read_file(run, mapping.OUTPUT_ARTIFACT)
        if data is None:
            return None
        size = len(data)
        start = _start(size, offset)
        return size, start, data[start:start + MAX_LOG_BYTES]
    try:
        with open(os.path.join(root, mapping.OUTPUT_ARTIFACT), "rb") as handle:
            size = os.fstat(handle.fileno()).st_size
            start = _start(size, offset)
            handle.seek(start)
            return size, start, handle.read(MAX_LOG_BYTES)
    except OSError:
        return None


def _start(size: int, offset: int | None) -> int:
    if offset is None or offset > size:
        return max(0, size - FIRST_LOG_BYTES)
    return offset


def _utf8_end(data: bytes) -> int:
    """The length of `data` without a UTF-8 character cut at its end."""
    end = len(data)
    back = 0
    while back < min(4, end) and (data[end - 1 - back] & 0xC0) == 0x80:
        back += 1
    if back < end:
        lead = data[end - 1 - back]
        width = 2 if lead >> 5 == 0b110 else 3 if lead >> 4 == 0b1110 else 4 if lead >> 3 == 0b11110 else 1
        if width > back + 1:
            return end - 1 - back
    return end


def log_chunk(run: Any, offset: int | None) -> dict[str, Any]:
    """Console text from byte `offset` (None: the last FIRST_LOG_BYTES) and the offset to ask next."""
    live = run.mlflow_run.info.status == "RUNNING"
    window = _log_window(run, offset)
    if window is None:
        return {"stored": False, "text": "", "start": 0, "next": 0, "size": 0, "live": live, "reset": False,
                "cut": False}
    size, start, chunk = window
    fresh = offset is None or offset > size  # a first look, or a file replaced (a resumed run): start over
    if start > 0 and fresh:  # begin at a line start, not mid-line
        newline = chunk.find(b"\n")
        if newline >= 0:
            chunk = chunk[newline + 1:]
            start += newline + 1
    chunk = chunk[:_utf8_end(chunk)]
    return {"stored": True, "text": chunk.decode("utf-8", errors="replace"), "start": start,
            "next": start + len(chunk), "size": size, "live": live, "reset": offset is not None and offset > size,
            "cut": fresh and start > 0}


def files(run: Any) -> list[dict[str, Any]]:
    """Every file of the run, with its size."""
    return [{"path": path, "size": size} for path, size, _ in sorted(_listing(run, recursive=True))]


# -- routes ---------------------------------------------------------------------------------------
@run_page.route("/api/run/overview")
def overview_route() -> Response:
    return _api._json(overview(_api._run(_api._arg("run"))))


@run_page.route("/api/run/log")
def log_route() -> Response:
    run = _api._run(_api._arg("run"))
    raw = request.args.get("offset", "")
    try:
        offset = int(raw) if raw else None
    except ValueError:
        _api._fail(f"offset must be a byte offset (a whole number >= 0), got {raw!r}", 400)
    if offset is not None and offset < 0:
        _api._fail(f"offset must be a byte offset (a whole number >= 0), got {raw!r}", 400)
    return _api._json(log_chunk(run, offset))


@run_page.route("/api/run/files")
def files_route() -> Response:
    run = _api._run(_api._arg("run"))
    return _api._json({"run": run.mlflow_run_id, "files": files(run)})
