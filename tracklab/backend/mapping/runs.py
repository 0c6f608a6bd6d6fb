"""A wandb run as an MLflow run: its header record and later updates -> tags, tags -> the run's
fields, wandb state <-> MLflow status, the project's experiment folder name."""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any, Iterable, Mapping

from tracklab.backend.mapping import names as n
from tracklab.backend.mapping.keys import escape_key, tag_value

# wandb run state -> MLflow run status.
_STATUS_FOR_STATE = {
    "running": "RUNNING",
    "finished": "FINISHED",
    "failed": "FAILED",
    "crashed": "FAILED",
    "killed": "KILLED",
    "preempted": "KILLED",
}
# MLflow run status -> wandb run state (an unknown status reads as crashed).
_STATE_FOR_STATUS = {"RUNNING": "running", "FINISHED": "finished", "FAILED": "failed", "KILLED": "killed",
                     "SCHEDULED": "pending"}


def mlflow_status(state: str) -> str:
    """The MLflow run status for a wandb run state."""
    return _STATUS_FOR_STATE.get(state, "FAILED")


def run_state(status: str, tags: Mapping[str, str]) -> str:
    """The wandb state of a stored run: from its MLflow status, refined by the state tag the
    writer set at the end (MLflow has one status, FAILED, for wandb's failed and crashed)."""
    from_status = _STATE_FOR_STATUS.get(status, "crashed")
    tagged = tags.get(n.TAG_STATE)
    if from_status == "running" or not tagged or tagged == "running":
        return from_status
    return tagged


# Header fields stored as one MLflow tag each, verbatim.
_HEADER_TAGS = (("name", n.TAG_RUN_NAME), ("entity", n.TAG_ENTITY), ("group", n.TAG_GROUP),
                ("job_type", n.TAG_JOB_TYPE), ("sweep_id", n.TAG_SWEEP_ID),
                ("parent_run_id", n.TAG_PARENT_RUN), ("user", n.TAG_USER),
                ("git_commit", n.TAG_GIT_COMMIT))


def run_tags(header: Mapping[str, Any]) -> dict[str, str]:
    """MLflow tags for a run header record (identity, notes, group, job type, user tags)."""
    tags: dict[str, str] = {n.TAG_RUN_ID: header["id"], n.TAG_STATE: "running"}
    tags.update({tag: header[field] for field, tag in _HEADER_TAGS if header.get(field)})
    if header.get("notes"):
        tags[n.TAG_NOTE] = tag_value(header["notes"])
    if header.get("program"):
        tags[n.TAG_SOURCE_NAME] = header["program"]
        tags[n.TAG_SOURCE_TYPE] = "LOCAL"
    tags.update(user_tag_tags(header.get("tags") or ()))
    return tags


UPDATABLE = ("name", "notes", "tags", "git_commit")  # header fields an update record may change


def update_tags(changes: Mapping[str, Any]) -> dict[str, str]:
    """MLflow tags for an update record (a renamed run, new notes or tags, a git commit found late).

    A new name also goes into the run's MLflow name (`changes["name"]`); notes set to None clear them."""
    tags: dict[str, str] = {}
    if changes.get("name"):
        tags[n.TAG_RUN_NAME] = changes["name"]
    if "notes" in changes:
        tags[n.TAG_NOTE] = tag_value(changes["notes"] or "")
    if "tags" in changes:
        tags.update(user_tag_tags(changes["tags"] or ()))
    if changes.get("git_commit"):
        tags[n.TAG_GIT_COMMIT] = changes["git_commit"]
    return tags


def user_tag_tags(tags: Iterable[str]) -> dict[str, str]:
    """The tags that carry wandb's run tags: one JSON list plus one `tag.<name>` per tag."""
    tags = list(tags)
    out = {n.TAG_USER_TAGS: tag_value(json.dumps(tags))}
    for tag in tags:
        out[n.USER_TAG_PREFIX + escape_key(tag)] = "true"
    return out


def run_fields(tags: Mapping[str, str]) -> dict[str, Any]:
    """The wandb fields a run's tags hold (the inverse of `run_tags`): id, name, entity, notes,
    group, job_type, sweep_id, tags, user, parent_run_id; None (or []) where a tag is missing."""
    try:
        user_tags = json.loads(tags[n.TAG_USER_TAGS]) if n.TAG_USER_TAGS in tags else []
    except ValueError:  # clipped past MLflow's tag length
        user_tags = sorted(k[len(n.USER_TAG_PREFIX):] for k in tags if k.startswith(n.USER_TAG_PREFIX))
    return {
        "id": tags.get(n.TAG_RUN_ID), "name": tags.get(n.TAG_RUN_NAME), "entity": tags.get(n.TAG_ENTITY),
        "notes": tags.get(n.TAG_NOTE), "group": tags.get(n.TAG_GROUP), "job_type": tags.get(n.TAG_JOB_TYPE),
        "sweep_id": tags.get(n.TAG_SWEEP_ID), "tags": user_tags, "user": tags.get(n.TAG_USER),
        "parent_run_id": tags.get(n.TAG_PARENT_RUN),
    }


def is_sweep_parent(tags: Mapping[str, str]) -> bool:
    """Whether a run is a sweep's parent run (not a run of the project)."""
    return tags.get(n.TAG_KIND) == n.KIND_SWEEP


def sweep_parent_tags(sweep_id: str) -> dict[str, str]:
    """The tags that mark a sweep's parent run."""
    return {n.TAG_KIND: n.KIND_SWEEP, n.TAG_SWEEP: sweep_id}


def metric_defs_tag(definitions: Iterable[Mapping[str, Any]]) -> dict[str, str]:
    """The tag holding a run's `define_metric` definitions."""
    return {n.TAG_METRICS: json.dumps(list(definitions))}


def metric_defs_from_tags(tags: Mapping[str, str]) -> list[dict[str, Any]]:
    """A run's `define_metric` definitions ([] when there are none or the tag is damaged)."""
    try:
        found = json.loads(tags.get(n.TAG_METRICS, "[]"))
    except ValueError:
        return []
    return found if isinstance(found, list) else []


def object_keys_tag(keys: Iterable[str]) -> dict[str, str]:
    """The tag listing the history keys kept in the history-objects file."""
    return {n.TAG_OBJECT_KEYS: json.dumps(sorted(keys))}


def object_keys_from_tags(tags: Mapping[str, str]) -> list[str] | None:
    """The history keys of the history-objects file, or None when the run has no (readable) tag."""
    tagged = tags.get(n.TAG_OBJECT_KEYS)
    if not tagged:
        return None
    try:
        return sorted(json.loads(tagged))
    except ValueError:
        return None


def split_run_path(path: str, default_project: str | None = None) -> tuple[str | None, str, str]:
    """(entity or None, project, run id) of a wandb run path: 'project/run_id',
    'entity/project/run_id' or '.../runs/run_id'; a bare 'run_id' takes `default_project`."""
    from tracklab.errors import UsageError

    parts = [p for p in (path or "").split("/") if p]
    if "runs" in parts:
        parts.remove("runs")
    if len(parts) == 1 and default_project:
        return None, default_project, parts[0]
    if len(parts) < 2:
        raise UsageError(f"run path {path!r} must be 'project/run_id' or 'entity/project/run_id'")
    return (parts[-3] if len(parts) >= 3 else None), parts[-2], parts[-1]


def experiment_slug(name: str) -> str:
    """A folder name for an experiment's artifacts, unique per project name."""
    readable = re.sub(r"[^\w.-]", "_", name)[:60] or "_"
    return f"{readable}-{hashlib.sha1(name.encode()).hexdigest()[:8]}"
