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
from typing import Any, Callable, Iterable, Iterator, Mapping

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
    "console": "wrap",  # wandb's "auto" always means "wrap"
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

# wandb fields about its cloud, its service or its launch system. TrackLab accepts them (so
# settings written for wandb keep working and `Settings(lol=1)` can be refused) and ignores them.
_CLOUD_ONLY: dict[str, tuple[str, ...]] = {
    "bool": ("allow_offline_artifacts", "console_multipart", "disable_git_fork_point", "disable_job_creation",
             "force", "insecure_disable_ssl", "label_disable", "launch", "relogin", "sagemaker_disable",
             "stop_on_fatal_error", "x_cli_only_mode", "x_disable_viewer", "x_file_stream_no_gzip",
             "x_flow_control_custom", "x_flow_control_disabled", "x_server_side_derived_summary",
             "x_skip_transaction_log", "x_stats_track_process_tree", "x_stats_no_cgroup", "x_stats_self_usage",
             "x_sync"),
    "dict": ("azure_account_url_to_access_key", "x_extra_http_headers", "x_proxies",
             "x_stats_open_metrics_endpoints", "x_stats_open_metrics_filters", "x_stats_open_metrics_http_headers"),
    "str": ("app_url_override", "credentials_file", "docker", "email", "organization", "http_proxy", "https_proxy",
            "identity_token_file", "job_name", "launch_config_path", "settings_system", "x_history_value_encoding",
            "x_runqueue_item_id", "x_service_transport", "x_stats_neuron_monitor_config_path",
            "x_stats_dcgm_exporter", "x_stats_coreweave_metadata_base_url", "x_stats_coreweave_metadata_endpoint"),
    "int": ("console_chunk_max_bytes", "console_chunk_max_seconds", "heartbeat_seconds", "summary_timeout",
            "summary_warnings", "x_file_stream_max_bytes", "x_file_stream_max_line_bytes", "x_file_stream_retry_max",
            "x_file_transfer_retry_max", "x_graphql_retry_max", "x_live_policy_rate_limit",
            "x_live_policy_wait_time", "x_network_buffer"),
    "float": ("login_timeout", "x_file_stream_transmit_interval", "x_file_stream_retry_wait_min_seconds",
              "x_file_stream_retry_wait_max_seconds", "x_file_stream_timeout_seconds",
              "x_file_transfer_retry_wait_min_seconds", "x_file_transfer_retry_wait_max_seconds",
              "x_file_transfer_timeout_seconds", "x_graphql_retry_wait_min_seconds",
              "x_graphql_retry_wait_max_seconds", "x_graphql_timeout_seconds", "x_internal_check_process",
              "x_service_wait", "x_transaction_log_flush_interval"),
    "any": ("job_source", "stop_fn"),
}
for _kind, _names in _CLOUD_ONLY.items():
    _DEFAULTS.update(dict.fromkeys(_names, False if _kind == "bool" else None))

_BOOL_FIELDS = {k for k, v in _DEFAULTS.items() if isinstance(v, bool)} | {
    "show_colors", "show_emoji", "strict", "use_dot_wandb", *_CLOUD_ONLY["bool"]}
_FLOAT_FIELDS = {k for k, v in _DEFAULTS.items() if isinstance(v, float)} | {"x_start_time"}
_DICT_FIELDS = set(_CLOUD_ONLY["dict"])
_FLOAT_FIELDS |= set(_CLOUD_ONLY["float"])
#: Fields holding text (a path may be given as a PathLike); anything else there is refused.
_STR_FIELDS = {"api_key", "base_url", "entity", "project", "run_id", "run_name", "run_notes", "run_group",
               "run_job_type", "sweep_id", "program", "host", "username", "code_dir", "notebook_name", "git_remote",
               "root_dir", "tracking_uri", "tracklab_dir", "sweep_param_path", *_CLOUD_ONLY["str"]}
#: Fields holding a list of names, kept as tuples (a comma-separated string from the environment).
_TUPLE_FIELDS = {"run_tags", "ignore_globs"}
_INT_FIELDS = {*_CLOUD_ONLY["int"], "ui_port", "max_end_of_run_history_metrics", "max_end_of_run_summary_metrics", "x_log_level",
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
_CONSOLES = {"auto", "off", "wrap", "redirect", "wrap_raw", "wrap_emu"}
_MODES = {"online", "offline", "disabled", "shared", "dryrun", "run"}


def _parse_bool(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in {"1", "true", "yes", "on", "y"}
    return bool(value)


def _coerce(field: str, value: Any) -> Any:
    """`value` as field `field` holds it, or ValueError naming the field, the value and the rule."""
    if value is None:
        return None
    if field in _BOOL_FIELDS:
        return _parse_bool(value)
    if field in _FLOAT_FIELDS:
        return _number(field, value, float)
    if field in _INT_FIELDS:
        if field == "x_log_level" and isinstance(value, str) and not value.strip().lstrip("-").isdigit():
            level = logging.getLevelName(value.strip().upper())
            if not isinstance(level, int):
                raise ValueError(f"Settings.x_log_level={value!r}: must be a logging level name or number")
            return level
        return _number(field, value, int)
    if field in _TUPLE_FIELDS:
        items = tuple(t.strip() for t in value.split(",") if t.strip()) if isinstance(value, str) else tuple(value)
        return _check_tags(items) if field == "run_tags" else items
    if field in _DICT_FIELDS:
        return _json_mapping(field, value)
    if field in _STR_FIELDS:
        if isinstance(value, os.PathLike):
            value = os.fspath(value)
        if not isinstance(value, str):
            raise ValueError(f"Settings.{field}={value!r}: must be a string")
        return _STR_CHECKS[field](value) if field in _STR_CHECKS else value
    if field == "reinit" and isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"  # WANDB_REINIT=true is the old boolean spelling
    if field in ("fork_from", "resume_from") and isinstance(value, str):
        from tracklab.sdk.lib.run_moment import RunMoment

        return RunMoment.from_uri(value)
    if field == "x_stats_gpu_device_ids" and isinstance(value, str):
        return [int(v) for v in value.replace("[", "").replace("]", "").split(",") if v.strip()]
    if field == "capture_loggers":
        return _check_capture_loggers(value)
    if field == "console":
        console = str(value)
        if console not in _CONSOLES:
            raise ValueError(f"Settings.console={value!r}: must be one of {sorted(_CONSOLES)}")
        return "wrap" if console == "auto" else console
    if field == "mode":
        mode = str(value).lower()
        if mode not in _MODES:
            raise ValueError(f"Settings.mode={value!r}: must be one of {sorted(_MODES)}")
        # Legacy spellings: "dryrun" is offline (Lightning sets it), "run" is online.
        return {"dryrun": "offline", "run": "online", "shared": "online"}.get(mode, mode)
    return value


def _number(field: str, value: Any, kind: type) -> Any:
    try:
        return kind(value)
    except (TypeError, ValueError):
        raise ValueError(f"Settings.{field}={value!r}: must be a number ({kind.__name__})") from None


def _json_mapping(field: str, value: Any) -> dict[str, Any]:
    if isinstance(value, str):
        try:
            value = json.loads(value)  # WANDB_X_EXTRA_HTTP_HEADERS='{"User-Agent": "me"}'
        except ValueError:
            raise ValueError(f"Settings.{field}={value!r}: must be a JSON object") from None
    if not isinstance(value, Mapping):
        raise ValueError(f"Settings.{field}={value!r}: must be a mapping")
    return dict(value)


#: Characters a run id may not hold (they would break run paths and URLs).
_RUN_ID_FORBIDDEN = ":;,#?/'"
#: Characters a project name may not hold.
_PROJECT_FORBIDDEN = "/\\#?%:"


def _check_run_id(value: str) -> str:
    bad = sorted({c for c in value if c in _RUN_ID_FORBIDDEN})
    if bad:
        from tracklab.errors import UsageError

        raise UsageError(f"Settings.run_id={value!r}: run ids may not contain {''.join(bad)!r} "
                         f"(rule: none of {_RUN_ID_FORBIDDEN!r})")
    return value


def _check_project(value: str) -> str:
    bad = sorted({c for c in value if c in _PROJECT_FORBIDDEN})
    if bad:
        raise ValueError(f"Settings.project={value!r}: project names may not contain {''.join(bad)!r} "
                         f"(rule: none of {_PROJECT_FORBIDDEN!r})")
    if len(value) > 128:
        raise ValueError(f"Settings.project={value[:20]!r}...: project names are at most 128 characters")
    return value


def _check_tags(tags: tuple[str, ...]) -> tuple[str, ...]:
    for tag in tags:
        if not isinstance(tag, str) or not 1 <= len(tag) <= 64:
            raise ValueError(f"Settings.run_tags: {tag!r} is not a valid tag. "
                             "Tags must be between 1 and 64 characters")
    return tags


def _check_base_url(value: str) -> str:
    """A server address: http(s), a host, no whitespace; wandb's own cloud only as https://api.wandb.ai."""
    from urllib.parse import urlparse

    url = value.strip().rstrip("/")
    rule = "an http(s) address of a server, e.g. https://api.example.com"
    if any(c.isspace() for c in value.strip()) or any(ord(c) < 32 for c in value):
        raise ValueError(f"Settings.base_url={value!r}: contains whitespace or control characters ({rule})")
    parsed = urlparse(url)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise ValueError(f"Settings.base_url={value!r}: not {rule}")
    host = parsed.hostname or ""
    if host in ("wandb.ai", "app.wandb.ai"):
        raise ValueError(f"Settings.base_url={value!r}: that is W&B's web app; its API is https://api.wandb.ai")
    if host == "api.wandb.ai" and parsed.scheme != "https":
        raise ValueError(f"Settings.base_url={value!r}: W&B's API is only served over https")
    return url


_STR_CHECKS: dict[str, Callable[[str], str]] = {
    "run_id": _check_run_id, "project": _check_project, "base_url": _check_base_url,
}


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
    if not program or program == "-c":  # the same record before and after init() resolves program
        program = NO_MAIN_FILE
    key = hashlib.sha1(f"{os.getcwd()}|{program}".encode()).hexdigest()[:16]
    return os.path.join(location.tracklab_dir(s.tracklab_dir), "resume", f"{key}.json")


def _program_path() -> str | None:
    from tracklab.sdk._metadata import program_path

    return program_path()


def _app_url(s: "Settings") -> str:
    if s.app_url_override:
        return s.app_url_override.rstrip("/")
    if not s.base_url:
        return f"http://{s.ui_host}:{s.ui_port}"  # TrackLab's UI
    from urllib.parse import urlparse

    parsed = urlparse(s.base_url)
    host = parsed.netloc
    if host == "api.wandb.ai":
        host = "wandb.ai"
    elif host.startswith("api."):
        host = "app." + host[len("api."):]
    return f"{parsed.scheme}://{host}{parsed.path}".rstrip("/")


def _project_url(s: "Settings") -> str:
    if not s.project:
        return ""
    return f"{_app_url(s)}/{s.entity}/{s.project}" if s.entity else f"{_app_url(s)}/{s.project}"


def _run_url(s: "Settings") -> str:
    project = _project_url(s)
    return f"{project}/runs/{s.run_id}" if project and s.run_id else ""


def _sweep_url(s: "Settings") -> str:
    project = _project_url(s)
    return f"{project}/sweeps/{s.sweep_id}" if project and s.sweep_id else ""


def _in_notebook() -> bool:
    shell = sys.modules.get("IPython")
    ipython = getattr(shell, "get_ipython", lambda: None)() if shell else None
    return type(ipython).__name__ == "ZMQInteractiveShell"


#: Fields whose unset value means a path in the user's home folder (wandb's defaults).
_DEFAULT_PATHS: dict[str, Callable[[], str]] = {
    "credentials_file": lambda: os.path.expanduser(os.path.join("~", ".config", "wandb", "credentials.json")),
    "settings_system": lambda: os.path.expanduser(os.path.join("~", ".config", "wandb", "settings")),
}

_COMPUTED: dict[str, Callable[["Settings"], Any]] = {
    "_offline": lambda s: s.mode == "offline",
    "_noop": lambda s: s.mode == "disabled",
    "_shared": lambda s: False,
    "_jupyter": lambda s: _in_notebook(),
    "_notebook": lambda s: _in_notebook(),
    "_ipython": lambda s: "IPython" in sys.modules and not _in_notebook(),
    "_colab": lambda s: "google.colab" in sys.modules,
    "_kaggle": lambda s: "KAGGLE_KERNEL_RUN_TYPE" in os.environ,
    "_windows": lambda s: sys.platform == "win32",
    "_os": lambda s: __import__("platform").platform(aliased=True),
    "_python": lambda s: __import__("platform").python_version(),
    "_platform": lambda s: f"{__import__('platform').system()}-{__import__('platform').machine()}".lower(),
    "_args": lambda s: list(s.args or sys.argv[1:]),
    "_start_datetime": lambda s: _timespec(s),
    "app_url": _app_url,
    "is_local": lambda s: not s.base_url or "api.wandb.ai" not in s.base_url,
    "deployment": lambda s: "cloud" if s.base_url and "api.wandb.ai" in s.base_url else "local",
    "project_url": _project_url,
    "run_url": _run_url,
    "sweep_url": _sweep_url,
    "settings_workspace": lambda s: os.path.join(_wandb_dir(s), "settings"),
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


NO_MAIN_FILE = "<python with no main file>"  # wandb's program when there is no script


class Settings:
    """Run settings (wandb.Settings). Unknown fields warn once and are ignored."""

    def __init__(self, **kwargs: Any) -> None:
        object.__setattr__(self, "_values", dict(_DEFAULTS, x_stats_pid=os.getpid()))
        object.__setattr__(self, "_run_paths", {})
        object.__setattr__(self, "_fields_set", set())
        self.update(kwargs)

    def update(self, values: Mapping[str, Any] | "Settings" | None = None, **kwargs: Any) -> None:
        """Set the given fields; `None` values leave a field unchanged. A field neither TrackLab
        nor wandb knows, a value of the wrong kind or one breaking a field's rule is a ValueError
        (run ids: UsageError), and then nothing of this update is applied."""
        items = dict(values.to_dict() if isinstance(values, Settings) else (values or {}))
        items.update(kwargs)
        checked = {}
        for key, value in items.items():
            if value is None:
                continue
            # Older wandb spelled the x_ fields with a bare underscore (`_disable_stats`).
            field = "x" + key if key.startswith("_") and "x" + key in _DEFAULTS else key
            if field in _COMPUTED:
                raise AttributeError(f"Settings.{field} is computed from other settings and cannot be set "
                                     f"(got {value!r}); set root_dir, x_files_dir or mode instead")
            if field not in _DEFAULTS:
                raise ValueError(f"Settings has no field {key!r} (got {value!r}); wandb's fields are accepted, "
                                 "see docs/settings.md")
            checked[field] = _coerce(field, value)
        _check_branching({**self._values, **checked})
        self._values.update(checked)
        self._fields_set.update(checked)

    def __getattr__(self, name: str) -> Any:
        values = object.__getattribute__(self, "_values")
        if name in values:
            value = values[name]
            return _DEFAULT_PATHS[name]() if value is None and name in _DEFAULT_PATHS else value
        if name in _COMPUTED:
            return _COMPUTED[name](self)
        raise AttributeError(f"Settings has no field {name!r}")

    # -- the pydantic model's ways (wandb's Settings is one) ------------------------------
    def __iter__(self) -> Iterator[tuple[str, Any]]:
        """`(field, value)` pairs, so `dict(settings)` is the fields."""
        return iter(list(self._values.items()))

    def model_dump(self, **kwargs: Any) -> dict[str, Any]:
        """Every field and every computed value (`_offline`, `sync_dir`, `run_url`, ...)."""
        dumped = dict(self._values)
        for name, compute in _COMPUTED.items():
            try:
                dumped[name] = compute(self)
            except Exception as exc:  # a computed path may need what is not set yet
                logger.debug("Settings.model_dump: %s not computed: %r", name, exc)
                dumped[name] = None
        return dumped

    @property
    def model_fields_set(self) -> set[str]:
        """The fields given a value (by the constructor, `update` or assignment), as pydantic
        tells them: `init(settings=Settings(...))` takes only these over the environment."""
        return set(self._fields_set)

    def model_copy(self, **kwargs: Any) -> "Settings":
        return self.copy()

    def __copy__(self) -> "Settings":
        return self.copy()

    def __deepcopy__(self, memo: dict[int, Any]) -> "Settings":
        return self.copy()

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Settings) and self._values == other._values

    __hash__ = None  # type: ignore[assignment] - mutable, as wandb's

    def update_from_system_settings(self) -> None:
        """Apply the settings files wandb reads: the system one (`settings_system`, by default
        `~/.config/wandb/settings`) then the workspace one (`<root_dir>/wandb/settings`), their
        `[default]` section. A file with an unusable value is reported and not applied at all."""
        from tracklab.errors import term

        for path in (self.settings_system, self.settings_workspace):
            if not path or not os.path.isfile(path):
                continue
            if not self.quiet:
                term.termlog(f"Loading settings from {path}")
            try:
                found = _read_settings_file(path)
                trial = self.copy()
                trial.update(found)
            except (ValueError, configparser.Error) as exc:
                if self.quiet:
                    term.termerror(f"Failed to load settings from {path}")
                term.termerror(str(exc))
                continue
            self.update(found)

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
            if program.startswith("-m "):  # `python -m module`: the paths are the module's file
                program = getattr(sys.modules.get("__main__"), "__file__", None) or program
            self._values["program_abspath"] = os.path.abspath(program)
            self._values["program_relpath"] = self._relative_to_root(program)
        elif not self.program:
            self.program = NO_MAIN_FILE  # a REPL, `python -c`, an embedded interpreter: as wandb says
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
        if value is None and name in _DEFAULTS:  # wandb lets a field be reset to None
            self._values[name] = None
            return
        self.update({name: value})

    def to_dict(self) -> dict[str, Any]:
        """Fields as a plain dict."""
        return dict(self._values)

    def copy(self) -> "Settings":
        """An independent copy (changing one never changes the other)."""
        import copy as copy_module

        copied = object.__new__(Settings)
        object.__setattr__(copied, "_values", copy_module.deepcopy(self._values))
        object.__setattr__(copied, "_run_paths", dict(self._run_paths))
        object.__setattr__(copied, "_fields_set", set(self._fields_set))
        return copied

    def __repr__(self) -> str:
        return f"Settings({self._values!r})"

    @classmethod
    def fields(cls) -> Iterable[str]:
        """Names of every known field, computed ones included."""
        return [*_DEFAULTS, *_COMPUTED]


# The computed values are also properties of the class, so they can be inspected (and patched
# in tests) on `Settings` itself, as on wandb's model.
for _name, _compute in _COMPUTED.items():
    setattr(Settings, _name, property(_compute, doc=f"`{_name}`, computed from the other settings"))


def _check_branching(values: Mapping[str, Any]) -> None:
    """resume, resume_from and fork_from each start a run from somewhere else: one at a time."""
    given = [name for name in ("resume", "resume_from", "fork_from") if values.get(name) not in (None, False)]
    if len(given) > 1:
        raise ValueError(f"Settings: {' and '.join(given)} cannot be combined (rule: a run resumes, resumes from "
                         "a step, or forks, one of them)")


def _read_settings_file(path: str) -> dict[str, Any]:
    """The `[default]` section of an INI settings file, as given (checked by the caller)."""
    parser = configparser.ConfigParser()
    parser.read(path)
    if not parser.has_section("default"):
        return {}
    return {key: value for key, value in parser.items("default") if key in _DEFAULTS}


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
