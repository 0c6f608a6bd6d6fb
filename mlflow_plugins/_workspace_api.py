"""The workspace's read-only JSON route, under `/tracklab/api/`: every run of a project with what
the runs table shows (config and summary values), in one answer the page sorts and filters itself.

Config values come from the run's MLflow params (dotted keys for nested config, written by the
writer from the same config as `config.yaml`), summary values from its latest metrics: both are
already in the run entity the store lists, so 2,000 runs cost no per-run file read.
"""

from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, Response, request

from mlflow_plugins import _api
from tracklab.backend.mapping.config import TRUNCATED_MARKER

workspace_api = Blueprint("tracklab_workspace_api", __name__)

# Param text the writer produced from a typed value (numbers, booleans, null, lists, dicts).
_JSON_START = set("-0123456789[{") | {"t", "f", "n", "N", "I"}


def config_value(text: str) -> Any:
    """A param's typed value when its text is what `param_value` writes for a non-string
    (`0.001`, `true`, `[1, 2]`); any other text stays the string it is."""
    if not text or text[0] not in _JSON_START or text.endswith(TRUNCATED_MARKER):
        return text
    try:
        return json.loads(text)
    except ValueError:
        return text


def table_rows(view: Any, runs: list[Any]) -> list[dict[str, Any]]:
    """`describe(run)` of each run plus its config (dotted keys, typed values)."""
    rows = []
    for run, described in zip(runs, view.describe_all(runs)):
        names = run.keymap
        config = {names.get(k, k): config_value(v) for k, v in run.mlflow_run.data.params.items()}
        rows.append({**described, "config": config})
    return rows


def _started_after(view: Any, experiment_id: str) -> list[str] | None:
    """The MLflow ids of the runs started at or after `after` (epoch ms), oldest first, at most
    MAX_RUNS_PER_CHART; None without `after`. The page asks this every few seconds to show runs
    started after it opened: one filtered query, not a listing of the project. (At or after: a
    run started in the same millisecond as the newest the page has is not missed; the page
    drops the runs it already has.)"""
    after = request.args.get("after")
    if after is None:
        return None
    try:
        since = int(after)
    except ValueError:
        _api._fail(f"query parameter 'after' is {after!r}; rule: a start time in epoch milliseconds (an integer)", 400)
    found = view.reader.search(experiment_id, f"attributes.start_time >= {since}", ["attributes.start_time ASC"])
    return [run.info.run_id for run, _ in zip(found, range(_api.MAX_RUNS_PER_CHART))]


@workspace_api.route("/api/runs-table")
def runs_table() -> Response:
    """`project`: every run; `runs` (MLflow run ids, comma-separated): only those (live polling);
    `after` (epoch ms): only the runs started at or after it (runs that appeared while a page was open)."""
    project = _api._arg("project")
    view = _api.ctx().view
    experiment = view.reader.experiment(project)
    if experiment is None:
        _api._fail(f"no project {project!r}", 404)
    started = _started_after(view, experiment.experiment_id)
    wanted = started if started is not None else [r for r in request.args.get("runs", "").split(",") if r]
    if wanted or started is not None:
        runs = _api._runs(list(dict.fromkeys(wanted))[:_api.MAX_RUNS_PER_CHART])
        runs = [r for r in runs if r.mlflow_run.info.experiment_id == experiment.experiment_id]
        return _api._json({"project": project, "experiment_id": experiment.experiment_id,
                           "runs": table_rows(view, runs)})
    # Every run: the encoded answer is kept until the store changes (2,000 runs: ~200 ms to build).
    return _api.json_body(view.keep(("runs-table", project), lambda: _api.encode(
        {"project": project, "experiment_id": experiment.experiment_id,
         "runs": table_rows(view, view.runs(project))})))
