"""`Settings`: wandb's run settings, filled from defaults, the directory settings file,
`WANDB_*` / `TRACKLAB_*` environment variables and `init()` arguments, in that order."""

from __future__ import annotations

import configparser
import datetime
import hashlib
import json
import logging
import os
import sys
from typing import Any, Callable, Iterable, Mapping

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
    # Behaviour switches TrackLab honours (docs/settings.md).
    "x_disable_meta": False,  # no wandb-metadata.json
    "x_disable_machine_info": False,  # metadata without host, hardware and git
    "x_save_requirements": True,  # requirements.txt of the installed packages
    "x_executable": None,  # the interpreter named in the metadata (default sys.executable)
    "x_stats_cpu_count": None,  # these four override the detected values in the metadata
    "x_stats_cpu_logical_count": None,
    "x_stats_gpu_count": None,
    "x_stats_gpu_type": None,
    "x_stats_pid": None,  # the process the system monitor samples (default: this one)
    "x_stats_buffer_size": 0,  # system-metric samples kept in memory for run._system_metrics
    "x_files_dir": None,  # overrides files_dir
    "x_sync_dir_suffix": "",  # appended to the run-files folder made under dir=
    "x_log_level": logging.INFO,  # level of the run's debug.log
    "x_start_time": None,  # filled by init
    "use_dot_wandb": None,  # `.wandb` instead of `wandb` under root_dir (None: whichever exists)
    "symlink": True,  # latest-run / debug.log links in wandb_dir when dir= is given
    "capture_loggers": None,  # {logger name: level} copied into the run's output.log
    "finish_timeout_raises": False,
    "max_end_of_run_summary_metrics": 10,
    "show_colors": None,
    "show_emoji": None,
    "strict": None,  # like table_raise_on_max_row_limit_exceeded
    "allow_media_symlink": False,  # media files from a path are linked into the run, not copied
    "notebook_name": None,
    "x_jupyter_name": None,
    "x_jupyter_path": None,
    "x_jupyter_root": None,
    # Filled by init with what it found (git state, program paths, resumption).
    "git_remote": "origin",
    "git_commit": None,
    "git_remote_url": None,
    "git_root": None,
    "program_abspath": None,
    "program_relpath": None,
    "resumed": False,
    # TrackLab's own.
    "tracking_uri": None,
    "tracklab_dir": None,
    "ui": "off",
    "ui_host": "127.0.0.1",
    "ui_port": 5000,
}

_BOOL_FIELDS = {k for k, v in _DEFAULTS.items() if isinstance(v, bool)} | {
    "show_colors", "show_emoji", "strict", "use_dot_wandb"}
_FLOAT_FIELDS = {k for k, v in _DEFAULTS.items() if isinstance(v, float)} | {"x_start_time"}
_INT_FIELDS = {"ui_port", "max_end_of_run_history_metrics", "max_end_of_run_summary_metrics", "x_log_level",
               "x_stats_buffer_size", "x_stats_cpu_count", "x_stats_cpu_logical_count", "x_stats_gpu_count",
               "x_stats_pid"}

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
        if field == "x_log_level" and isinstance(value, str) and not value.strip().lstrip("-").isdigit():
            level = logging.getLevelName(value.strip().upper())
            if not isinstance(level, int):
                raise ValueError(f"Settings.x_log_level={value!r}: must be a logging level name or number")
            return level
        return int(value)
    if field == "run_tags" and isinstance(value, str):
        return tuple(t.strip() for t in value.split(",") if t.strip())
    if field == "x_stats_gpu_device_ids" and isinstance(value, str):
        return [int(v) for v in value.replace("[", "").replace("]", "").split(",") if v.strip()]
    if field == "capture_loggers":
        return _check_capture_loggers(value)
    if field == "mode":
        mode = str(value).lower()
        if mode not in _MODES:
            raise ValueError(f"Settings.mode={value!r}: must be one of {sorted(_MODES)}")
        # Legacy spellings: "dryrun" is offline (Lightning sets it), "run" is online.
        return {"dryrun": "offline", "run": "online", "shared": "online"}.get(mode, mode)
    return value


def _check_capture_loggers(value: Any) -> dict[str, str]:
    if isinstance(value, str):
        try:
            value = json.loads(value)  # WANDB_CAPTURE_LOGGERS='{"my.module": "INFO"}'
        except ValueError:
            raise ValueError(f"Settings.capture_loggers={value!r}: must be a JSON object of logger name to level")
    if not isinstance(value, Mapping):
        raise ValueError(f"Settings.capture_loggers={value!r}: must be a mapping of logger name to level")
    checked = {}
    for name, level in value.items():
        number = level if isinstance(level, int) else logging.getLevelName(str(level).upper())
        if not isinstance(number, int):
            raise ValueError(f"Settings.capture_loggers[{name!r}]={level!r}: must be a logging level name")
        checked[str(name)] = logging.getLevelName(number)
    return checked


# Paths and modes wandb computes from other fields. They cannot be set; after init() the
# run's real folders answer (bound by `_bind_run_folder`).
def _wandb_dir(s: "Settings") -> str:
    root = os.path.abspath(os.path.expanduser(s.root_dir or os.getcwd()))
    use_dot = s.use_dot_wandb if s.use_dot_wandb is not None else os.path.isdir(os.path.join(root, ".wandb"))
    return os.path.join(root, ".wandb" if use_dot else "wandb")


def _sync_dir(s: "Settings") -> str:
    """The run folder (run log, writer.log, files): what `tracklab sync` takes."""
    bound = s._run_paths.get("sync_dir")
    if bound:
        return bound
    if not s.run_id:
        return ""
    from tracklab.backend.run_folder import RunFolder

    return RunFolder.for_run(s.project or "uncategorized", s.run_id, s.tracklab_dir).path


def _files_dir(s: "Settings") -> str:
    bound = s._run_paths.get("files_dir")
    if bound:
        return bound
    sync_dir = _sync_dir(s)
    return s.x_files_dir or (os.path.join(sync_dir, "files") if sync_dir else "")


def _in_sync_dir(name: str) -> Callable[["Settings"], str]:
    def path(s: "Settings") -> str:
        sync_dir = _sync_dir(s)
        return os.path.join(sync_dir, name) if sync_dir else ""

    return path


def _in_wandb_dir(name: str) -> Callable[["Settings"], str]:
    return lambda s: os.path.join(_wandb_dir(s), name)


def _timespec(s: "Settings") -> str:
    if s.x_start_time is None:
        return ""
    return datetime.datetime.fromtimestamp(s.x_start_time).strftime("%Y%m%d_%H%M%S")


def _resume_fname(s: "Settings") -> str:
    """TrackLab's resume='auto' record for this working directory and program."""
    from tracklab.backend import location

    program = s.program or _program_path()
    key = hashlib.sha1(f"{os.getcwd()}|{program}".encode()).hexdigest()[:16]
    return os.path.join(location.tracklab_dir(s.tracklab_dir), "resume", f"{key}.json")


def _program_path() -> str | None:
    from tracklab.sdk._metadata import program_path

    return program_path()


_COMPUTED: dict[str, Callable[["Settings"], Any]] = {
    "wandb_dir": _wandb_dir,
    "sync_dir": _sync_dir,
    "files_dir": _files_dir,
    "sync_file": _in_sync_dir("run.tlog"),
    "log_dir": _sync_dir,  # TrackLab keeps its logs beside the run log
    "log_internal": _in_sync_dir("writer.log"),  # the writer process's log (wandb: the service's)
    "log_user": _in_sync_dir("debug.log"),
    "log_symlink_user": _in_wandb_dir("debug.log"),
    "log_symlink_internal": _in_wandb_dir("debug-internal.log"),
    "sync_symlink_latest": _in_wandb_dir("latest-run"),
    "resume_fname": _resume_fname,
    "run_mode": lambda s: "offline-run" if s.mode == "offline" else "run",
    "timespec": _timespec,
}


class Settings:
    """Run settings (wandb.Settings). Unknown fields warn once and are ignored."""

    def __init__(self, **kwargs: Any) -> None:
        object.__setattr__(self, "_values", dict(_DEFAULTS, x_stats_pid=os.getpid()))
        object.__setattr__(self, "_run_paths", {})
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
            if field in _COMPUTED:
                raise AttributeError(f"Settings.{field} is computed from other settings and cannot be set "
                                     f"(got {value!r}); set root_dir, x_files_dir or mode instead")
            if field not in _DEFAULTS:
                logger.warning("tracklab: ignoring unknown setting %r", key)
                continue
            self._values[field] = _coerce(field, value)

    def __getattr__(self, name: str) -> Any:
        values = object.__getattribute__(self, "_values")
        if name in values:
            return values[name]
        if name in _COMPUTED:
            return _COMPUTED[name](self)
        raise AttributeError(f"Settings has no field {name!r}")

    # -- wandb's ways of filling settings -------------------------------------------------
    def update_from_dict(self, settings: Mapping[str, Any]) -> None:
        """Set every field of `settings` whose value is not None."""
        self.update(dict(settings))

    def update_from_settings(self, settings: "Settings") -> None:
        """Take the fields `settings` has away from their defaults."""
        self.update({k: v for k, v in settings._values.items() if k in _DEFAULTS and v != _DEFAULTS[k]
                     and k != "x_stats_pid"})

    def update_from_env_vars(self, environ: Mapping[str, Any]) -> None:
        """Fields named by `WANDB_*` (then `TRACKLAB_*`) variables of `environ`."""
        self.update(settings_from_environment(environ))

    def update_from_system_environment(self) -> None:
        """What the process tells: code saving and git switches, the program and its paths, a notebook."""
        if self.save_code is not False and ("WANDB_SAVE_CODE" in os.environ or "WANDB_DISABLE_CODE" in os.environ):
            self.save_code = _parse_bool(os.environ.get("WANDB_SAVE_CODE", "")) and not _parse_bool(
                os.environ.get("WANDB_DISABLE_CODE", ""))
        if "WANDB_DISABLE_GIT" in os.environ:
            self._values["disable_git"] = _parse_bool(os.environ["WANDB_DISABLE_GIT"])
        if self.notebook_name and os.path.exists(self.notebook_name) and not self.x_jupyter_path:
            self.update(x_jupyter_path=self.notebook_name, x_jupyter_name=self.notebook_name,
                        x_jupyter_root=os.getcwd())
        program = self.program or self.x_jupyter_path or _program_path()
        if program and program != "-c":
            self.program = program
            self._values["program_abspath"] = os.path.abspath(program)
            self._values["program_relpath"] = self._relative_to_root(program)
        if not self._values["x_executable"]:
            self._values["x_executable"] = sys.executable

    def infer_git_root(self) -> None:
        """git_root: the top of the repository holding root_dir (unless set, or git is disabled)."""
        if self.git_root is not None or self.disable_git:
            return
        from tracklab.sdk._metadata import git_root

        root = git_root(self.root_dir or os.getcwd())
        if root:
            self.git_root = root

    def _relative_to_root(self, program: str) -> str | None:
        """`program` relative to the git root (or the working directory), as wandb records it."""
        base = self.git_root or os.getcwd()
        try:
            relative = os.path.relpath(os.path.abspath(program), base)
        except ValueError:  # another drive
            return None
        return None if relative.startswith("..") else relative

    def _bind_run_folder(self, sync_dir: str, files_dir: str) -> None:
        """init(): the run's real folders answer sync_dir, files_dir and the paths inside them."""
        self._run_paths.update(sync_dir=sync_dir, files_dir=files_dir)

    def __setattr__(self, name: str, value: Any) -> None:
        self.update({name: value})

    def to_dict(self) -> dict[str, Any]:
        """Fields as a plain dict."""
        return dict(self._values)

    def copy(self) -> "Settings":
        """An independent copy."""
        copied = Settings(**{k: v for k, v in self._values.items() if v is not None})
        copied._run_paths.update(self._run_paths)
        return copied

    def __repr__(self) -> str:
        return f"Settings({self._values!r})"

    @classmethod
    def fields(cls) -> Iterable[str]:
        """Names of every known field, computed ones included."""
        return [*_DEFAULTS, *_COMPUTED]


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
