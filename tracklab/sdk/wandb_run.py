"""`Run`: one tracked run (wandb.sdk.wandb_run.Run). It turns API calls into run-log records;
the writer process (tracklab.backend.writer) moves them into MLflow."""

from __future__ import annotations

import logging
import os
import threading
import time
from typing import Any, Mapping, Sequence

from tracklab.backend import runlog
from tracklab.backend.run_folder import RunFolder
from tracklab.errors import UsageError, term
from tracklab.sdk import _media_bridge, _run_lifecycle, _run_save
from tracklab.sdk._history import History
from tracklab.sdk._run_media_sink import RunMediaSink
from tracklab.sdk.wandb_config import Config
from tracklab.sdk.wandb_metric import Metric, MetricRules, parse_summary
from tracklab.sdk.wandb_settings import Settings
from tracklab.sdk.wandb_summary import Summary

logger = logging.getLogger("tracklab")


class Run:
    """A run. Created by `tracklab.init()`; do not construct it yourself."""

    def __init__(self, settings: Settings, config: Mapping[str, Any] | None = None,
                 sweep_config: Mapping[str, Any] | None = None, launch_config: Mapping[str, Any] | None = None,
                 *, folder: RunFolder | None = None, resumed: bool = False, start_step: int = 0,
                 prior: Mapping[str, Any] | None = None) -> None:
        self._detached = folder is None
        if folder is None:  # built directly, as wandb's `Run(settings, config=...)`: its own folder, no writer
            folder = _own_folder(settings)
        self._settings = settings
        self._folder = folder
        self._id: str = settings.run_id
        self._name: str = settings.run_name
        self._project: str = settings.project
        self._entity: str = settings.entity or ""
        self._notes: str | None = settings.run_notes
        self._tags: tuple[str, ...] = tuple(settings.run_tags or ())
        self._group: str | None = settings.run_group
        self._job_type: str | None = settings.run_job_type
        self._sweep_id: str | None = settings.sweep_id
        self._resumed = resumed
        self._starting_step = start_step
        self._offline = settings.mode == "offline"
        self._start_time = settings.x_start_time or time.time()
        self._finished = False
        self._forked = False
        self._attached = False  # logging into a run another process owns (wandb._attach)
        self._exit_state: str | None = None
        self._mlflow_run_id: str | None = (prior or {}).get("mlflow_run_id")
        self._experiment_id: str | None = None
        # Why the store cannot take this run (init found it unusable, or the writer stopped):
        # the run lives in its local run folder only, and has no link (sdk/_faults.py).
        self._store_problem: str | None = None
        self._writer = None
        self._console = None
        self._monitor = None
        self._rules = MetricRules()
        self._lock = threading.RLock()
        self._runlog: runlog.RunLogWriter | None = None
        self._log_files: list[Any] = []  # debug.log and captured loggers, closed by finish()
        self._stats_buffer: dict[str, Any] = {}

        self._media_sink = RunMediaSink(self)
        self.config = Config()
        self.summary = Summary(serialize=self._serialize_summary_value)
        if prior:
            self.config._load(prior.get("config") or {})
            self.summary._load(prior.get("summary") or {})
        self._history = History(self._emit_row, self._start_time, start_step, self._media_sink,
                                self._set_internal_config)
        if config:
            self.config.update(dict(config), allow_val_change=True)
        if sweep_config:
            self.config.update_locked(dict(sweep_config), user="sweep")
        if launch_config:
            self.config.update_locked(dict(launch_config), user="launch")

    # -- a run built without init() ------------------------------------------------------
    def _set_backend(self, backend: Any) -> None:
        """wandb hands a run its service channel here. A run built directly gets its run log
        (and no writer: `tracklab sync` loads it); the channel itself carries nothing."""
        self._backend = backend
        if self._detached and self._runlog is None:
            _run_lifecycle_detached_start(self)

    def _on_ready(self) -> None:
        """The run is about to be handed to the user: a run that does not resume forgets the
        resume='auto' record of this folder and program, so the next auto resume starts afresh."""
        resume_file = self._settings.resume_fname
        if not self._settings.resume and resume_file and os.path.exists(resume_file):
            os.remove(resume_file)

    def _set_library(self, library: Any) -> None:
        """wandb's process-wide library handle; TrackLab keeps no such state."""
        self._library = library

    # -- start-up (called by init) -------------------------------------------------------
    def _start(self) -> None:
        _run_lifecycle.start(self)

    def _start_attached(self) -> None:
        """Log into a run another live process owns (`wandb._attach`)."""
        _run_lifecycle.start_attached(self)

    @property
    def _system_metrics(self) -> dict[str, list[tuple[Any, float]]]:
        """Buffered system-metric samples per metric (needs settings.x_stats_buffer_size > 0)."""
        return {name: list(samples) for name, samples in self._stats_buffer.items()}

    # -- records -------------------------------------------------------------------------
    def _emit_row(self, row: dict[str, Any], nested: dict[str, Any] | None) -> None:
        rules = self._rules
        if rules:
            self._step_sync(row)
        self._runlog.write_row(row)
        self.summary._from_history(row, rules, nested)

    def _step_sync(self, row: dict[str, Any]) -> None:
        for key in list(row):
            metric = self._rules.for_key(key)
            if metric is None or not metric.step_metric or metric.step_metric == key:
                continue
            if metric.step_sync is False or metric.step_metric in row:
                continue
            last = self.summary._values.get(metric.step_metric)
            if last is not None:
                row[metric.step_metric] = last

    def _config_changed(self, *changes: Any, **named: Any) -> None:
        """Config's change callback (wandb's shape: `key=, val=` or `data=`); the run log always
        gets the whole config."""
        if self._runlog is not None and not self._finished:
            self._runlog.write_config(self.config._items)

    def _flush_summary(self) -> None:
        if self.summary._take_dirty():
            try:
                self._runlog.write_summary(self.summary._snapshot())
            except (RuntimeError, ValueError):  # changed while encoding: try again next flush
                object.__setattr__(self.summary, "_dirty", True)

    def _serialize_summary_value(self, key: str, value: Any) -> Any:
        kind = type(value)
        if kind in (int, float, str, bool) or value is None:
            return value
        return _media_bridge.serialize_summary(value, key, self._media_sink)

    def _set_internal_config(self, path: Sequence[str], value: Any) -> None:
        """Set `config[path[0]][path[1]]...` (the hidden `_wandb` part: chart panels, class labels)
        and record the change."""
        node = self.config._items
        for part in path[:-1]:
            node = node.setdefault(part, {})
        node[path[-1]] = value
        self.config._changed()

    def _update(self, **changes: Any) -> None:
        if self._runlog is not None and not self._finished:
            self._runlog.write_update(changes)

    # -- identity ------------------------------------------------------------------------
    @property
    def id(self) -> str:
        return self._id

    @property
    def name(self) -> str:
        return self._name

    @name.setter
    def name(self, value: str) -> None:
        self._name = value
        self._update(name=value)

    @property
    def notes(self) -> str | None:
        return self._notes

    @notes.setter
    def notes(self, value: str) -> None:
        self._notes = value
        self._update(notes=value)

    @property
    def tags(self) -> tuple[str, ...]:
        return self._tags

    @tags.setter
    def tags(self, value: Sequence[str]) -> None:
        self._tags = tuple(value)
        self._update(tags=list(self._tags))

    @property
    def group(self) -> str | None:
        return self._group

    @property
    def job_type(self) -> str | None:
        return self._job_type

    @property
    def project(self) -> str:
        return self._project

    @property
    def entity(self) -> str:
        return self._entity

    @property
    def path(self) -> str:
        return "/".join(p for p in (self._entity, self._project, self._id) if p)

    @property
    def dir(self) -> str:
        return self._folder.files_dir

    @property
    def sync_dir(self) -> str:
        return self._folder.path

    @property
    def settings(self) -> Settings:
        return self._settings

    @property
    def start_time(self) -> float:
        return self._start_time

    @property
    def step(self) -> int:
        return self._history.step

    @property
    def starting_step(self) -> int:
        return self._starting_step

    @property
    def resumed(self) -> bool:
        return self._resumed

    @property
    def offline(self) -> bool:
        return self._offline

    @property
    def disabled(self) -> bool:
        return False

    @property
    def sweep_id(self) -> str | None:
        return self._sweep_id

    @property
    def sweep_url(self) -> str | None:
        return None

    @property
    def mlflow_run_id(self) -> str | None:
        """The MLflow run id, once known (at once for the local store, from the writer otherwise)."""
        recorded = self._folder.mlflow_run_id(self._settings.tracking_uri)
        if recorded or not (self._settings.tracking_uri or "").startswith("sqlite:"):
            return recorded  # other stores choose their own ids
        return self._mlflow_run_id

    @property
    def url(self) -> str | None:
        """The run's page in `tracklab ui` (or the MLflow server it logs to)."""
        run_id = self.mlflow_run_id
        if self._offline or not run_id or self._store_problem:
            return None
        from tracklab.backend.links import run_url

        return run_url(self._settings, self._experiment_id, run_id)

    @property
    def project_url(self) -> str | None:
        if self._offline:
            return None
        from tracklab.backend.links import experiment_url

        return experiment_url(self._settings, self._experiment_id)

    @property
    def config_static(self) -> Any:
        return type("ConfigStatic", (), dict(self.config._items))()

    # -- logging -------------------------------------------------------------------------
    def log(self, data: Mapping[str, Any], step: int | None = None, commit: bool | None = None,
            sync: bool | None = None) -> None:
        """Log a row of history (wandb's step and commit rules); `sync` is accepted and ignored."""
        if self._finished:
            raise UsageError(f"Run ({self._id}) is finished. The call to `log` will be ignored. "
                             "Please make sure that you are using an active run.")
        if self._forked:
            return
        if not isinstance(data, Mapping):
            raise TypeError("wandb.log must be passed a dictionary")
        self._history.log(data, step, commit)

    def _log(self, data: Mapping[str, Any], step: int | None = None, commit: bool | None = None) -> None:
        """wandb's private spelling of `log` that some integrations (catboost) call."""
        self.log(data, step=step, commit=commit)

    def define_metric(self, name: str, step_metric: str | Metric | None = None, step_sync: bool | None = None,
                      hidden: bool | None = None, summary: str | None = None, overwrite: bool | None = None,
                      goal: str | None = None, **kwargs: Any) -> Metric:
        """Define how a metric (or a glob such as `val/*`) is stepped and summarised."""
        if not isinstance(name, str) or not name:
            raise UsageError(f"define_metric: name={name!r} must be a non-empty string")
        if isinstance(step_metric, Metric):
            step_metric = step_metric.name
        parse_summary(name, summary)
        if goal is not None and goal not in ("minimize", "maximize", "min", "max"):
            raise UsageError(f"define_metric({name!r}): goal={goal!r} must be 'minimize' or 'maximize'")
        if step_metric and step_sync is None:
            step_sync = True
        metric = self._rules.add(Metric(name, step_metric, step_sync, hidden, summary, goal), bool(overwrite))
        if self._runlog is not None:
            self._runlog.write_metric(metric.as_record())
        return metric

    def save(self, glob_str: str | os.PathLike | None = None, base_path: str | os.PathLike | None = None,
             policy: str = "live", glob: bool = True) -> list[str]:
        """Link the files a path or glob names into the run's files folder; they are uploaded per
        `policy` ("live": as they change, "now", "end"). See `tracklab.sdk._run_save` for wandb's rules."""
        if glob_str is None:
            return []

        def record(relpath: str, effective: str) -> None:
            if self._runlog is not None and not self._finished:
                self._runlog.write_file(runlog.FileRecord(relpath, effective))

        return _run_save.save(self._folder.files_dir, glob_str, base_path, policy, glob,
                              self._settings.symlink is not False, record)

    def alert(self, title: str, text: str, level: Any = None, wait_duration: Any = None) -> None:
        """Alerts have no server to go to: print them."""
        logger.warning("tracklab alert [%s] %s: %s", getattr(level, "value", level) or "INFO", title, text)

    def mark_preempting(self) -> None:
        """Record that the run is about to be preempted."""
        self._update(preempting=True)

    def status(self) -> dict[str, Any]:
        """Where the writer stands (records written to MLflow so far)."""
        return self._folder.sync_state(self._settings.tracking_uri)

    def watch(self, models: Any, criterion: Any = None, log: str | None = "gradients", log_freq: int = 1000,
              idx: int | None = None, log_graph: bool = False) -> Any:
        from tracklab.sdk.wandb_watch import watch

        return watch(self, models, criterion, log, log_freq, idx, log_graph)

    def unwatch(self, models: Any = None) -> None:
        from tracklab.sdk.wandb_watch import unwatch

        unwatch(self, models)

    def write_logs(self, text: str) -> None:
        """Append `text` to the run's `output.log`, as if the program had printed it."""
        if self._console is not None:
            self._console.write(text)
            return
        with open(os.path.join(self._folder.files_dir, "output.log"), "a", encoding="utf-8") as log_file:
            log_file.write(text)

    def restore(self, name: str, run_path: str | None = None, replace: bool = False,
                root: str | None = None) -> Any:
        """A saved file of this run (or of `run_path`) back on disk; see `tracklab.restore`."""
        from tracklab.sdk.wandb_restore import restore

        return restore(name, run_path=run_path or self.path, replace=replace, root=root or self.dir)

    def to_html(self, height: int = 420, hidden: bool = False) -> str:
        """HTML for a notebook: the run's UI page in an iframe, or its name and path with no UI."""
        import html

        style = f"border:none;width:100%;height:{int(height)}px;" + ("display:none;" if hidden else "")
        if self.url:
            return f'<iframe src="{html.escape(self.url)}" style="{style}"></iframe>'
        return f'<div style="{style}">TrackLab run <b>{html.escape(self.name)}</b> ({html.escape(self.path)})</div>'

    def display(self, height: int = 420, hidden: bool = False) -> bool:
        """Show `to_html()` in Jupyter; False outside a notebook."""
        try:
            from IPython import get_ipython
            from IPython.display import HTML, display
        except ImportError:
            get_ipython = None  # noqa: N806 - IPython's name
        if get_ipython is None or get_ipython() is None:
            term.termwarn(".display() only works in jupyter environments")
            return False
        display(HTML(self.to_html(height, hidden)))
        return True

    # -- private hooks integrations use ---------------------------------------------------
    def _label(self, code: str | None = None, repo: str | None = None, code_version: str | None = None,
               **kwargs: Any) -> None:
        """transformers labels runs with this; nothing to do locally."""

    @property
    def _attach_id(self) -> str:
        """What `tracklab._attach` takes in another process: the run folder."""
        return self._folder.path

    # -- the end -------------------------------------------------------------------------
    def finish(self, exit_code: int | None = None, quiet: bool | None = None) -> None:
        """End the run: flush everything into the store; idempotent."""
        if self._detached:  # no writer, no monitor: close the run log and stop
            with self._lock:
                if not self._finished and self._runlog is not None:
                    self._history.flush()
                    self._flush_summary()
                    self._runlog.close()
                self._finished = True
            return
        _run_lifecycle.finish(self, exit_code, quiet)

    def _atexit(self) -> None:
        _run_lifecycle.at_exit(self)

    def _on_sigterm(self, signum: int, frame: Any) -> None:
        _run_lifecycle.on_sigterm(self, signum)

    def __deepcopy__(self, memo: dict[int, Any]) -> "Run":
        """A run is one live thing: copying it (a deepcopy of a config holding it) gives itself."""
        return self

    def __enter__(self) -> "Run":
        return self

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> bool:
        if exc_type is not None and issubclass(exc_type, KeyboardInterrupt):
            self._exit_state = "killed"
        self.finish(exit_code=0 if exc_type is None else 1)
        return False

    def __repr__(self) -> str:
        return f"<Run {self.path} ({self._name})>"

    # -- artifacts, models and code (tracklab.sdk.artifacts.run_api does the work) -------------
    def log_artifact(self, artifact_or_path: Any, name: str | None = None, type: str | None = None,
                     aliases: Sequence[str] | None = None, tags: Sequence[str] | None = None) -> Any:
        """Log a new artifact version produced by this run."""
        from tracklab.sdk.artifacts import run_api

        return run_api.log_artifact(self, artifact_or_path, name=name, type=type, aliases=aliases, tags=tags)

    def use_artifact(self, artifact_or_name: Any, type: str | None = None, aliases: Sequence[str] | None = None,
                     use_as: str | None = None) -> Any:
        """Declare an artifact version as an input of this run and return it."""
        from tracklab.sdk.artifacts import run_api

        return run_api.use_artifact(self, artifact_or_name, type=type, aliases=aliases, use_as=use_as)

    def link_artifact(self, artifact: Any, target_path: str, aliases: Sequence[str] | None = None) -> Any:
        from tracklab.sdk.artifacts import run_api

        return run_api.link_artifact(self, artifact, target_path, aliases=aliases)

    def log_model(self, path: str, name: str | None = None, aliases: Sequence[str] | None = None) -> Any:
        from tracklab.sdk.artifacts import run_api

        return run_api.log_model(self, path, name=name, aliases=aliases)

    def use_model(self, name: str) -> str:
        from tracklab.sdk.artifacts import run_api

        return run_api.use_model(self, name)

    def link_model(self, path: str, registered_model_name: str, name: str | None = None,
                   aliases: Sequence[str] | None = None) -> Any:
        from tracklab.sdk.artifacts import run_api

        return run_api.link_model(self, path, registered_model_name, name=name, aliases=aliases)

    def log_code(self, root: str | None = ".", name: str | None = None, include_fn: Any = None,
                 exclude_fn: Any = None) -> Any:
        from tracklab.sdk.artifacts import run_api

        return run_api.log_code(self, root, name=name, include_fn=include_fn, exclude_fn=exclude_fn)



def _own_folder(settings: Settings) -> RunFolder:
    """The run folder of a run built without init(): the one its settings name."""
    from tracklab.sdk.lib.runid import generate_id

    if not settings.run_id:
        settings.run_id = generate_id()
    folder = RunFolder.for_run(settings.project or "uncategorized", settings.run_id, settings.tracklab_dir)
    if settings.x_files_dir:
        folder.files_dir = os.path.abspath(os.path.expanduser(settings.x_files_dir))
    settings._bind_run_folder(folder.path, folder.files_dir)
    return folder


def _run_lifecycle_detached_start(run: Run) -> None:
    """Open the run log of a run built without init() and write its header (the files folder is
    made when something is written there, as wandb's is)."""
    os.makedirs(run._folder.path, exist_ok=True)
    run._runlog = runlog.RunLogWriter(run._folder.log_path)
    run._runlog.on_flush(run._flush_summary)
    run._runlog.write_header(runlog.RunHeader(
        id=run._id, mlflow_run_id=run._mlflow_run_id, project=run._project, entity=run._entity, name=run._name,
        notes=run._notes, tags=list(run._tags), group=run._group, job_type=run._job_type, sweep_id=run._sweep_id,
        start_time=run._start_time, resumed=run._resumed, mode="offline", files_dir=run._folder.files_dir,
        pid=os.getpid()))
    run.config._set_callback(run._config_changed)
    if run.config._items:
        run._config_changed(run.config._items)
