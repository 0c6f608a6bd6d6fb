"""The panels' read-only JSON routes, under `/tracklab/api/`.

Every route only reads. They sit behind MLflow's own Host-header check (DNS rebinding) and its
CORS policy (a foreign origin cannot read the answers); a state-changing route, if one is ever
added, belongs under `/ajax-api/2.0/tracklab/` where MLflow also blocks cross-origin writes.
"""

from __future__ import annotations

import json
import math
import os
import posixpath
from typing import Any, NoReturn

from flask import Blueprint, Response, abort, after_this_request, request, send_file

from mlflow_plugins import _artifacts, _files, _sweeps
from mlflow_plugins._store_view import LruCache, StoreView, metric_defs, step_metric_for
from tracklab.backend import mapping
from tracklab.backend.series import Series
from tracklab.backend.ui_registry import store_id
from tracklab.errors import CommError

api = Blueprint("tracklab_api", __name__)

MAX_POINTS = 5000
MAX_RUNS_PER_CHART = 100


class Context:
    """The store this server shows."""

    def __init__(self, tracking_uri: str) -> None:
        self.tracking_uri = tracking_uri
        self.view = StoreView(tracking_uri)
        self.reader = self.view.reader
        self.series_cache = LruCache(512)


_context: Context | None = None


def init(tracking_uri: str) -> None:
    global _context
    _context = Context(tracking_uri)


def ctx() -> Context:
    if _context is None:
        abort(503)
    return _context


# -- answers ------------------------------------------------------------------------------------
def _safe(value: Any) -> Any:
    """A JSON-safe copy: non-finite floats become the strings wandb prints ("NaN", "Infinity")."""
    if isinstance(value, float) and not math.isfinite(value):
        return "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")
    if isinstance(value, dict):
        return {str(k): _safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_safe(v) for v in value]
    if hasattr(value, "tolist"):
        return _safe(value.tolist())
    return value


def _json(data: Any, status: int = 200) -> Response:
    return json_body(encode(data), status)


def json_body(body: bytes, status: int = 200) -> Response:
    """An answer already encoded (`encode`)."""
    return Response(body, status=status, mimetype="application/json", headers={"Cache-Control": "no-store"})


def encode(data: Any) -> bytes:
    """`data` as JSON, non-finite floats as wandb's strings (`_safe`).

    orjson encodes a chart's 90,000 numbers in ~2 ms, where walking them in Python first took
    ~150 ms. It writes NaN and infinities as `null`, so an answer with a `null` in it (a None, or
    such a float) is encoded again the exact way."""
    import orjson

    try:
        fast = orjson.dumps(data, default=str, option=orjson.OPT_NON_STR_KEYS | orjson.OPT_SERIALIZE_NUMPY)
    except TypeError:  # a value orjson refuses (an int past 64 bits, ...)
        fast = b"null"
    if b"null" not in fast:
        return fast
    return json.dumps(_safe(data), default=str, allow_nan=False).encode()


def _fail(message: str, status: int) -> NoReturn:
    abort(_json({"error": message}, status))


def _arg(name: str) -> str:
    value = request.args.get(name, "")
    if not value:
        _fail(f"missing query parameter {name!r}", 400)
    return value


def _run(run_uuid: str) -> Any:
    return _runs([run_uuid])[0]


def _runs(run_uuids: list[str]) -> list[Any]:
    """The runs of these MLflow ids, in that order (404 naming the first the store lacks)."""
    try:
        found = ctx().view.runs_by_id(run_uuids)
    except KeyError as missing:
        _fail(f"no run {missing.args[0]!r}", 404)
    return [found[r] for r in run_uuids]


# -- entities -------------------------------------------------------------------------------------
@api.route("/api/info")
def info() -> Response:
    import mlflow

    return _json({"app": "tracklab", "store_id": store_id(ctx().tracking_uri), "mlflow_version": mlflow.__version__,
                  "pid": os.getpid()})


@api.route("/api/projects")
def projects() -> Response:
    return _json({"projects": ctx().view.projects()})


@api.route("/api/runs")
def runs() -> Response:
    project = _arg("project")
    view = ctx().view
    experiment = view.reader.experiment(project)
    if experiment is None:
        _fail(f"no project {project!r}", 404)
    return _json({"project": project, "experiment_id": experiment.experiment_id,
                  "runs": view.describe_all(view.runs(project))})


@api.route("/api/run")
def run_detail() -> Response:
    view = ctx().view
    run = _run(_arg("run"))
    try:
        artifacts = _artifacts.of_run(run)
    except Exception:  # a store without a model registry
        artifacts = {"logged": [], "used": []}
    return _json({**view.describe(run),
                  "config": {k: v for k, v in run.config.items() if not str(k).startswith("_")},
                  "summary": {k: v for k, v in run.summary.items() if not isinstance(v, dict)},
                  "notes": run.notes, "visualize": view.visualize(run), "class_labels": view.class_labels(run),
                  "artifacts": artifacts})


# -- series ---------------------------------------------------------------------------------------
@api.route("/api/series")
def series() -> Response:
    """`key` of each run in `runs`, downsampled to about `points` min/max pairs, on axis `x`.

    `x`: `_step`, `_runtime` (seconds since the run started), `_timestamp` (ms), another
    metric (its value at the same step), or `auto` (the key's `define_metric` step metric).
    """
    key = _arg("key")
    x_axis = request.args.get("x") or "_step"
    try:
        points = max(10, min(MAX_POINTS, int(request.args.get("points", 1000))))
    except ValueError:
        _fail("points must be an integer", 400)
    mlflow_key = key if key.startswith("system/") else mapping.escape_key(key)
    out = []
    wanted = list(dict.fromkeys(r for r in _arg("runs").split(",") if r))[:MAX_RUNS_PER_CHART]
    for run_uuid, run in zip(wanted, _runs(wanted)):
        if mlflow_key not in run.mlflow_run.data.metrics:
            continue
        axis = (step_metric_for(key, metric_defs(run)) or "_step") if x_axis == "auto" else x_axis
        out.append({"run": run_uuid, "key": key, "x_axis": axis, **_with_x(run, _read(run, mlflow_key, points), axis)})
    return _json({"series": out})


def _read(run: Any, mlflow_key: str, points: int) -> Series:
    """The reduced series, cached until it can have changed."""
    context = ctx()
    info = run.mlflow_run.info
    if info.status == "RUNNING":
        stamp: Any = context.reader.series_version(info.run_id, mlflow_key)  # changes as the run logs
        if stamp is None:  # the store cannot tell cheaply: read it every time
            return context.reader.series(info.run_id, mlflow_key, points)
    else:
        stamp = (info.status, info.end_time)  # an ended run changes only if resumed (RUNNING again)
    return context.series_cache.get_or_make((info.run_id, mlflow_key, points, stamp),
                                            lambda: context.reader.series(info.run_id, mlflow_key, points))


def _with_x(run: Any, data: Series, axis: str) -> dict[str, Any]:
    steps, values = data.steps, data.values
    if axis == "_step":
        xs: list[Any] = list(steps)
    elif axis == "_runtime":
        start = run.mlflow_run.info.start_time
        xs = [(t - start) / 1000 for t in data.timestamps]
    elif axis == "_timestamp":
        xs = list(data.timestamps)
    else:
        lookup = ctx().reader.values_at(run.mlflow_run_id, mapping.escape_key(axis), steps)
        kept = [(lookup[s], v, s) for s, v in zip(steps, values) if s in lookup]
        xs, values, steps = [k[0] for k in kept], [k[1] for k in kept], [k[2] for k in kept]
    return {"x": xs, "y": values, "steps": steps, "total": data.total, "sampled": data.sampled}


# -- media, tables, files -------------------------------------------------------------------------
@api.route("/api/media")
def media() -> Response:
    run = _run(_arg("run"))
    keys = [k for k in request.args.get("keys", "").split(",") if k] or None
    return _json({"run": run.mlflow_run_id, "media": ctx().view.media(run, keys)})


@api.route("/api/table")
def table() -> Response:
    """A logged table. Its copy under `artifacts/run-<id>-<key>/` (which holds the media cells) is
    preferred; cell paths are then relative to that folder, named by `base`."""
    run = _run(_arg("run"))
    path, key, entry = _arg("path"), request.args.get("key", ""), request.args.get("entry", "")
    candidates = [posixpath.join("artifacts", f"run-{run.id}-{key}", posixpath.basename(entry))] if key and entry else []
    for candidate in [*candidates, path]:
        try:
            relative = _files.clean_relative(candidate)
        except _files.UnsafePath:
            _fail("path refused", 400)
        data = ctx().view.read_file(run, relative)
        if data:
            parsed = json.loads(data)
            base = posixpath.dirname(relative) if relative.startswith("artifacts/") else ""
            return _json({"path": relative, "base": base, "columns": parsed.get("columns", []),
                          "data": parsed.get("data", []), "column_types": parsed.get("column_types")})
    _fail(f"no table {path!r} in run {run.mlflow_run_id}", 404)


@api.route("/api/files/<run_uuid>/<path:relative>")
def file(run_uuid: str, relative: str) -> Response:
    """One file of a run, never from outside its artifact folder."""
    run = _run(run_uuid)
    local_root = ctx().view.local_artifact_dir(run)
    try:
        if local_root is not None:
            target = _files.local_file(local_root, relative)
        else:
            target, tmp = _files.fetch_remote(ctx().tracking_uri, run_uuid, relative)
            after_this_request(lambda response: (tmp.cleanup(), response)[1])
    except _files.UnsafePath:
        _fail("path refused: it leaves the run's folder", 400)
    except Exception:
        _fail("no such file", 404)
    if not os.path.isfile(target):
        _fail("no such file", 404)
    mime, inline = _files.content_type(target)
    response = send_file(target, mimetype=mime, as_attachment=not inline, conditional=True, max_age=0)
    response.headers["Content-Security-Policy"] = _files.FILE_CSP
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cross-Origin-Resource-Policy"] = "same-origin"
    return response


# -- artifacts ------------------------------------------------------------------------------------
@api.route("/api/artifacts")
def artifacts() -> Response:
    project = _arg("project")
    return _json({"project": project, "collections": _artifacts.collections(ctx().view.api, project)})


@api.route("/api/artifact")
def artifact() -> Response:
    project, name, version = _arg("project"), _arg("name"), _arg("version")
    try:
        return _json(_artifacts.version(ctx().view.api, project, name, version))
    except (CommError, ValueError) as exc:
        _fail(str(exc), 404)


# -- sweeps ---------------------------------------------------------------------------------------
@api.route("/api/sweeps")
def sweeps() -> Response:
    project = _arg("project")
    return _json({"project": project, "sweeps": _sweeps.sweeps_of(ctx().view.runs(project))})


@api.route("/api/sweep")
def sweep() -> Response:
    project, sweep_id = _arg("project"), _arg("sweep")
    members = [r for r in ctx().view.runs(project) if r.sweep_id == sweep_id]
    if not members:
        _fail(f"no runs of sweep {sweep_id!r} in {project!r}", 404)
    params, metrics, rows = _sweeps.trials(members)
    config = _sweeps.spec(ctx().view.api, project, sweep_id) or {}
    params = [p for p in config.get("params") or [] if any(p in r["params"] for r in rows)] or params
    metric = request.args.get("metric") or (config.get("metric") if config.get("metric") in metrics else None) \
        or _sweeps.default_metric(metrics)
    return _json({"project": project, "sweep_id": sweep_id, "params": params, "metrics": metrics, "metric": metric,
                  "goal": config.get("goal", "minimize"), "method": config.get("method"), "trials": rows,
                  "importance": _sweeps.importance(params, rows, metric) if metric else {},
                  "experiment_id": members[0].mlflow_run.info.experiment_id})
