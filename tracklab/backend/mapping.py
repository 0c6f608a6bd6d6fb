"""The one place that maps wandb concepts onto MLflow (see docs/mapping.md).

project -> experiment, run -> MLflow run (wandb id in a tag), config -> dotted params plus
`config.yaml`, history -> metrics at the wandb step, summary -> latest metrics plus
`wandb-summary.json`, tags/notes/group/job_type -> MLflow tags. Keys MLflow rejects are escaped
by `escape_key` and the original is kept in the run's key map so TrackLab returns it unchanged.
"""

from __future__ import annotations

import hashlib
import json
import math
import posixpath
import re
from typing import Any, Iterable, Mapping

# MLflow 3.17 limits (mlflow/utils/validation.py).
MAX_KEY_LENGTH = 250
MAX_PARAM_VALUE_LENGTH = 6000
MAX_TAG_VALUE_LENGTH = 8000
MAX_METRICS_PER_BATCH = 1000
MAX_PARAMS_TAGS_PER_BATCH = 100

# Tags TrackLab writes on each MLflow run.
TAG_RUN_ID = "tracklab.run_id"
TAG_ENTITY = "tracklab.entity"
TAG_STATE = "tracklab.state"
TAG_GROUP = "tracklab.group"
TAG_JOB_TYPE = "tracklab.job_type"
TAG_USER_TAGS = "tracklab.tags"
TAG_KEYMAP = "tracklab.keymap"
TAG_SWEEP_ID = "tracklab.sweep_id"
TAG_OBJECT_KEYS = "tracklab.object_keys"
TAG_KIND = "tracklab.kind"  # "sweep" on a sweep's parent run
TAG_PARENT_RUN = "mlflow.parentRunId"
TAG_RUN_NAME = "mlflow.runName"
TAG_NOTE = "mlflow.note.content"
TAG_USER = "mlflow.user"
TAG_SOURCE_NAME = "mlflow.source.name"
TAG_SOURCE_TYPE = "mlflow.source.type"
TAG_GIT_COMMIT = "mlflow.source.git.commit"
USER_TAG_PREFIX = "tag."  # each wandb tag also becomes `tag.<name>` = "true" so MLflow can filter on it

# Artifact paths inside the MLflow run.
CONFIG_ARTIFACT = "config.yaml"
SUMMARY_ARTIFACT = "wandb-summary.json"
METADATA_ARTIFACT = "wandb-metadata.json"
OUTPUT_ARTIFACT = "output.log"
OBJECTS_ARTIFACT = "tracklab/history-objects.jsonl"

# wandb run state -> MLflow run status.
_STATUS_FOR_STATE = {
    "running": "RUNNING",
    "finished": "FINISHED",
    "failed": "FAILED",
    "crashed": "FAILED",
    "killed": "KILLED",
    "preempted": "KILLED",
}

_KEY_OK = re.compile(r"^[/\w.\- :]*$")
_KEY_BAD_CHAR = re.compile(r"[^/\w.\- :]")


def mlflow_status(state: str) -> str:
    """The MLflow run status for a wandb run state."""
    return _STATUS_FOR_STATE.get(state, "FAILED")


def is_valid_mlflow_key(key: str) -> bool:
    """Whether MLflow accepts `key` as a metric/param/tag name unchanged."""
    if not key or len(key) > MAX_KEY_LENGTH or not _KEY_OK.match(key):
        return False
    # MLflow also refuses keys that are not normalised paths (`a//b`, `a/`, `./a`, `/a`).
    return posixpath.normpath(key) == key and key != "." and not key.startswith(("/", ".."))


def escape_key(key: str) -> str:
    """An MLflow-valid key for any wandb key; valid keys pass unchanged.

    Invalid keys are made readable (bad characters -> `_`, empty path parts -> `_`) and given
    a suffix from a hash of the original, so two different keys never share an escape and the
    same key escapes the same way in every run (charts across runs line up).
    """
    if is_valid_mlflow_key(key):
        return key
    digest = hashlib.sha1(key.encode("utf-8", "surrogatepass")).hexdigest()[:8]
    readable = _KEY_BAD_CHAR.sub("_", key)
    parts = [p if p not in ("", ".", "..") else "_" for p in readable.split("/")]
    readable = "/".join(parts)
    readable = readable[: MAX_KEY_LENGTH - 10]
    candidate = f"{readable}-{digest}"
    if not is_valid_mlflow_key(candidate):  # truncation may leave a trailing '/'
        candidate = f"{readable.rstrip('/')}_-{digest}"
    return candidate


def flatten_config(config: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """Nested config dicts as dotted keys (`{"opt": {"lr": 1}}` -> `{"opt.lr": 1}`)."""
    flat: dict[str, Any] = {}
    for key, value in config.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping) and value:
            flat.update(flatten_config(value, name + "."))
        else:
            flat[name] = value
    return flat


def param_value(value: Any) -> str:
    """A config value as MLflow param text (JSON for containers and None, str otherwise)."""
    if isinstance(value, str):
        text = value
    elif isinstance(value, bool) or value is None or isinstance(value, (list, tuple, dict)):
        text = json.dumps(value, default=str)
    else:
        text = str(value)
    if len(text) > MAX_PARAM_VALUE_LENGTH:
        # MLflow would silently cut it; say so in the value. config.yaml keeps the whole value.
        marker = "...[truncated, full value in config.yaml]"
        text = text[: MAX_PARAM_VALUE_LENGTH - len(marker)] + marker
    return text


def params_for_config(config: Mapping[str, Any]) -> dict[str, str]:
    """MLflow params (escaped dotted keys -> text) for a wandb config.

    Hidden keys (`_wandb`: class labels, chart specs) stay in config.yaml only.
    """
    visible = {k: v for k, v in config.items() if not str(k).startswith("_")}
    return {escape_key(k): param_value(v) for k, v in flatten_config(visible).items()}


def tag_value(value: str) -> str:
    """Clip a tag value to MLflow's limit."""
    return value if len(value) <= MAX_TAG_VALUE_LENGTH else value[: MAX_TAG_VALUE_LENGTH - 3] + "..."


def run_tags(header: Mapping[str, Any]) -> dict[str, str]:
    """MLflow tags for a run header record (identity, notes, group, job type, user tags)."""
    tags: dict[str, str] = {TAG_RUN_ID: header["id"], TAG_STATE: "running"}
    if header.get("name"):
        tags[TAG_RUN_NAME] = header["name"]
    if header.get("entity"):
        tags[TAG_ENTITY] = header["entity"]
    if header.get("notes"):
        tags[TAG_NOTE] = tag_value(header["notes"])
    if header.get("group"):
        tags[TAG_GROUP] = header["group"]
    if header.get("job_type"):
        tags[TAG_JOB_TYPE] = header["job_type"]
    if header.get("sweep_id"):
        tags[TAG_SWEEP_ID] = header["sweep_id"]
    if header.get("parent_run_id"):
        tags[TAG_PARENT_RUN] = header["parent_run_id"]
    if header.get("user"):
        tags[TAG_USER] = header["user"]
    if header.get("program"):
        tags[TAG_SOURCE_NAME] = header["program"]
        tags[TAG_SOURCE_TYPE] = "LOCAL"
    if header.get("git_commit"):
        tags[TAG_GIT_COMMIT] = header["git_commit"]
    tags.update(user_tag_tags(header.get("tags") or ()))
    return tags


def user_tag_tags(tags: Iterable[str]) -> dict[str, str]:
    """The tags that carry wandb's run tags: one JSON list plus one `tag.<name>` per tag."""
    tags = list(tags)
    out = {TAG_USER_TAGS: tag_value(json.dumps(tags))}
    for tag in tags:
        out[USER_TAG_PREFIX + escape_key(tag)] = "true"
    return out


def experiment_slug(name: str) -> str:
    """A folder name for an experiment's artifacts, unique per project name."""
    readable = re.sub(r"[^\w.-]", "_", name)[:60] or "_"
    return f"{readable}-{hashlib.sha1(name.encode()).hexdigest()[:8]}"


def metric_value(value: Any) -> tuple[float, bool] | None:
    """(value, is_nan) as MLflow stores it, or None when `value` is not a number.

    MLflow clamps +-inf to +-DBL_MAX; we do the same here so every store holds the same value,
    and keep the exact value in the history-objects file.
    """
    if value is True or value is False:
        return (1.0 if value else 0.0), False
    if not isinstance(value, (int, float)):
        return None
    number = float(value) if not isinstance(value, float) else value
    if number != number:
        return 0.0, True
    if math.isinf(number):
        return (1.7976931348623157e308 if number > 0 else -1.7976931348623157e308), False
    return number, False


def needs_exact_copy(value: Any) -> bool:
    """Whether a history value cannot be read back exactly from an MLflow metric.

    Strings, None, bools, containers, media, +-inf and ints beyond float precision go to the
    history-objects file as well (or only there).
    """
    kind = type(value)
    if kind is float:
        return value in (math.inf, -math.inf)
    if kind is int:
        return abs(value) > 2**53
    return True
