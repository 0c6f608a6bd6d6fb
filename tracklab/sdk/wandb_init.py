"""`init()`: settle the settings, find or create the run folder (resume), start the run."""

from __future__ import annotations

import json
import logging
import os
import random
import time
import uuid
from typing import Any, Mapping, Sequence

from tracklab.backend import location, runlog
from tracklab.backend.run_folder import RunFolder
from tracklab.errors import CommError, UsageError, term
from tracklab.sdk import _faults, _store_resume, wandb_setup
from tracklab.sdk.lib import runid
from tracklab.sdk._noop_run import NoopRun
from tracklab.sdk.wandb_run import Run
from tracklab.sdk.wandb_settings import Settings, settings_from_directory, settings_from_environment

logger = logging.getLogger("tracklab")

_RESUME_VALUES = {"allow", "must", "never", "auto"}
_REINIT_VALUES = {"default", "return_previous", "finish_previous", "create_new"}

# Set by an in-process sweep agent: {"sweep_id": ..., "params": {...}}; taken by the next init.
pending_sweep_trial: dict[str, Any] | None = None

_ADJECTIVES = ("amber", "bold", "brisk", "calm", "crisp", "dainty", "eager", "fancy", "gentle", "golden",
               "hardy", "jolly", "keen", "lively", "lucky", "misty", "noble", "polar", "quiet", "rosy",
               "silver", "smooth", "sunny", "swift", "vivid", "warm", "wild", "young")
_NOUNS = ("breeze", "brook", "cloud", "dawn", "dream", "dust", "field", "fire", "flower", "forest",
          "frost", "glade", "haze", "hill", "lake", "leaf", "moon", "night", "ocean", "pine", "rain",
          "river", "sea", "shadow", "sky", "snow", "star", "sun", "thunder", "wave", "wind")


def _random_name() -> str:
    return f"{random.choice(_ADJECTIVES)}-{random.choice(_NOUNS)}-{random.randint(1, 99)}"


def _normalize_resume(resume: Any) -> str | None:
    if resume is True:
        return "auto"
    if resume in (False, None, ""):
        return None
    value = str(resume).lower()
    if value not in _RESUME_VALUES:
        raise UsageError(f"init: resume={resume!r} must be one of allow, must, never, auto, True or False")
    return value


def _normalize_reinit(reinit: Any) -> str:
    if reinit is True:
        return "finish_previous"
    if reinit in (False, None):
        return "default"
    value = str(reinit)
    if value not in _REINIT_VALUES:
        raise UsageError(f"init: reinit={reinit!r} must be one of {sorted(_REINIT_VALUES)} or a bool")
    return value


def _load_yaml_config(path: str) -> dict[str, Any]:
    import yaml  # only when a YAML config is used

    with open(path) as handle:
        data = yaml.safe_load(handle) or {}
    if not isinstance(data, dict):
        raise UsageError(f"init: config file {path} must hold a mapping, not {type(data).__name__}")
    out = {}
    for key, value in data.items():
        if key == "wandb_version":
            continue
        # wandb's config files wrap each value as {desc: ..., value: X}.
        if isinstance(value, dict) and "value" in value and set(value) <= {"value", "desc"}:
            value = value["value"]
        out[key] = value
    return out


def _settings_for(kwargs: Mapping[str, Any], settings: Settings | Mapping[str, Any] | None) -> Settings:
    """defaults < directory file < environment < settings= < init arguments."""
    resolved = Settings()
    resolved.update(settings_from_directory())
    resolved.update(settings_from_environment())
    if isinstance(settings, Settings):  # only what the user set: the rest of it is defaults
        given = settings.to_dict()
        resolved.update({name: given[name] for name in settings.model_fields_set})
    elif settings is not None:
        resolved.update(dict(settings))
    resolved.update({k: v for k, v in kwargs.items() if v is not None})
    resolved.update_from_system_environment()  # program, its paths, the interpreter, a notebook
    return resolved


def _read_prior(folder: RunFolder) -> dict[str, Any]:
    """What an earlier session of the run left: config, summary, next step, names."""
    prior: dict[str, Any] = {"config": {}, "summary": {}, "step": 0}
    for kind, payload in runlog.iter_all_records(folder.log_path):
        if kind == runlog.HEADER:
            for key in ("mlflow_run_id", "name", "notes", "tags", "group", "job_type", "files_dir", "entity"):
                if payload.get(key) is not None:
                    prior[key] = payload[key]
        elif kind == runlog.CONFIG:
            prior["config"] = payload
        elif kind == runlog.SUMMARY:
            prior["summary"] = payload
        elif kind == runlog.HISTORY:
            prior["step"] = max(prior["step"], int(payload.get("_step", 0)) + 1)
            prior["summary"].update(payload)
        elif kind == runlog.UPDATE:
            for key in ("name", "notes", "tags"):
                if key in payload:
                    prior[key] = payload[key]
    return prior


def _experiment_id(settings: Settings) -> str | None:
    """The MLflow experiment id of the project, when the store can tell cheaply (for links)."""
    from tracklab.backend.factory import open_reader

    return open_reader(settings.tracking_uri).known_experiment_id(settings.project)


def init(
    entity: str | None = None,
    project: str | None = None,
    dir: str | os.PathLike | None = None,
    id: str | None = None,
    name: str | None = None,
    notes: str | None = None,
    tags: Sequence[str] | None = None,
    config: Any = None,
    config_exclude_keys: Sequence[str] | None = None,
    config_include_keys: Sequence[str] | None = None,
    allow_val_change: bool | None = None,
    group: str | None = None,
    job_type: str | None = None,
    mode: str | None = None,
    force: bool | None = None,
    reinit: Any = None,
    resume: Any = None,
    resume_from: str | None = None,
    fork_from: str | None = None,
    save_code: bool | None = None,
    tensorboard: bool | None = None,
    sync_tensorboard: bool | None = None,
    monitor_gym: bool | None = None,
    settings: Settings | Mapping[str, Any] | None = None,
    anonymous: str | None = None,
    **legacy: Any,
) -> Run:
    """Start a run (wandb.init). Arguments with no local meaning are accepted and ignored."""
    if legacy:
        logger.debug("tracklab.init: ignoring arguments %s", sorted(legacy))
    if resume_from and resume:
        raise UsageError("init: resume_from cannot be combined with resume")
    if _in_sweep_trial():
        project, entity, id = _drop_identity_in_sweep(project=project, entity=entity, id=id)
    resolved = _settings_for(
        {"entity": entity, "project": project, "root_dir": os.fspath(dir) if dir else None, "run_id": id,
         "run_name": name, "run_notes": notes, "run_tags": tuple(tags) if tags is not None else None,
         "run_group": group, "run_job_type": job_type, "mode": mode, "resume": resume,
         "allow_val_change": allow_val_change, "save_code": save_code},
        settings,
    )
    reinit_mode = _normalize_reinit(reinit if reinit is not None else resolved.reinit)
    previous = wandb_setup.current_run()
    if previous is not None:
        if reinit_mode in ("default", "return_previous"):
            return previous
        if reinit_mode == "finish_previous":
            previous.finish()

    _name_the_run(resolved)
    if resolved.root_dir and resolved.mode != "disabled":
        from tracklab.sdk._root_dir import usable_root_dir

        resolved.root_dir = usable_root_dir(resolved.root_dir)
    if resolved.mode == "disabled":
        run: Run = NoopRun(resolved)
        _apply_config(run, config, resolved, config_include_keys, config_exclude_keys)
        if reinit_mode != "create_new":
            wandb_setup.set_current(run)
        return run

    resolved.tracking_uri = location.resolve_tracking_uri(resolved.tracking_uri, resolved.tracklab_dir)
    if resolved.ui == "auto" and resolved.mode != "offline":
        from tracklab.sdk import hooks  # TRACKLAB_UI=auto: a detached `tracklab ui` for this store

        hooks.ensure_ui(resolved)
    resume_mode = _normalize_resume(resolved.resume)
    resume_path = _take_auto_resume_id(resolved, id) if resume_mode == "auto" else None
    folder = RunFolder.for_run(resolved.project, resolved.run_id, resolved.tracklab_dir)
    exists = folder.exists()
    stored = None if exists else _stored_run_to_resume(resolved, resume_mode)
    _check_resume_rule(resume_mode, exists or stored is not None, resolved)
    try:
        folder.acquire()
    except OSError as exc:  # a full or read-only TRACKLAB_DIR: one clear error, not a trace
        raise _faults.run_folder_error(folder.path, exc) from None
    try:
        _claim_lease(resolved, folder, stored, exists, resume_mode)
        if stored is not None:
            _store_resume.copy_into_folder(stored, folder, resolved.tracking_uri)
            exists = True
        run = _start_run(resolved, folder, exists, resume_mode, tags, config, config_include_keys,
                         config_exclude_keys)
    except OSError as exc:
        folder.release()
        if _faults.is_disk_fault(exc):
            raise _faults.run_folder_error(folder.path, exc) from None
        raise
    except BaseException:
        folder.release()
        raise
    if sync_tensorboard or tensorboard or resolved.sync_tensorboard:
        _sync_tensorboard()
    if monitor_gym:
        from tracklab.sdk import hooks

        hooks.monitor_gym()
    if resume_path:
        _remember_for_auto_resume(resume_path, run)
    run._on_ready()
    if resolved.symlink and resolved.root_dir and folder.files_dir.startswith(resolved.wandb_dir + os.sep):
        from tracklab.sdk._log_files import link_latest

        link_latest(resolved, os.path.dirname(folder.files_dir))
    if reinit_mode != "create_new":
        wandb_setup.set_current(run)
    from tracklab.sdk import _printer

    _printer.header(run)
    if run._store_problem:
        _faults.store_unusable_at_init(run)
    return run


def _sync_tensorboard() -> None:
    """sync_tensorboard=True: log what TensorBoard writers write."""
    from tracklab.sdk import tensorboard as tensorboard_sync

    if not tensorboard_sync.is_patched():
        tensorboard_sync.patch()


def _in_sweep_trial() -> bool:
    return pending_sweep_trial is not None or bool(os.environ.get("WANDB_SWEEP_ID"))


def _drop_identity_in_sweep(**identity: str | None) -> tuple[None, None, None]:
    """wandb's rule: inside a sweep trial the agent decides the run's project, entity and id."""
    for arg, value in identity.items():
        if value is not None:
            term.termwarn(f"Ignoring {arg} {value!r} when running a sweep.")
    return None, None, None


def _name_the_run(settings: Settings) -> None:
    """The defaults every run needs before it exists: project, id and start time."""
    if not settings.project:
        settings.project = "uncategorized"
    if not settings.run_id:
        settings.run_id = runid.generate_id()
    settings.x_start_time = time.time()


def _take_auto_resume_id(settings: Settings, id: str | None) -> str:
    """resume="auto": the id of the last run of this project started from here, unless the
    caller named one. Returns the file that remembers it."""
    resume_path = settings.resume_fname
    if id is None and not os.environ.get("WANDB_RUN_ID") and os.path.exists(resume_path):
        try:
            with open(resume_path) as handle:
                saved = json.load(handle)
            if saved.get("project") == settings.project:
                settings.run_id = saved["run_id"]
        except (OSError, ValueError, KeyError):
            pass
    return resume_path


def _remember_for_auto_resume(resume_path: str, run: Run) -> None:
    os.makedirs(os.path.dirname(resume_path), exist_ok=True)
    with open(resume_path, "w") as handle:
        json.dump({"run_id": run.id, "project": run.project}, handle)


def _stored_run_to_resume(settings: Settings, resume_mode: str | None) -> Any | None:
    """With resume set and no local folder: the run as the store has it (a job requeued on
    another machine), or None. A store that cannot answer is an error, not a new run: starting
    over under the same id would write over the stored steps."""
    if not resume_mode or settings.mode == "offline":
        return None
    uri = settings.tracking_uri
    sqlite_file = location.sqlite_path(uri)
    if sqlite_file is not None and not os.path.exists(sqlite_file):
        return None
    if sqlite_file is not None and _faults.store_problem(settings) is not None:
        return None  # init() says what is wrong with the store; the run starts in its folder
    try:
        return _store_resume.stored_run(uri, settings.project, settings.run_id)
    except Exception as exc:
        from tracklab.backend.ui_registry import printable_uri

        raise CommError(
            f"init: resume={settings.resume!r} for run {settings.project}/{settings.run_id}, but the store "
            f"{printable_uri(uri)} did not answer ({type(exc).__name__}: {exc}); rule: a run is resumed from the "
            "store when this machine has no folder for it, so init() needs the store. Retry when it is reachable "
            "(or pass resume=None to start a new run under another id)") from None


def _claim_lease(settings: Settings, folder: RunFolder, stored: Any | None, exists: bool,
                 resume_mode: str | None) -> None:
    """A resumed run on a shared store: lease it before anything is written here, so a run live
    on another machine is refused (RunInUseError) and leaves no local copy behind."""
    uri = settings.tracking_uri
    if stored is not None:
        mlflow_run_id = stored.mlflow_run.info.run_id
    elif exists and resume_mode and settings.mode != "offline" and location.is_remote(uri):
        mlflow_run_id = folder.mlflow_run_id(uri)
    else:
        return
    if mlflow_run_id:
        _store_resume.claim_lease(uri, mlflow_run_id, f"{settings.project}/{settings.run_id}")


def _check_resume_rule(resume_mode: str | None, exists: bool, settings: Settings) -> None:
    if resume_mode == "must" and not exists:
        raise UsageError(
            f"init: resume='must' but run {settings.project}/{settings.run_id} does not exist "
            f"(rule: 'must' only resumes an existing run; use resume='allow' to create it)"
        )
    if resume_mode == "never" and exists:
        raise UsageError(
            f"init: resume='never' but run {settings.project}/{settings.run_id} already exists "
            f"(rule: 'never' refuses an existing id; pick another id)"
        )


def _start_run(resolved: Settings, folder: RunFolder, exists: bool, resume_mode: str | None,
               tags: Sequence[str] | None, config: Any, include: Sequence[str] | None,
               exclude: Sequence[str] | None) -> Run:
    """Create the Run in its (acquired) folder, continuing what an earlier session left, and start it."""
    prior = _read_prior(folder) if exists else None
    if prior and resume_mode is None:
        logger.warning("tracklab: run %s exists; continuing it (pass resume='allow' to say so)", resolved.run_id)
    if prior:
        _continue_prior(resolved, folder, prior, tags)
    elif resolved.root_dir:
        folder.files_dir = os.path.join(_run_files_parent(resolved), "files")
    if resolved.x_files_dir:
        folder.files_dir = os.path.abspath(os.path.expanduser(resolved.x_files_dir))
    resolved._bind_run_folder(folder.path, folder.files_dir)
    resolved.resumed = bool(exists)
    if not resolved.run_name:
        resolved.run_name = _random_name()
    sweep = _take_sweep(resolved)
    if prior is None:
        prior = {"mlflow_run_id": uuid.uuid4().hex}
    run = Run(resolved, folder=folder, resumed=bool(exists), start_step=int(prior.get("step", 0)), prior=prior)
    _apply_config(run, config, resolved, include, exclude)
    if sweep:
        run.config.update_locked(sweep, user="sweep")
    if resolved.mode != "offline":  # offline runs never touch the store
        # A store that cannot be used: the run lives in its folder only (sdk/_faults.py).
        run._store_problem = _faults.store_problem(resolved)
        if run._store_problem is None:
            run._experiment_id = _experiment_id(resolved)
    run._start()
    return run


def _continue_prior(resolved: Settings, folder: RunFolder, prior: Mapping[str, Any],
                    tags: Sequence[str] | None) -> None:
    """A resumed run keeps the names and files folder of its earlier session unless given new ones."""
    for setting, key in (("run_name", "name"), ("run_notes", "notes"), ("run_group", "group"),
                         ("run_job_type", "job_type"), ("entity", "entity")):
        if not getattr(resolved, setting) and prior.get(key):
            resolved.update({setting: prior[key]})
    if tags is None and prior.get("tags") is not None and not resolved.run_tags:
        resolved.run_tags = tuple(prior["tags"])
    folder.files_dir = prior.get("files_dir") or folder.files_dir


def _run_files_parent(settings: Settings) -> str:
    """`<root_dir>/wandb/<run_mode>-<timespec>-<id>[-<suffix>]`: where a run started with dir= keeps its files."""
    name = f"{settings.run_mode}-{settings.timespec}-{settings.run_id}"
    if settings.x_sync_dir_suffix:
        name += f"-{settings.x_sync_dir_suffix}"
    return os.path.join(settings.wandb_dir, name)


def _take_sweep(settings: Settings) -> dict[str, Any] | None:
    """Parameters of the sweep trial this run belongs to, if any."""
    global pending_sweep_trial
    if pending_sweep_trial is not None:
        trial, pending_sweep_trial = pending_sweep_trial, None
        settings.sweep_id = trial.get("sweep_id")
        return dict(trial.get("params") or {})
    if settings.sweep_param_path and os.path.exists(settings.sweep_param_path):
        return _load_yaml_config(settings.sweep_param_path)
    return None


def _apply_config(run: Run, config: Any, settings: Settings, include: Sequence[str] | None,
                  exclude: Sequence[str] | None) -> None:
    """config-defaults.yaml, WANDB_CONFIG_PATHS, then the `config=` argument."""
    allow = bool(settings.allow_val_change)
    if os.path.exists("config-defaults.yaml"):
        run.config.update(_load_yaml_config("config-defaults.yaml"), allow_val_change=True)
    paths = settings.config_paths
    if isinstance(paths, str):
        paths = [p for p in paths.split(",") if p]
    for path in paths or ():
        run.config.update(_load_yaml_config(path), allow_val_change=True)
    if isinstance(config, (str, os.PathLike)):
        config = _load_yaml_config(os.fspath(config))
    if config is not None:
        run.config.update(config, allow_val_change=allow or run.resumed)
    if include or exclude:
        run.config._filtered(include, exclude)
