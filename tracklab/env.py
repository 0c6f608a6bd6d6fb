"""wandb's environment variable names (`wandb.env`) and the few readers scripts call.

The names are the variables TrackLab reads (see docs/moving-from-wandb.md); a `TRACKLAB_*`
twin wins where TrackLab has one (`TRACKLAB_DIR`, `TRACKLAB_SILENT`, ...). Variables that only
mean something to wandb's cloud (API keys, hosts) are named here so imports keep working.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import MutableMapping

AGENT_DISABLE_FLAPPING = "WANDB_AGENT_DISABLE_FLAPPING"
AGENT_KILL_DELAY = "WANDB_AGENT_KILL_DELAY"
AGENT_MAX_INITIAL_FAILURES = "WANDB_AGENT_MAX_INITIAL_FAILURES"
AGENT_REPORT_INTERVAL = "WANDB_AGENT_REPORT_INTERVAL"
ANONYMOUS = "WANDB_ANONYMOUS"
API_KEY = "WANDB_API_KEY"
APP_URL = "WANDB_APP_URL"
ARGS = "WANDB_ARGS"
ARTIFACT_DIR = "WANDB_ARTIFACT_DIR"
ARTIFACT_FETCH_FILE_URL_BATCH_SIZE = "WANDB_ARTIFACT_FETCH_FILE_URL_BATCH_SIZE"
BASE_URL = "WANDB_BASE_URL"
CACHE_DIR = "WANDB_CACHE_DIR"
CONFIG_DIR = "WANDB_CONFIG_DIR"
CONFIG_PATHS = "WANDB_CONFIG_PATHS"
CORE_DEBUG = "WANDB_CORE_DEBUG"
CRASH_NOSYNC_TIME = "WANDB_CRASH_NOSYNC_TIME"
CREDENTIALS_FILE = "WANDB_CREDENTIALS_FILE"
DATA_DIR = "WANDB_DATA_DIR"
DEBUG = "WANDB_DEBUG"
DESCRIPTION = "WANDB_DESCRIPTION"
DIR = "WANDB_DIR"
DISABLE_CODE = "WANDB_DISABLE_CODE"
DISABLE_GIT = "WANDB_DISABLE_GIT"
DISABLE_SSL = "WANDB_INSECURE_DISABLE_SSL"
DOCKER = "WANDB_DOCKER"
ENABLE_DCGM_PROFILING = "WANDB_ENABLE_DCGM_PROFILING"
ENTITY = "WANDB_ENTITY"
ERROR_REPORTING = "WANDB_ERROR_REPORTING"
FILE_PUSHER_TIMEOUT = "WANDB_FILE_PUSHER_TIMEOUT"
GIT_COMMIT = "WANDB_GIT_COMMIT"
GIT_REMOTE_URL = "WANDB_GIT_REMOTE_URL"
GIT_ROOT = "WANDB_GIT_ROOT"
HOST = "WANDB_HOST"
HTTP_TIMEOUT = "WANDB_HTTP_TIMEOUT"
IDENTITY_TOKEN_FILE = "WANDB_IDENTITY_TOKEN_FILE"
IGNORE = "WANDB_IGNORE_GLOBS"
INITED = "WANDB_INITED"
INIT_TIMEOUT = "WANDB_INIT_TIMEOUT"
JOB_TYPE = "WANDB_JOB_TYPE"
JUPYTER = "WANDB_JUPYTER"
LAUNCH_QUEUE_ENTITY = "WANDB_LAUNCH_QUEUE_ENTITY"
LAUNCH_QUEUE_NAME = "WANDB_LAUNCH_QUEUE_NAME"
LAUNCH_TRACE_ID = "WANDB_LAUNCH_TRACE_ID"
MAGIC = "WANDB_MAGIC"
MODE = "WANDB_MODE"
NAME = "WANDB_NAME"
NOTEBOOK_NAME = "WANDB_NOTEBOOK_NAME"
NOTES = "WANDB_NOTES"
ORGANIZATION = "WANDB_ORGANIZATION"
PROGRAM = "WANDB_PROGRAM"
PROJECT = "WANDB_PROJECT"
QUIET = "WANDB_QUIET"
RESUME = "WANDB_RESUME"
RUN_DIR = "WANDB_RUN_DIR"
RUN_GROUP = "WANDB_RUN_GROUP"
RUN_ID = "WANDB_RUN_ID"
RUN_STORAGE_ID = "WANDB_RUN_STORAGE_ID"
SAVE_CODE = "WANDB_SAVE_CODE"
SERVICE = "WANDB_SERVICE"
SHOW_RUN = "WANDB_SHOW_RUN"
SILENT = "WANDB_SILENT"
SWEEP_ID = "WANDB_SWEEP_ID"
SWEEP_PARAM_PATH = "WANDB_SWEEP_PARAM_PATH"
TAGS = "WANDB_TAGS"
USERNAME = "WANDB_USERNAME"
USER_EMAIL = "WANDB_USER_EMAIL"
USE_V1_ARTIFACTS = "_WANDB_USE_V1_ARTIFACTS"

_TRUE = ("1", "true", "yes", "on", "t", "y")
_FALSE = ("0", "false", "no", "off", "f", "n", "")


def strtobool(val: str) -> bool:
    """`"yes"`/`"true"`/`"1"`... as True, `"no"`/`"false"`/`"0"`... as False; anything else is a ValueError."""
    text = str(val).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ValueError(f"invalid truth value {val!r} (rule: one of {_TRUE + _FALSE[:-1]})")


def _get(name: str, default: str | None = None, env: MutableMapping | None = None) -> str | None:
    source = os.environ if env is None else env
    twin = "TRACKLAB_" + name[len("WANDB_"):] if name.startswith("WANDB_") else None
    if twin and source.get(twin):
        return source[twin]
    return source.get(name, default)


def _flag(name: str, env: MutableMapping | None = None) -> bool:
    value = _get(name, env=env)
    try:
        return strtobool(value) if value is not None else False
    except ValueError:
        return False


def is_silent(env: MutableMapping | None = None) -> bool:
    return _flag(SILENT, env)


def is_quiet(env: MutableMapping | None = None) -> bool:
    return _flag(QUIET, env)


def is_debug(default: str | None = None, env: MutableMapping | None = None) -> bool:
    return _flag(DEBUG, env) or (default is not None and strtobool(default))


def is_offline(env: MutableMapping | None = None) -> bool:
    return (_get(MODE, env=env) or "") in ("offline", "dryrun")


def get_dir(default: str | None = None, env: MutableMapping | None = None) -> str | None:
    return _get(DIR, default, env)


def get_project(default: str | None = None, env: MutableMapping | None = None) -> str | None:
    return _get(PROJECT, default, env)


def get_entity(default: str | None = None, env: MutableMapping | None = None) -> str | None:
    return _get(ENTITY, default, env)


def get_run(default: str | None = None, env: MutableMapping | None = None) -> str | None:
    return _get(RUN_ID, default, env)


def get_base_url(default: str | None = None, env: MutableMapping | None = None) -> str | None:
    return _get(BASE_URL, default, env)


def get_tags(default: str = "", env: MutableMapping | None = None) -> list[str]:
    return [tag.strip() for tag in (_get(TAGS, default, env) or "").split(",") if tag.strip()]


def get_config_paths(default: str | None = None, env: MutableMapping | None = None) -> str | None:
    return _get(CONFIG_PATHS, default, env)


def get_data_dir(env: MutableMapping | None = None) -> str:
    return _get(DATA_DIR, None, env) or os.path.join(os.path.expanduser("~"), ".local", "share", "wandb")


def get_cache_dir(env: MutableMapping | None = None) -> Path:
    return Path(_get(CACHE_DIR, None, env) or os.path.join(os.path.expanduser("~"), ".cache", "wandb"))


def get_artifact_dir(env: MutableMapping | None = None) -> str:
    return os.path.abspath(_get(ARTIFACT_DIR, None, env) or os.path.join(".", "artifacts"))


def should_save_code() -> bool:
    return _flag(SAVE_CODE) and not _flag(DISABLE_CODE)


def disable_git(env: MutableMapping | None = None) -> bool:
    return _flag(DISABLE_GIT, env)


def set_project(value: str, env: MutableMapping | None = None) -> None:
    (os.environ if env is None else env)[PROJECT] = value or "uncategorized"


def set_entity(value: str, env: MutableMapping | None = None) -> None:
    (os.environ if env is None else env)[ENTITY] = value
