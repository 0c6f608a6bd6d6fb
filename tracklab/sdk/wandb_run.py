"""`Run`: one tracked run (wandb.sdk.wandb_run.Run). It turns API calls into run-log records;
the writer process (tracklab.backend.writer) moves them into MLflow."""

from __future__ import annotations

import atexit
import glob
import logging
import os
import shutil
import signal
import sys
import threading
import time
import weakref
from typing import Any, Mapping, Sequence

from tracklab.backend import runlog
from tracklab.backend.run_folder import RunFolder
from tracklab.errors import UsageError
from tracklab.sdk import _media_bridge
from tracklab.sdk._history import History
from tracklab.sdk.wandb_config import Config
from tracklab.sdk.wandb_metric import Metric, MetricRules, parse_summary
from tracklab.sdk.wandb_settings import Settings
from tracklab.sdk.wandb_summary import Summary

logger = logging.getLogger("tracklab")

_live_runs: "weakref.WeakSet[Run]" = weakref.WeakSet()


def _after_fork_in_child() -> None:
    # A forked child (DataLoader worker) shares the parent's run log: it must never write to it.
    for run in list(_live_runs):
        run._forked = True
        if run._runlog is not None:
            run._runlog.abandon()


os.register_at_fork(after_in_child=_after_fork_in_child)


class Run:
    """A run. Created by `tracklab.init()`; do not construct it yourself."""

    def __init__(self, settings: Settings, folder: RunFolder, *, resumed: bool = False,
                 start_step: int = 0, prior: Mapping[str, Any] | None = None) -> None:
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
        self._writer = None
        self._console = None
        self._monitor = None
        self._rules = MetricRules()
        self._lock = threading.RLock()
        self._runlog: runlog.RunLogWriter | None = None
        self._run_logs: list[Any] = []  # debug.log and captured loggers, closed by finish()
        self._stats_buffer: dict[str, Any] = {}

        self.config = Config()
        self.summary = Summary(serialize=self._serialize_summary_value)
        if prior:
            self.config._load(prior.get("config") or {})
            self.summary._load(prior.get("summary") or {})
        self._history = History(self._emit_row, self._start_time, start_step, folder.files_dir, run=self)

    # -- start-up (called by init) -------------------------------------------------------
    def _start(self) -> None:
        from tracklab.sdk._metadata import program_path, user_name

        from tracklab.sdk._run_logs import DebugLog, LoggerCapture

        os.makedirs(self._folder.files_dir, exist_ok=True)
        self._runlog = runlog.RunLogWriter(self._folder.log_path)
        self._run_logs.append(DebugLog(self._settings))
        self._runlog.on_flush(self._flush_summary)
        header = {
            "id": self._id,
            "mlflow_run_id": self._mlflow_run_id,
            "project": self._project,
            "entity": self._entity,
            "name": self._name,
            "notes": self._notes,
            "tags": list(self._tags),
            "group": self._group,
            "job_type": self._job_type,
            "sweep_id": self._sweep_id,
            "start_time": self._start_time,
            "resumed": self._resumed,
            "mode": self._settings.mode,
            "files_dir": self._folder.files_dir,
            "pid": os.getpid(),
            "user": user_name(),
            "program": program_path(),
        }
        if self._sweep_id and os.environ.get("TRACKLAB_SWEEP_PARENT_RUN_ID"):
            header["parent_run_id"] = os.environ["TRACKLAB_SWEEP_PARENT_RUN_ID"]  # nested under the sweep
        self._runlog.append(runlog.HEADER, header)
        self.config._set_callback(self._config_changed)
        if self.config._items:
            self._config_changed(self.config._items)
        self._runlog.flush()
        _live_runs.add(self)
        if self._settings.console not in ("off", None):
            from tracklab.sdk._console import ConsoleCapture

            self._console = ConsoleCapture(os.path.join(self._folder.files_dir, "output.log"))
            self._console.start()
        if self._settings.capture_loggers:
            self._run_logs.append(LoggerCapture(self._settings.capture_loggers, self.write_logs))
        self._metadata_thread = threading.Thread(target=self._write_metadata, name="tracklab-metadata", daemon=True)
        self._metadata_thread.start()
        if not self._offline:
            from tracklab.backend.service import start_writer

            self._writer = start_writer(self._folder.path, self._settings.tracking_uri)
        self._start_monitor()
        self._install_exit_hooks()

    def _start_attached(self) -> None:
        """Log into a run another live process owns (`wandb._attach`): its run log, no session,
        writer, console capture or monitor of our own."""
        self._attached = True
        self._runlog = runlog.RunLogWriter(self._folder.log_path)
        self._runlog.on_flush(self._flush_summary)
        self.config._set_callback(self._config_changed)
        _live_runs.add(self)

    def _start_monitor(self) -> None:
        if self._settings.x_disable_stats:
            return
        try:
            from tracklab.system_metrics import monitor_from_settings
        except ImportError:
            return
        log = self._runlog
        keep = int(self._settings.x_stats_buffer_size or 0)

        def emit(metrics: dict[str, float], timestamp: float) -> None:
            if log is not None and not self._finished:
                log.append(runlog.SYSTEM, {"t": timestamp, "m": metrics})
            if keep > 0:
                self._buffer_stats(metrics, timestamp, keep)

        pid = int(self._settings.x_stats_pid or os.getpid())
        self._monitor = monitor_from_settings(pid, self._settings.to_dict(), emit)
        if self._monitor is not None:
            self._monitor.start()

    def _buffer_stats(self, metrics: dict[str, float], timestamp: float, keep: int) -> None:
        """x_stats_buffer_size: the last `keep` samples of each metric, for `_system_metrics`."""
        import collections
        import datetime

        when = datetime.datetime.fromtimestamp(timestamp)
        for name, value in metrics.items():
            samples = self._stats_buffer.setdefault(name, collections.deque(maxlen=keep))
            samples.append((when, value))

    @property
    def _system_metrics(self) -> dict[str, list[tuple[Any, float]]]:
        """Buffered system-metric samples per metric (needs settings.x_stats_buffer_size > 0)."""
        return {name: list(samples) for name, samples in self._stats_buffer.items()}

    def _write_metadata(self) -> None:
        import json

        from tracklab.sdk._metadata import collect, requirements

        settings = self._settings
        if not (settings.disable_git or settings.x_disable_machine_info):
            settings.infer_git_root()  # git can be slow: here, not in init()
            if settings.program_abspath:
                settings.program_relpath = settings._relative_to_root(settings.program_abspath)
        meta = collect(self._start_time, disable_git=bool(settings.disable_git), settings=settings)
        git = meta.get("git") or {}
        settings.update(git_commit=git.get("commit"), git_remote_url=git.get("remote"))  # None keeps what was set
        if settings.save_code and not settings.disable_code:
            self._save_program(meta.get("program"))
        written = []
        if not settings.x_disable_meta:
            written.append(("wandb-metadata.json", json.dumps(meta, indent=2)))
        if settings.x_save_requirements:
            written.append(("requirements.txt", "\n".join(requirements()) + "\n"))
        log = self._runlog
        for name, text in written:
            try:
                with open(os.path.join(self._folder.files_dir, name), "w") as handle:
                    handle.write(text)
            except OSError:
                continue
            if log is not None and not self._finished:
                log.append(runlog.FILE, {"path": name, "policy": "now"})
        if log is not None and not self._finished and git.get("commit"):
            log.append(runlog.UPDATE, {"git_commit": git["commit"]})

    def _save_program(self, program: str | None) -> None:
        """save_code: keep the main script with the run (`code/<name>`), as wandb does."""
        if not program or not os.path.isfile(program):
            return
        target = os.path.join(self._folder.files_dir, "code", os.path.basename(program))
        os.makedirs(os.path.dirname(target), exist_ok=True)
        shutil.copyfile(program, target)

    # -- records -------------------------------------------------------------------------
    def _emit_row(self, row: dict[str, Any], nested: dict[str, Any] | None) -> None:
        rules = self._rules
        if rules:
            self._step_sync(row)
        self._runlog.append_line("h" + runlog.encode_row(row) + "\n")
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

    def _config_changed(self, items: Mapping[str, Any]) -> None:
        if self._runlog is not None and not self._finished:
            self._runlog.append(runlog.CONFIG, dict(items))

    def _flush_summary(self) -> None:
        if self.summary._take_dirty():
            try:
                self._runlog.append(runlog.SUMMARY, self.summary._snapshot())
            except (RuntimeError, ValueError):  # changed while encoding: try again next flush
                object.__setattr__(self.summary, "_dirty", True)

    def _serialize_summary_value(self, key: str, value: Any) -> Any:
        kind = type(value)
        if kind in (int, float, str, bool) or value is None:
            return value
        return _media_bridge.serialize_summary(value, self._folder.files_dir, key, self)

    # -- hooks the data types call ---------------------------------------------------------
    def _set_internal_config(self, path: Sequence[str], value: Any) -> None:
        """Set `config[path[0]][path[1]]...` (the hidden `_wandb` part) and record the change."""
        node = self.config._items
        for part in path[:-1]:
            node = node.setdefault(part, {})
        node[path[-1]] = value
        self.config._changed()

    def _add_singleton(self, data_type: str, key: str, value: Any) -> None:
        """Class labels of masks and boxes live in config `_wandb`, as wandb keeps them."""
        self._set_internal_config(("_wandb", data_type, key), {"type": data_type, "key": key, "value": value})

    def _publish_file(self, relpath: str) -> None:
        """A media file was written into the files folder: upload it soon."""
        if self._runlog is not None and not self._finished:
            self._runlog.append(runlog.FILE, {"path": relpath, "policy": "now"})

    def _tracklab_log_table_artifact(self, artifact: Any) -> None:
        """Keep a logged table's files with the run (under `artifacts/<name>/`)."""
        for entry, local in artifact.files.items():
            relpath = os.path.join("artifacts", artifact.name, entry)
            target = os.path.join(self._folder.files_dir, relpath)
            os.makedirs(os.path.dirname(target), exist_ok=True)
            shutil.copyfile(local, target)
            self._publish_file(relpath)

    def _update(self, **changes: Any) -> None:
        if self._runlog is not None and not self._finished:
            self._runlog.append(runlog.UPDATE, changes)

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
        if self._offline or not run_id:
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
            raise UsageError(f"Run ({self._id}) is finished. The call to `log` will be ignored.")
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
            self._runlog.append(runlog.METRIC, metric.as_record())
        return metric

    def save(self, glob_str: str | os.PathLike | None = None, base_path: str | None = None,
             policy: str = "live", glob: bool = True) -> list[str]:
        """Copy matching files into the run's files folder; they are uploaded per `policy`."""
        if glob_str is None:
            return []
        if policy not in ("live", "now", "end"):
            raise ValueError(f"save: policy={policy!r} must be 'live', 'now' or 'end'")
        pattern = os.fspath(glob_str)
        if base_path is None:
            base_path = os.path.dirname(pattern) if os.path.isabs(pattern) else "."
        base_path = os.path.abspath(base_path)
        pattern = pattern if os.path.isabs(pattern) else os.path.join(base_path, pattern)
        matches = _glob_files(pattern) if glob else ([pattern] if os.path.isfile(pattern) else [])
        saved = []
        for source in matches:
            rel = os.path.relpath(source, base_path)
            if rel.startswith(".."):
                rel = os.path.basename(source)
            target = os.path.join(self._folder.files_dir, rel)
            os.makedirs(os.path.dirname(target), exist_ok=True)
            if os.path.abspath(source) != os.path.abspath(target):
                # A link, as wandb makes: "live" and "end" files are uploaded as they are at the end.
                if os.path.lexists(target):
                    os.remove(target)
                try:
                    os.symlink(os.path.abspath(source), target)
                except OSError:
                    shutil.copy2(source, target)
            saved.append(target)
            if self._runlog is not None:
                self._runlog.append(runlog.FILE, {"path": rel, "policy": policy})
        return saved

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
        from tracklab.integration.torch_watch import watch

        return watch(self, models, criterion, log, log_freq, idx, log_graph)

    def unwatch(self, models: Any = None) -> None:
        from tracklab.integration.torch_watch import unwatch

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
            return False
        if get_ipython() is None:
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
        with self._lock:
            if self._finished or self._forked:
                return
            if self._attached:
                self._detach()
                return
            state = self._exit_state or ("finished" if not exit_code else "failed")
            watching = sys.modules.get("tracklab.integration.torch_watch")
            if watching is not None:  # finish removes the hooks watch() added
                watching.unwatch(self)
            tensorboard = sys.modules.get("tracklab.integration.tensorboard")
            if tensorboard is not None:  # events TensorFlow's writers left on disk belong to the run
                tensorboard.flush_pending()
            self._metadata_thread.join(timeout=10)  # git can be slow; its record belongs to the run
            self._history.flush()
            from tracklab.sdk.wandb_attach import merge_attached_summary

            merge_attached_summary(self)
            self._flush_summary()
            if self._monitor is not None:
                self._monitor.stop()
            if self._console is not None:
                self._console.flush()
            artifacts = sys.modules.get("tracklab.artifacts.run_api")
            if artifacts is not None:  # artifact versions logged in the background belong to the run
                artifacts.finish_pending(self, timeout=float(self._settings.finish_timeout or 60))
            self._runlog.append(runlog.EXIT, {"exit_code": exit_code or 0, "state": state, "time": time.time()})
            self._finished = True
            self._runlog.close()
            if self._console is not None:
                self._console.stop()
            self._folder.release()
            for run_log in self._run_logs:
                run_log.close()
            timed_out = self._wait_for_writer()
            _live_runs.discard(self)
            self._remove_exit_hooks()
            from tracklab.sdk import wandb_setup

            wandb_setup.on_finish(self)
            if not (quiet or self._settings.quiet or self._settings.silent):
                self._print_footer(state)
            if timed_out and self._settings.finish_timeout_raises:
                raise TimeoutError(f"run {self._id}: the store did not take the run within finish_timeout="
                                   f"{self._settings.finish_timeout}s (finish_timeout_raises=True); "
                                   f"`tracklab sync {self._folder.path}` completes it")

    def _detach(self) -> None:
        """An attached process is done: its rows reach the log; the owner ends the run."""
        self._history.flush()
        self._flush_summary()
        self._finished = True
        self._runlog.close()
        _live_runs.discard(self)
        from tracklab.sdk import wandb_setup

        wandb_setup.on_finish(self)

    def _wait_for_writer(self) -> bool:
        """Wait for the writer at most finish_timeout; True when it is still busy."""
        if self._writer is None:
            return False
        timeout = float(self._settings.finish_timeout or 60)
        if not self._writer.wait_stored(timeout):  # the store is slow or down
            pending = self._folder.pending_bytes(self._settings.tracking_uri)
            sys.stderr.write(
                f"tracklab: the store did not take everything within {timeout:.0f}s "
                f"({pending} bytes of the run log pending); the writer keeps trying in the "
                f"background, and `tracklab sync {self._folder.path}` completes it.\n"
            )
            return True
        return False

    def _print_footer(self, state: str) -> None:
        from tracklab.sdk import _printer

        _printer.footer(self, state)

    def _install_exit_hooks(self) -> None:
        atexit.register(self._atexit)
        if threading.current_thread() is threading.main_thread():
            previous = signal.getsignal(signal.SIGTERM)
            if previous in (signal.SIG_DFL, None):
                signal.signal(signal.SIGTERM, self._on_sigterm)
                self._sigterm_installed = True
        _install_excepthook()

    def _remove_exit_hooks(self) -> None:
        atexit.unregister(self._atexit)
        if getattr(self, "_sigterm_installed", False) and threading.current_thread() is threading.main_thread():
            if signal.getsignal(signal.SIGTERM) == self._on_sigterm:
                signal.signal(signal.SIGTERM, signal.SIG_DFL)
            self._sigterm_installed = False

    def _atexit(self) -> None:
        if self._forked:
            return
        code = _last_exception_code()
        self.finish(exit_code=code, quiet=None)

    def _on_sigterm(self, signum: int, frame: Any) -> None:
        self._exit_state = "killed"
        self.finish(exit_code=128 + signum)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        os.kill(os.getpid(), signal.SIGTERM)

    def __enter__(self) -> "Run":
        return self

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> bool:
        if exc_type is not None and issubclass(exc_type, KeyboardInterrupt):
            self._exit_state = "killed"
        self.finish(exit_code=0 if exc_type is None else 1)
        return False

    def __repr__(self) -> str:
        return f"<Run {self.path} ({self._name})>"

    # -- artifacts, models and code (tracklab.artifacts.run_api does the work) -------------
    def log_artifact(self, artifact_or_path: Any, name: str | None = None, type: str | None = None,
                     aliases: Sequence[str] | None = None, tags: Sequence[str] | None = None) -> Any:
        """Log a new artifact version produced by this run."""
        from tracklab.artifacts import run_api

        return run_api.log_artifact(self, artifact_or_path, name=name, type=type, aliases=aliases, tags=tags)

    def use_artifact(self, artifact_or_name: Any, type: str | None = None, aliases: Sequence[str] | None = None,
                     use_as: str | None = None) -> Any:
        """Declare an artifact version as an input of this run and return it."""
        from tracklab.artifacts import run_api

        return run_api.use_artifact(self, artifact_or_name, type=type, aliases=aliases, use_as=use_as)

    def link_artifact(self, artifact: Any, target_path: str, aliases: Sequence[str] | None = None) -> Any:
        from tracklab.artifacts import run_api

        return run_api.link_artifact(self, artifact, target_path, aliases=aliases)

    def log_model(self, path: str, name: str | None = None, aliases: Sequence[str] | None = None) -> Any:
        from tracklab.artifacts import run_api

        return run_api.log_model(self, path, name=name, aliases=aliases)

    def use_model(self, name: str) -> str:
        from tracklab.artifacts import run_api

        return run_api.use_model(self, name)

    def link_model(self, path: str, registered_model_name: str, name: str | None = None,
                   aliases: Sequence[str] | None = None) -> Any:
        from tracklab.artifacts import run_api

        return run_api.link_model(self, path, registered_model_name, name=name, aliases=aliases)

    def log_code(self, root: str | None = ".", name: str | None = None, include_fn: Any = None,
                 exclude_fn: Any = None) -> Any:
        from tracklab.artifacts import run_api

        return run_api.log_code(self, root, name=name, include_fn=include_fn, exclude_fn=exclude_fn)


def _glob_files(pattern: str) -> list[str]:
    return sorted(p for p in glob.glob(pattern, recursive=True) if os.path.isfile(p))


# -- how the process ended ---------------------------------------------------------------
_exception_state: dict[str, Any] = {"code": None}


def _last_exception_code() -> int | None:
    return _exception_state["code"]


def _install_excepthook() -> None:
    if getattr(sys.excepthook, "_tracklab", False):
        return
    previous = sys.excepthook

    def hook(exc_type: Any, exc: Any, tb: Any) -> None:
        killed = issubclass(exc_type, KeyboardInterrupt)
        _exception_state["code"] = 255 if killed else 1
        for run in list(_live_runs):
            if killed:
                run._exit_state = "killed"
        previous(exc_type, exc, tb)

    hook._tracklab = True  # type: ignore[attr-defined]
    sys.excepthook = hook


class NoopRun(Run):
    """What `mode="disabled"` returns: every call is a cheap no-op; config still works."""

    def __init__(self, settings: Settings) -> None:  # noqa: D107 - no folder, no log
        self._settings = settings
        self._id = settings.run_id
        self._name = settings.run_name or f"dummy-{settings.run_id}"
        self._project = settings.project or "uncategorized"
        self._entity = settings.entity or ""
        self._notes = settings.run_notes
        self._tags = tuple(settings.run_tags or ())
        self._group = settings.run_group
        self._job_type = settings.run_job_type
        self._sweep_id = None
        self._start_time = settings.x_start_time or time.time()
        self._finished = False
        self._forked = False
        self._resumed = False
        self._starting_step = 0
        self._offline = False
        self._runlog = None
        self._rules = MetricRules()
        self.config = Config()
        self.summary = Summary()
        self._step = 0

    @property
    def disabled(self) -> bool:
        return True

    @property
    def dir(self) -> str:
        import tempfile

        return tempfile.gettempdir()

    @property
    def step(self) -> int:
        return self._step

    @property
    def url(self) -> None:
        return None

    @property
    def mlflow_run_id(self) -> None:
        return None

    def log(self, data: Any, step: int | None = None, commit: bool | None = None, sync: bool | None = None) -> None:
        return None

    def define_metric(self, name: str, *args: Any, **kwargs: Any) -> Metric:
        return Metric(name)

    def save(self, *args: Any, **kwargs: Any) -> list[str]:
        return []

    def _update(self, **changes: Any) -> None:
        return None

    def watch(self, *args: Any, **kwargs: Any) -> None:
        return None

    def unwatch(self, *args: Any, **kwargs: Any) -> None:
        return None

    def write_logs(self, text: str) -> None:
        return None

    def log_artifact(self, *args: Any, **kwargs: Any) -> None:
        return None

    def use_artifact(self, *args: Any, **kwargs: Any) -> None:
        return None

    def link_artifact(self, *args: Any, **kwargs: Any) -> None:
        return None

    def log_model(self, *args: Any, **kwargs: Any) -> None:
        return None

    def use_model(self, *args: Any, **kwargs: Any) -> None:
        return None

    def link_model(self, *args: Any, **kwargs: Any) -> None:
        return None

    def log_code(self, *args: Any, **kwargs: Any) -> None:
        return None

    def status(self) -> dict[str, Any]:
        return {}

    def finish(self, exit_code: int | None = None, quiet: bool | None = None) -> None:
        if self._finished:
            return
        self._finished = True
        from tracklab.sdk import wandb_setup

        wandb_setup.on_finish(self)
