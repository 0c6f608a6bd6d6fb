"""`Settings`: wandb's run settings, filled from defaults, the directory settings file,
`WANDB_*` / `TRACKLAB_*` environment variables and `init()` arguments, in that order."""

from __future__ import annotations

import configparser
import logging
import os
from typing import Any, Iterable, Mapping

logger = logging.getLogger("tracklab")

# Field -> default. Fields with no local meaning are kept so code that sets them keeps working.
_DEFAULTS: dict[str, Any] = {
    "mode": "online",
    "project": None,
    "entity": None,
    "root_dir": None,
    "run_id": None,
    "run_name": None,
    "run_notes": None,
    "run_tags": None,
    "run_group": None,
    "run_job_type": None,
    "resume": None,
    "resume_from": None,
    "fork_from": None,
    "reinit": "default",
    "allow_val_change": False,
    "save_code": False,
    "code_dir": None,
    "disable_code": False,
    "disable_git": False,
    "console": "auto",
    "silent": False,
    "quiet": False,
    "show_info": True,
    "show_warnings": True,
    "show_errors": True,
    "sweep_id": None,
    "sweep_param_path": None,
    "config_paths": None,
    "ignore_globs": (),
    "init_timeout": 90.0,
    "finish_timeout": 60.0,
    "program": None,
    "args": None,
    "host": None,
    "username": None,
    "anonymous": None,
    "api_key": None,
    "base_url": None,
    "start_method": None,
    "sync_tensorboard": False,
    "max_end_of_run_history_metrics": 10,
    "table_raise_on_max_row_limit_exceeded": False,
    "x_disable_stats": False,
    "x_stats_sampling_interval": 15.0,
    "x_stats_gpu_device_ids": None,
    "x_stats_disk_paths": None,
    "x_stats_nvml_path": None,
    "x_stats_node_id": None,
    "x_label": None,
    "x_primary": True,
    "x_update_finish_state": True,
    # TrackLab's own.
    "tracking_uri": None,
    "tracklab_dir": None,
    "ui": "off",
    "ui_host": "127.0.0.1",
    "ui_port": 5000,
}

_BOOL_FIELDS = {k for k, v in _DEFAULTS.items() if isinstance(v, bool)}
_FLOAT_FIELDS = {k for k, v in _DEFAULTS.items() if isinstance(v, float)}
_INT_FIELDS = {"ui_port", "max_end_of_run_history_metrics"}

# wandb's special environment names (everything else is WANDB_<FIELD>).
_ENV_ALIASES = {
    "WANDB_DIR": "root_dir",
    "WANDB_NAME": "run_name",
    "WANDB_NOTES": "run_notes",
    "WANDB_DESCRIPTION": "run_notes",
    "WANDB_TAGS": "run_tags",
    "WANDB_RUN_GROUP": "run_group",
    "WANDB_JOB_TYPE": "run_job_type",
    "WANDB_RUN_ID": "run_id",
}
_MODES = {"online", "offline", "disabled", "shared", "dryrun", "run"}


def _parse_bool(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in {"1", "true", "yes", "on", "y"}
    return bool(value)


def _coerce(field: str, value: Any) -> Any:
    if value is None:
        return None
    if field in _BOOL_FIELDS:
        return _parse_bool(value)
    if field in _FLOAT_FIELDS:
        return float(value)
    if field in _INT_FIELDS:
        return int(value)
    if field == "run_tags" and isinstance(value, str):
        return tuple(t.strip() for t in value.split(",") if t.strip())
    if field == "x_stats_gpu_device_ids" and isinstance(value, str):
        return [int(v) for v in value.replace("[", "").replace("]", "").split(",") if v.strip()]
    if field == "mode":
        mode = str(value).lower()
        if mode not in _MODES:
            raise ValueError(f"Settings.mode={value!r}: must be one of {sorted(_MODES)}")
        # Legacy spellings: "dryrun" is offline (Lightning sets it), "run" is online.
        return {"dryrun": "offline", "run": "online", "shared": "online"}.get(mode, mode)
    return value


class Settings:
    """Run settings (wandb.Settings). Unknown fields warn once and are ignored."""

    def __init__(self, **kwargs: Any) -> None:
        object.__setattr__(self, "_values", dict(_DEFAULTS))
        self.update(kwargs)

    def update(self, values: Mapping[str, Any] | "Settings" | None = None, **kwargs: Any) -> None:
        """Set the given fields; `None` values leave a field unchanged."""
        items = dict(values.to_dict() if isinstance(values, Settings) else (values or {}))
        items.update(kwargs)
        for key, value in items.items():
            if value is None:
                continue
            # Older wandb spelled the x_ fields with a bare underscore (`_disable_stats`).
            field = "x" + key if key.startswith("_") and "x" + key in _DEFAULTS else key
            if field not in _DEFAULTS:
                logger.warning("tracklab: ignoring unknown setting %r", key)
                continue
            self._values[field] = _coerce(field, value)

    def __getattr__(self, name: str) -> Any:
        values = object.__getattribute__(self, "_values")
        if name in values:
            return values[name]
        raise AttributeError(f"Settings has no field {name!r}")

    def __setattr__(self, name: str, value: Any) -> None:
        self.update({name: value})

    def to_dict(self) -> dict[str, Any]:
        """Fields as a plain dict."""
        return dict(self._values)

    def copy(self) -> "Settings":
        """An independent copy."""
        return Settings(**{k: v for k, v in self._values.items() if v is not None})

    def __repr__(self) -> str:
        return f"Settings({self._values!r})"

    @classmethod
    def fields(cls) -> Iterable[str]:
        """Names of every known field."""
        return _DEFAULTS.keys()


def settings_from_environment(environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Settings named by `WANDB_*` then `TRACKLAB_*` variables (TrackLab's win)."""
    environ = os.environ if environ is None else environ
    found: dict[str, Any] = {}
    for prefix in ("WANDB_", "TRACKLAB_"):
        for name, value in environ.items():
            if not name.startswith(prefix) or value == "":
                continue
            rest = name[len(prefix):].lower()
            if prefix == "TRACKLAB_" and rest == "dir":
                continue  # TRACKLAB_DIR is the store folder, not wandb's run-files dir
            alias = _ENV_ALIASES.get("WANDB_" + name[len(prefix):])
            field = alias or ("x_" + rest[1:] if rest.startswith("_") else rest)
            if field in _DEFAULTS:
                found[field] = _coerce(field, value)
    # Old docs and old transformers versions use WANDB_DISABLED=true for "no tracking".
    for name in ("WANDB_DISABLED", "TRACKLAB_DISABLED"):
        if _parse_bool(environ.get(name, "")):
            found["mode"] = "disabled"
    if environ.get("MLFLOW_TRACKING_URI") and "tracking_uri" not in found:
        found["tracking_uri"] = environ["MLFLOW_TRACKING_URI"]
    if environ.get("TRACKLAB_DIR"):
        found["tracklab_dir"] = environ["TRACKLAB_DIR"]
    return found


def directory_settings_path(directory: str | None = None) -> str:
    """`<dir>/wandb/settings`, the INI file `tracklab offline` and `tracklab init` write."""
    base = directory or os.environ.get("WANDB_DIR") or os.getcwd()
    return os.path.join(base, "wandb", "settings")


def settings_from_directory(directory: str | None = None) -> dict[str, Any]:
    """The `[default]` section of the directory settings file, if any."""
    path = directory_settings_path(directory)
    if not os.path.exists(path):
        return {}
    parser = configparser.ConfigParser()
    try:
        parser.read(path)
    except configparser.Error:
        logger.warning("tracklab: unreadable settings file %s", path)
        return {}
    if not parser.has_section("default"):
        return {}
    return {k: _coerce(k, v) for k, v in parser.items("default") if k in _DEFAULTS}


def write_directory_settings(values: Mapping[str, Any], directory: str | None = None) -> str:
    """Merge `values` into the directory settings file; a value of None removes the field."""
    path = directory_settings_path(directory)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    parser = configparser.ConfigParser()
    parser.read(path)
    if not parser.has_section("default"):
        parser.add_section("default")
    for key, value in values.items():
        if value is None:
            parser.remove_option("default", key)
        else:
            parser.set("default", key, str(value))
    with open(path, "w") as handle:
        parser.write(handle)
    return path
