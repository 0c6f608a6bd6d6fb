"""The agent: take a trial, run it (a function in this process, or the config's program in a child
process), follow its metric for hyperband, tell optuna how it ended; repeat.

wandb's rules are kept: `count` trials at most; stop after `max_consecutive_failed_runs` failures
in a row, after 3 failures within the first 60 s (unless `WANDB_AGENT_DISABLE_FLAPPING=true`) or
after `WANDB_AGENT_MAX_INITIAL_FAILURES` (5) failures with no more successes; Ctrl-C stops cleanly.
"""

from __future__ import annotations

import ctypes
import dataclasses
import os
import signal
import subprocess
import sys
import threading
import time
import traceback
from typing import Any, Callable, Mapping

from tracklab.sweeps import _command, _parent_run, _term
from tracklab.sweeps._state import CANCELED, WAIT, Claim, SweepHandle, heartbeat_seconds
from tracklab.sweeps._watch import RunLogWatcher

FLAPPING_MAX_SECONDS = 60
FLAPPING_MAX_FAILURES = 3
MAX_INITIAL_FAILURES = 5
_POLL = 0.1
_PAUSED_POLL = 1.0


class _StopTrial(BaseException):
    """Raised inside an in-process trial that hyperband (or a sweep cancel) stopped."""


@dataclasses.dataclass
class TrialResult:
    run_state: str          # finished | failed | killed
    interrupted: bool = False  # Ctrl-C (or SIGTERM): the agent stops


def _env_int(name: str, default: int) -> int:
    try:
        return int(os.environ.get(name) or default)
    except ValueError:
        return default


def _async_raise(thread_id: int, exc_type: type[BaseException]) -> None:
    """Raise `exc_type` in a thread at its next function call or loop jump.

    Never "clear" a pending one with NULL: that leaves the interpreter's eval breaker set, which
    spins forever under a profiler or tracer (CPython 3.11).
    """
    ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(thread_id), ctypes.py_object(exc_type))


def _deliver_pending() -> None:
    """A Python call: a pending asynchronous exception is raised on entering it."""


class _FunctionRunner:
    """Runs `function()` in the calling thread, as one trial."""

    def __init__(self, function: Callable[[], Any]) -> None:
        self._function = function
        self._lock = threading.Lock()
        self._active = False
        self._injected = False
        self._thread_id = 0
        self.stop_reason: str | None = None

    def stop(self, reason: str) -> None:
        with self._lock:
            if self.stop_reason is None:
                self.stop_reason = reason
                if self._active:
                    self._injected = True
                    _async_raise(self._thread_id, _StopTrial)

    def run(self, claim: Claim, env: Mapping[str, str], handle: SweepHandle) -> TrialResult:
        from tracklab.sdk import wandb_init, wandb_setup

        self.stop_reason = None
        self._injected = False
        self._thread_id = threading.get_ident()
        saved = {k: os.environ.get(k) for k in env}
        os.environ.update(env)
        previous = wandb_setup.current_run()
        if previous is not None:  # each trial starts from no run, as wandb's agent does
            previous.finish()
        wandb_init.pending_sweep_trial = {"sweep_id": handle.id, "params": claim.config}
        result = TrialResult("finished")
        try:
            try:
                with self._lock:
                    self._active = True
                self._function()
            finally:
                with self._lock:
                    self._active = False
                if self._injected:
                    _deliver_pending()  # a stop that arrived as the function returned lands here
        except _StopTrial:
            result.run_state = "killed"
        except KeyboardInterrupt:
            result = TrialResult("killed", interrupted=True)
        except Exception:
            sys.stderr.write(traceback.format_exc())
            result.run_state = "failed"
        finally:
            wandb_init.pending_sweep_trial = None
            run = wandb_setup.current_run()
            if run is not None:
                if result.run_state == "killed" and hasattr(run, "_exit_state"):
                    run._exit_state = "killed"
                run.finish(exit_code=0 if result.run_state == "finished" else 1)
            for key, value in saved.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value
        return result


# Started before the trial's command on Linux: ask for SIGTERM when the agent dies (so no trial
# outlives a killed agent), check the agent did not die already, then become the command.
_DIE_WITH_AGENT = (
    "import ctypes, os, signal, sys\n"
    "ctypes.CDLL(None).prctl(1, signal.SIGTERM)\n"  # PR_SET_PDEATHSIG
    "os.getppid() == int(sys.argv[1]) or sys.exit(1)\n"
    "os.execvp(sys.argv[2], sys.argv[2:])\n"
)


def _spawn(command: list[str], env: Mapping[str, str]) -> subprocess.Popen:
    """Start a trial's command in its own process group (the terminal's Ctrl-C reaches the agent
    alone, as in wandb), with a closed stdin, tied to the agent's life on Linux."""
    if sys.platform.startswith("linux"):
        command = [sys.executable, "-I", "-S", "-c", _DIE_WITH_AGENT, str(os.getpid()), *command]
    group = {"process_group": 0} if sys.version_info >= (3, 11) else {"preexec_fn": os.setpgrp}
    proc = subprocess.Popen(command, env=dict(env), stdin=subprocess.PIPE, **group)
    proc.stdin.close()
    return proc


class _Shutdown(BaseException):
    """SIGTERM reached the agent."""


class _CommandRunner:
    """Runs the config's `command` (default `${env} ${interpreter} ${program} ${args}`) per trial."""

    def __init__(self, term_timeout: float | None = None) -> None:
        self._kill_delay = float(term_timeout if term_timeout is not None
                                 else _env_int("WANDB_AGENT_KILL_DELAY", 30))
        self.stop_reason: str | None = None

    def stop(self, reason: str) -> None:
        if self.stop_reason is None:
            self.stop_reason = reason

    def run(self, claim: Claim, env: Mapping[str, str], handle: SweepHandle) -> TrialResult:
        self.stop_reason = None
        spec = handle.spec
        json_path = os.path.join(os.path.dirname(env["WANDB_SWEEP_PARAM_PATH"]), f"config-{claim.run_id}.json")
        command = _command.build_command(spec.command, _command.macro_values(claim.config, spec.program, json_path))
        _term.log("About to run command: " + " ".join(f'"{c}"' if " " in c else c for c in command))
        proc = _spawn(command, {**os.environ, **env})
        previous = None
        if threading.current_thread() is threading.main_thread():
            previous = signal.signal(signal.SIGTERM, _raise_shutdown)
        interrupts, terminated_at, code = 0, None, None
        try:
            while code is None:
                try:
                    code = proc.wait(timeout=_POLL)
                except subprocess.TimeoutExpired:
                    if self.stop_reason and terminated_at is None:
                        proc.terminate()
                        terminated_at = time.monotonic()
                    elif terminated_at is not None and time.monotonic() - terminated_at > self._kill_delay:
                        proc.kill()
                except (KeyboardInterrupt, _Shutdown) as exc:
                    interrupts = max(interrupts + 1, 2 if isinstance(exc, _Shutdown) else 1)
                    if interrupts == 1:
                        _term.log("Ctrl-C received. Waiting for the run to end; press Ctrl-C again to terminate it.")
                    elif interrupts == 2:
                        _term.log("Terminating the run; press Ctrl-C again to kill it.")
                        proc.terminate()
                        terminated_at = time.monotonic()
                    else:
                        _term.log("Killing the run.")
                        proc.kill()
        finally:
            if previous is not None:
                signal.signal(signal.SIGTERM, previous)
        if code == 0:
            state = "finished"
        elif self.stop_reason or interrupts >= 2 or code < 0:
            state = "killed"
        else:
            state = "failed"
        return TrialResult(state, interrupted=interrupts > 0)


def _raise_shutdown(signum: int, frame: Any) -> None:
    raise _Shutdown()


class _TrialMonitor(threading.Thread):
    """Beside a running trial: feeds its metric to optuna, applies hyperband, beats the heart,
    and stops the trial when the sweep is canceled."""

    def __init__(self, handle: SweepHandle, claim: Claim, watcher: RunLogWatcher,
                 stop_trial: Callable[[str], None]) -> None:
        super().__init__(name="tracklab-sweep-monitor", daemon=True)
        self._handle = handle
        self._claim = claim
        self._watcher = watcher
        self._stop_trial = stop_trial
        self._prune = handle.spec.early_terminate is not None
        self._done = threading.Event()
        self.pruned = False

    def finish(self) -> None:
        self._done.set()
        self.join()

    def run(self) -> None:
        last_beat = last_state = time.monotonic()
        beat_every = heartbeat_seconds()
        while not self._done.wait(_POLL):
            try:
                self._tick()
                now = time.monotonic()
                if now - last_beat >= beat_every:
                    last_beat = now
                    self._claim.trial.set_user_attr("heartbeat", time.time())
                if now - last_state >= 1.0:
                    last_state = now
                    if self._handle.state() == CANCELED:
                        self._stop_trial("canceled")
            except Exception as exc:  # never let the monitor die silently mid-trial
                _term.warn(f"sweep monitor: {exc!r}")
        try:
            self._tick(final=True)
        except Exception as exc:
            _term.warn(f"sweep monitor: {exc!r}")

    def _tick(self, final: bool = False) -> None:
        new = self._watcher.poll()
        if not new or not self._prune:
            return
        trial = self._claim.trial
        first = len(self._watcher.history) - len(new)
        for offset, value in enumerate(new):
            trial.report(value, first + offset)
        if not final and not self.pruned and trial.should_prune():
            self.pruned = True
            _term.log(f"Hyperband stopped run {self._claim.run_id} at metric iteration {len(self._watcher.history)}")
            self._stop_trial("pruned")


class Agent:
    """Runs trials of one sweep until `count`, the end of the sweep, Ctrl-C or repeated failures."""

    def __init__(self, handle: SweepHandle, function: Callable[[], Any] | None = None, count: int | None = None,
                 max_consecutive_failed_runs: int | None = None, term_timeout: float | None = None) -> None:
        self.handle = handle
        self.count = count
        self.max_consecutive = max_consecutive_failed_runs
        self.runner: Any = _FunctionRunner(function) if function is not None else _CommandRunner(term_timeout)
        self.trials: list[tuple[str, str]] = []  # (run id, optuna trial state) of each trial run here

    def run(self) -> int:
        """Run trials; returns how many ran."""
        self._started = time.time()
        self._tally = {"failed": 0, "succeeded": 0, "consecutive": 0}
        done = 0
        try:
            while self.count is None or done < self.count:
                claim = self._next_claim()
                if isinstance(claim, str):
                    _term.log(f"Sweep {self.handle.id}: {claim}; agent exiting.")
                    break
                done += 1
                result = self._run_trial(claim)
                if result.interrupted:
                    raise KeyboardInterrupt
                if self._count_and_give_up(result):
                    break
        except KeyboardInterrupt:
            _term.log("Ctrl-C detected. Stopping sweep agent.")
        return done

    def _next_claim(self) -> Claim | str:
        """The next trial, waiting while the sweep is paused; a string says why there is none."""
        said_paused = False
        while True:
            claim = self.handle.claim()
            if claim != WAIT:
                return claim
            if not said_paused:
                _term.log(f"Sweep {self.handle.id} is paused: waiting for it to resume.")
                said_paused = True
            time.sleep(_PAUSED_POLL)

    def _count_and_give_up(self, result: TrialResult) -> bool:
        tally = self._tally
        if result.run_state != "failed":
            tally["succeeded"] += 1
            tally["consecutive"] = 0
            return False
        tally["failed"] += 1
        tally["consecutive"] += 1
        return self._should_give_up(tally["failed"], tally["succeeded"], tally["consecutive"], self._started)

    def _should_give_up(self, failed: int, succeeded: int, consecutive: int, started: float) -> bool:
        if self.max_consecutive is not None and consecutive >= self.max_consecutive:
            _term.error(f"Detected {consecutive} consecutive failed runs, stopping the agent.")
            return True
        flapping_off = os.environ.get("WANDB_AGENT_DISABLE_FLAPPING", "").lower() == "true"
        if not flapping_off and time.time() - started < FLAPPING_MAX_SECONDS and failed >= FLAPPING_MAX_FAILURES:
            _term.error(f"Detected {FLAPPING_MAX_FAILURES} failed runs in the first {FLAPPING_MAX_SECONDS} seconds, "
                        "stopping the agent (set WANDB_AGENT_DISABLE_FLAPPING=true to go on).")
            return True
        max_initial = _env_int("WANDB_AGENT_MAX_INITIAL_FAILURES", MAX_INITIAL_FAILURES)
        if failed >= max_initial and failed >= succeeded:
            _term.error(f"Detected {failed} failed runs against {succeeded} successful ones, stopping the agent "
                        "(WANDB_AGENT_MAX_INITIAL_FAILURES sets the limit).")
            return True
        return False

    def _run_trial(self, claim: Claim) -> TrialResult:
        handle = self.handle
        yaml_path, _ = _command.write_param_files(handle.id, claim.run_id, claim.config)
        env = _command.trial_env(handle.id, claim.run_id, handle.project, handle.entity, yaml_path,
                                 handle.parent_run_id)
        _term.log(f"Agent Starting Run: {claim.run_id} with config:"
                  + "".join(f"\n\t{k}: {v}" for k, v in claim.config.items()))
        watcher = RunLogWatcher(claim.run_id, handle.project, handle.spec.metric)
        monitor = _TrialMonitor(handle, claim, watcher, self.runner.stop)
        monitor.start()
        try:
            result = self.runner.run(claim, env, handle)
        finally:
            monitor.finish()
        pruned = monitor.pruned and result.run_state == "killed"
        state = handle.finish(claim, result.run_state, pruned, watcher.objective(handle.spec.goal), watcher.started)
        _parent_run.adopt_run(watcher.header.get("mlflow_run_id"), handle.parent_run_id)
        self.trials.append((claim.run_id, state.name))
        _term.log(f"Agent Finished Run: {claim.run_id} ({state.name.lower()})")
        return result
