"""Helpers for tests: child processes that never leak, waiting on conditions, snippets in fresh
interpreters, runs read with plain MLflow.

Every child a test starts goes through `spawn` (or `run`, `run_python`, `start_python`): it gets
SIGINT's default action back and its own process group, and `stop` kills that whole group. The
suite's conftest stops whatever a test started once the test is over, pass or fail.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

REPO = Path(__file__).resolve().parents[1]

# Set in the environment of the pytest process (tests/conftest.py), so every process the suite
# starts, directly or not, carries the pid of the pytest that owns it: leftovers can be found.
SESSION_VAR = "PYTEST_TRACKLAB_SESSION"

STARTED: list[subprocess.Popen] = []
"""Every child `spawn` started, in order (the conftest stops those of a finished test)."""

_T = TypeVar("_T")


def _child_setup() -> None:
    # A suite started from a background job (`make test &`) inherits SIGINT ignored, and an ignored
    # signal stays ignored across exec: the child would never see a Ctrl-C a test sends it.
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def spawn(args: Sequence[str], **popen: Any) -> subprocess.Popen:
    """`subprocess.Popen(args, **popen)` with SIGINT's default action, in a new session (its own
    process group, so `stop` reaches its children too), recorded for the end-of-test cleanup."""
    if "preexec_fn" in popen or "process_group" in popen:
        raise TypeError("spawn sets the child's process group and signals itself")
    proc = subprocess.Popen(list(args), preexec_fn=_child_setup, start_new_session=True, **popen)
    STARTED.append(proc)
    return proc


def run(args: Sequence[str], *, timeout: float = 120, input: str | bytes | None = None, check: bool = False,
        capture_output: bool = False, **popen: Any) -> subprocess.CompletedProcess:
    """`subprocess.run` through `spawn`: on a timeout (or any error) the whole group is killed."""
    if capture_output:
        popen.update(stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if input is not None:
        popen["stdin"] = subprocess.PIPE
    proc = spawn(args, **popen)
    try:
        out, err = proc.communicate(input, timeout=timeout)
    except BaseException:
        stop(proc, timeout=0)
        raise
    done = subprocess.CompletedProcess(proc.args, proc.returncode, out, err)
    if check:
        done.check_returncode()
    return done


def _group_members(pgid: int) -> list[int]:
    """The processes whose process group is `pgid` (read from /proc)."""
    members = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            fields = stat[stat.rindex(")") + 2:].split()  # after "pid (comm) "
            if int(fields[2]) == pgid:
                members.append(int(entry))
    return members


def _ours(pid: int) -> bool:
    """Whether `pid` was started by this pytest session (it carries SESSION_VAR)."""
    try:
        environ = Path(f"/proc/{pid}/environ").read_bytes()
    except OSError:
        return False
    return f"{SESSION_VAR}={os.environ.get(SESSION_VAR)}".encode() in environ.split(b"\0")


def _signal_group(proc: subprocess.Popen, signum: int) -> None:
    if proc.returncode is None:
        # Not reaped yet, so its pid (the group's id) cannot belong to anyone else.
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signum)
        return
    # The leader is gone and its pid may be reused: signal only members this session started.
    for pid in _group_members(proc.pid):
        if _ours(pid):
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, signum)


def _exited(proc: subprocess.Popen, timeout: float) -> bool:
    """Wait up to `timeout` for `proc` to exit, leaving it unreaped (a zombie keeps its pid, the
    group's id, from being reused until the group is killed)."""
    deadline = time.monotonic() + timeout
    while proc.returncode is None:
        try:
            if os.waitid(os.P_PID, proc.pid, os.WEXITED | os.WNOHANG | os.WNOWAIT) is not None:
                return True
        except ChildProcessError:  # reaped elsewhere
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.05)
    return True


def stop(proc: subprocess.Popen, sig: int = signal.SIGTERM, timeout: float = 15) -> int | None:
    """Send `sig` to `proc`'s whole process group, give the leader `timeout` seconds to exit, then
    SIGKILL what is left of the group (workers outlive their leader); return the exit status."""
    if timeout > 0:
        _signal_group(proc, sig)
        _exited(proc, timeout)
    _signal_group(proc, signal.SIGKILL)
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(30)
    return proc.returncode


def stop_started(since: int = 0) -> None:
    """Stop every child spawned since `STARTED[since]` (and forget them)."""
    started = STARTED[since:]
    del STARTED[since:]
    for proc in reversed(started):
        stop(proc, timeout=0 if _exited(proc, 0) else 5)
        for stream in (proc.stdin, proc.stdout, proc.stderr):
            if stream is not None:
                with contextlib.suppress(OSError):
                    stream.close()


def leftover_processes() -> list[tuple[int, str]]:
    """(pid, command line) of every process but this one that this pytest session started."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit() and int(entry) != os.getpid() and _ours(int(entry)):
            with contextlib.suppress(OSError):
                cmdline = Path(f"/proc/{entry}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
                if Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z":
                    found.append((int(entry), cmdline.strip()))
    return found


def wait_until(condition: Callable[[], _T], timeout: float = 60, interval: float = 0.1,
               what: str | Callable[[], str] = "the condition") -> _T:
    """Poll `condition` until it returns something truthy and return that; fail after `timeout`
    seconds with `what` (a text, or a function giving the text at that moment)."""
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what() if callable(what) else what}")
        time.sleep(interval)


def run_python(code: str, cwd: Path | str, env: dict[str, str] | None = None, timeout: float = 120,
               check: bool = True) -> subprocess.CompletedProcess:
    """Run a snippet in a fresh interpreter with this repo importable."""
    proc = run([sys.executable, "-c", textwrap.dedent(code)], cwd=str(cwd), env=python_env(env),
               capture_output=True, text=True, timeout=timeout)
    if check and proc.returncode != 0:
        raise AssertionError(f"snippet failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}")
    return proc


def mlflow_client(root: Path) -> Any:
    from mlflow.tracking import MlflowClient

    return MlflowClient(tracking_uri=f"sqlite:///{root / 'mlflow.db'}")


def stored_run(root: Path, project: str, run_id: str) -> Any:
    """The MLflow run of a TrackLab run, read with plain MLflow."""
    client = mlflow_client(root)
    experiment = client.get_experiment_by_name(project)
    assert experiment is not None, f"no experiment {project!r}"
    found = client.search_runs([experiment.experiment_id], filter_string=f"tags.`tracklab.run_id` = '{run_id}'")
    assert len(found) == 1, f"expected one run {run_id}, found {len(found)}"
    return found[0]


def python_env(env: dict[str, str] | None = None) -> dict[str, str]:
    full_env = dict(os.environ)
    full_env["PYTHONPATH"] = os.pathsep.join([str(REPO), full_env.get("PYTHONPATH", "")])
    full_env.update(env or {})
    return full_env


def start_python(code: str, cwd: Path | str, env: dict[str, str] | None = None, **popen: Any) -> subprocess.Popen:
    """Start a snippet in a fresh interpreter (stdout piped, text mode)."""
    return spawn([sys.executable, "-c", textwrap.dedent(code)], cwd=str(cwd), env=python_env(env),
                 stdout=subprocess.PIPE, text=True, **popen)


def require(*modules: str) -> None:
    """Fail, never skip, when a dev dependency is missing: `make setup` installs every one, so a
    skip would read a broken set-up (or a test that stopped running) as fine."""
    import importlib.util

    missing = [name for name in modules if importlib.util.find_spec(name) is None]
    if missing:
        import pytest

        pytest.fail(f"missing dev dependencies {missing}: run `make setup` (pip install -e '.[dev]')", pytrace=False)


CHROMIUM = "/usr/bin/chromium"


def chromium() -> str:
    """Debian's Chromium, which the browser tests drive (`make setup` installs it: not a skip)."""
    assert os.path.exists(CHROMIUM), f"no Chromium at {CHROMIUM}: `make setup` installs it (apt-get install -y chromium)"
    return CHROMIUM


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_up(port: int, server: subprocess.Popen, timeout: float = 180, what: str = "the MLflow server") -> None:
    """Wait until the server on `port` answers `/health` (fail at once if its process exits)."""
    import urllib.request

    def healthy() -> bool:
        assert server.poll() is None, f"{what} exited"
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2) as response:
                return response.status == 200
        except OSError:
            return False

    wait_until(healthy, timeout, interval=0.3, what=f"{what} to answer /health")
