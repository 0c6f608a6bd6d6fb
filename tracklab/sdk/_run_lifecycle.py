"""A run's process lifecycle: the session it starts (run log, writer, console capture, system
metrics, metadata), the hooks that end it with the process (atexit, SIGTERM, an uncaught
exception, a fork), and `finish`. `Run` (wandb_run) keeps the user API and calls in here."""

from __future__ import annotations

import atexit
import os
import shutil
import signal
import sys
import threading
import time
import weakref
from typing import TYPE_CHECKING, Any

from tracklab.backend import runlog
from tracklab.sdk import _faults

if TYPE_CHECKING:
    from tracklab.sdk.wandb_run import Run

live_runs: "weakref.WeakSet[Run]" = weakref.WeakSet()


def _after_fork_in_child() -> None:
    # A forked child (DataLoader worker) shares the parent's run log: it must never write to it.
    for run in list(live_runs):
        run._forked = True
        if run._runlog is not None:
            run._runlog.abandon()


os.register_at_fork(after_in_child=_after_fork_in_child)


# -- start ---------------------------------------------------------------------------------
def start(run: Run) -> None:
    """Open the run log, write the header and start what runs beside the training (init)."""
    from tracklab.sdk._log_files import DebugLog, LoggerCapture
    from tracklab.sdk._metadata import program_path, user_name

    settings = run._settings
    os.makedirs(run._folder.files_dir, exist_ok=True)
    run._runlog = runlog.RunLogWriter(run._folder.log_path, reserve=runlog.END_RESERVE)
    run._runlog.on_fault(lambda exc: _faults.on_runlog_fault(run, exc))  # a full disk: one warning
    run._log_files.append(DebugLog(settings))
    run._runlog.on_flush(run._flush_summary)
    header = runlog.RunHeader(
        id=run._id, mlflow_run_id=run._mlflow_run_id, project=run._project, entity=run._entity, name=run._name,
        notes=run._notes, tags=list(run._tags), group=run._group, job_type=run._job_type, sweep_id=run._sweep_id,
        start_time=run._start_time, resumed=run._resumed, mode=settings.mode, files_dir=run._folder.files_dir,
        pid=os.getpid(), user=user_name(), program=program_path(),
    )
    if run._sweep_id and os.environ.get("TRACKLAB_SWEEP_PARENT_RUN_ID"):
        header["parent_run_id"] = os.environ["TRACKLAB_SWEEP_PARENT_RUN_ID"]  # nested under the sweep
    run._runlog.write_header(header)
    run.config._set_callback(run._config_changed)
    if run.config._items:
        run._config_changed(run.config._items)
    run._runlog.flush()
    live_runs.add(run)
    if settings.console not in ("off", None):
        from tracklab.sdk._console import ConsoleCapture

        run._console = ConsoleCapture(os.path.join(run._folder.files_dir, "output.log"),
                                      on_fault=lambda exc: _faults.on_console_fault(run, exc))
        run._console.start()
    if settings.capture_loggers:
        run._log_files.append(LoggerCapture(settings.capture_loggers, run.write_logs))
    run._metadata_thread = threading.Thread(target=_write_metadata, args=(run,), name="tracklab-metadata",
                                            daemon=True)
    run._metadata_thread.start()
    if not run._offline and not run._store_problem:  # an unusable store: the run stays in its folder
        from tracklab.backend.writer_process import start_writer

        run._writer = start_writer(run._folder.path, settings.tracking_uri)
        run._runlog.on_flush(lambda: _faults.check_writer(run))  # a writer that stopped for good: say so
    _start_monitor(run)
    _install_exit_hooks(run)


def start_attached(run: Run) -> None:
    """Log into a run another live process owns (`wandb._attach`): its run log, no session,
    writer, console capture or monitor of our own."""
    run._attached = True
    run._runlog = runlog.RunLogWriter(run._folder.log_path)
    run._runlog.on_flush(run._flush_summary)
    run.config._set_callback(run._config_changed)
    live_runs.add(run)


def _start_monitor(run: Run) -> None:
    settings = run._settings
    if settings.x_disable_stats:
        return
    try:
        from tracklab.system_metrics import monitor_from_settings
    except ImportError:
        return
    log = run._runlog
    keep = int(settings.x_stats_buffer_size or 0)

    def emit(metrics: dict[str, float], timestamp: float) -> None:
        if log is not None and not run._finished:
            log.write_system(runlog.SystemSample(timestamp, metrics))
        if keep > 0:
            _buffer_stats(run._stats_buffer, metrics, timestamp, keep)

    pid = int(settings.x_stats_pid or os.getpid())
    run._monitor = monitor_from_settings(pid, settings.to_dict(), emit)
    if run._monitor is not None:
        run._monitor.start()


def _buffer_stats(buffer: dict[str, Any], metrics: dict[str, float], timestamp: float, keep: int) -> None:
    """x_stats_buffer_size: the last `keep` samples of each metric, for `Run._system_metrics`."""
    import collections
    import datetime

    when = datetime.datetime.fromtimestamp(timestamp)
    for name, value in metrics.items():
        samples = buffer.setdefault(name, collections.deque(maxlen=keep))
        samples.append((when, value))


def _write_metadata(run: Run) -> None:
    import json

    from tracklab.sdk._metadata import collect, requirements

    settings = run._settings
    if not (settings.disable_git or settings.x_disable_machine_info):
        settings.infer_git_root()  # git can be slow: here, not in init()
        if settings.program_abspath:
            settings.program_relpath = settings._relative_to_root(settings.program_abspath)
    meta = collect(run._start_time, disable_git=bool(settings.disable_git), settings=settings)
    git = meta.get("git") or {}
    settings.update(git_commit=git.get("commit"), git_remote_url=git.get("remote"))  # None keeps what was set
    if settings.save_code and not settings.disable_code:
        try:  # `-m pkg.mod`: program_abspath is the module's file
            _save_program(run._folder.files_dir, settings.program_abspath or meta.get("program"))
        except OSError as exc:  # a full or read-only disk: the run goes on without its code copy
            _faults.on_media_fault(run, exc, "code")
    written = []
    if not settings.x_disable_meta:
        written.append(("wandb-metadata.json", json.dumps(meta, indent=2)))
    if settings.x_save_requirements:
        written.append(("requirements.txt", "\n".join(requirements()) + "\n"))
    log = run._runlog
    for name, text in written:
        try:
            with open(os.path.join(run._folder.files_dir, name), "w") as handle:
                handle.write(text)
        except OSError:
            continue
        if log is not None and not run._finished:
            log.write_file(runlog.FileRecord(name, "now"))
    if log is not None and not run._finished and git.get("commit"):
        log.write_update({"git_commit": git["commit"]})


def _save_program(files_dir: str, program: str | None) -> None:
    """save_code: keep the main script with the run (`code/<name>`), as wandb does."""
    if not program or not os.path.isfile(program):
        return
    target = os.path.join(files_dir, "code", os.path.basename(program))
    os.makedirs(os.path.dirname(target), exist_ok=True)
    shutil.copyfile(program, target)


# -- the end -------------------------------------------------------------------------------
def finish(run: Run, exit_code: int | None, quiet: bool | None) -> None:
    """End the run: flush everything into the store; idempotent."""
    with run._lock:
        if run._finished or run._forked:
            return
        if run._attached:
            _detach(run)
            return
        settings = run._settings
        state = run._exit_state or ("finished" if not exit_code else "failed")
        watching = sys.modules.get("tracklab.sdk.wandb_watch")
        if watching is not None:  # finish removes the hooks watch() added
            watching.unwatch(run)
        tensorboard = sys.modules.get("tracklab.sdk.tensorboard")
        if tensorboard is not None:  # events TensorFlow's writers left on disk belong to the run
            tensorboard.flush_pending()
        run._metadata_thread.join(timeout=10)  # git can be slow; its record belongs to the run
        run._history.flush()
        from tracklab.sdk.wandb_attach import merge_attached_summary

        merge_attached_summary(run)
        run._flush_summary()
        if run._monitor is not None:
            run._monitor.stop()
        # From here on a full or read-only disk is one warning per step, never a traceback
        # (sdk/_faults.py); the summary below says what the store holds.
        if run._console is not None:
            _faults.guarded(run, "write the console output", run._console.flush)
        artifacts = sys.modules.get("tracklab.sdk.artifacts.run_api")
        if artifacts is not None:  # artifact versions logged in the background belong to the run
            _faults.guarded(run, "finish the artifacts logged", artifacts.finish_pending, run,
                            float(settings.finish_timeout or 60))
        _faults.check_writer(run)  # a writer that stopped for good is said once, here at the latest
        run._runlog.write_exit(runlog.ExitRecord(exit_code or 0, state, time.time()))
        run._finished = True
        _faults.guarded(run, "close the run log", run._runlog.close)
        if run._writer is not None:  # the end in the run log, or (a full disk) told to the writer
            run._writer.say_end(None if run._runlog.exit_written else
                                {"exit_code": exit_code or 0, "state": state, "time": time.time()})
        if run._console is not None:
            _faults.guarded(run, "close the console output", run._console.stop)
        run._folder.release()
        for log_file in run._log_files:
            _faults.guarded(run, "close a log file", log_file.close)
        timed_out = _wait_for_writer(run)
        live_runs.discard(run)
        _remove_exit_hooks(run)
        from tracklab.sdk import wandb_setup

        wandb_setup.on_finish(run)
        if not (quiet or settings.quiet or settings.silent):
            from tracklab.sdk import _printer

            _printer.footer(run, state)
        if timed_out and settings.finish_timeout_raises:
            raise TimeoutError(f"run {run._id}: the store did not take the run within finish_timeout="
                               f"{settings.finish_timeout}s (finish_timeout_raises=True); "
                               f"`tracklab sync {run._folder.path}` completes it")


def _detach(run: Run) -> None:
    """An attached process is done: its rows reach the log; the owner ends the run."""
    run._history.flush()
    run._flush_summary()
    run._finished = True
    run._runlog.close()
    live_runs.discard(run)
    from tracklab.sdk import wandb_setup

    wandb_setup.on_finish(run)


def _wait_for_writer(run: Run) -> bool:
    """Wait for the writer at most finish_timeout, then say what the store lacks, if anything;
    True when the writer is still busy."""
    timeout = float(run._settings.finish_timeout or 60)
    stored = run._writer is None or run._writer.wait_stored(timeout)  # False: the store is slow or down
    if run._writer is not None and stored and run._writer.failure() is not None:
        stored = False  # the writer stopped for good: nothing more comes into the store from it
        run._store_problem = run._store_problem or run._writer.failure()
    _faults.finish_summary(run, stored, timeout)
    if not stored and not run._folder.mlflow_run_id(run._settings.tracking_uri):
        run._store_problem = run._store_problem or "the store has not taken the run"  # no link to it
    return run._writer is not None and run._writer.outcome is None


# -- how the process ends --------------------------------------------------------------------
def _install_exit_hooks(run: Run) -> None:
    atexit.register(run._atexit)
    if threading.current_thread() is threading.main_thread():
        previous = signal.getsignal(signal.SIGTERM)
        if previous in (signal.SIG_DFL, None):
            signal.signal(signal.SIGTERM, run._on_sigterm)
            run._sigterm_installed = True
    _install_excepthook()


def _remove_exit_hooks(run: Run) -> None:
    atexit.unregister(run._atexit)
    if getattr(run, "_sigterm_installed", False) and threading.current_thread() is threading.main_thread():
        if signal.getsignal(signal.SIGTERM) == run._on_sigterm:
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
        run._sigterm_installed = False


def at_exit(run: Run) -> None:
    """The interpreter is exiting: finish with the code of the exception that ended it, if any."""
    if run._forked:
        return
    run.finish(exit_code=_exception_state["code"], quiet=None)


def on_sigterm(run: Run, signum: int) -> None:
    """SIGTERM: finish as killed, then die of the signal as the program would have."""
    run._exit_state = "killed"
    run.finish(exit_code=128 + signum)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    os.kill(os.getpid(), signal.SIGTERM)


_exception_state: dict[str, Any] = {"code": None}


def _install_excepthook() -> None:
    if getattr(sys.excepthook, "_tracklab", False):
        return
    previous = sys.excepthook

    def hook(exc_type: Any, exc: Any, tb: Any) -> None:
        killed = issubclass(exc_type, KeyboardInterrupt)
        _exception_state["code"] = 255 if killed else 1
        for run in list(live_runs):
            if killed:
                run._exit_state = "killed"
        previous(exc_type, exc, tb)

    hook._tracklab = True  # type: ignore[attr-defined]
    sys.excepthook = hook
