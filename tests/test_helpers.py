"""The suite's own process hygiene (tests/helpers.py): children get SIGINT's default action back
even when the suite runs with SIGINT ignored (a background job), and stopping a child kills its
whole process group, also after the leader is gone."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests import helpers

# Prints how the child found SIGINT: ignored at exec (the kernel's view), and Python's handler.
_SIGINT_REPORT = (
    "import signal\n"
    "ignored = int(next(l for l in open('/proc/self/status') if l.startswith('SigIgn:')).split()[1], 16)\n"
    "print(bool(ignored & (1 << (signal.SIGINT - 1))), signal.getsignal(signal.SIGINT) is signal.default_int_handler)\n"
)


@pytest.fixture
def sigint_ignored() -> Iterator[None]:
    """This pytest process with SIGINT ignored, as under `make test &`."""
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def _alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def test_a_plain_child_inherits_an_ignored_sigint(sigint_ignored: None) -> None:
    # The failure the helpers exist for: without them, a child cannot be stopped with Ctrl-C.
    out = subprocess.run([sys.executable, "-c", _SIGINT_REPORT], capture_output=True, text=True, timeout=60)
    assert out.stdout.split() == ["True", "False"], out.stderr


def test_children_get_sigints_default_back_under_an_ignored_sigint(sigint_ignored: None, tmp_path: Path) -> None:
    ran = helpers.run([sys.executable, "-c", _SIGINT_REPORT], capture_output=True, text=True, timeout=60)
    assert ran.stdout.split() == ["False", "True"], ran.stderr
    snippet = helpers.run_python(_SIGINT_REPORT, tmp_path)
    assert snippet.stdout.split() == ["False", "True"], snippet.stderr

    # And a Ctrl-C reaches a waiting child: it ends with KeyboardInterrupt.
    proc = helpers.start_python("print('ready', flush=True); import time; time.sleep(120)", tmp_path,
                                stderr=subprocess.PIPE)
    assert proc.stdout.readline().strip() == "ready"
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode != 0 and "KeyboardInterrupt" in err


_PARENT_OF_SLEEPER = (
    "import subprocess, sys\n"
    "child = subprocess.Popen(['sleep', '600'])\n"
    "print(child.pid, flush=True)\n"
    "if sys.argv[1] == 'wait': child.wait()\n"
)


def test_stop_kills_the_whole_process_group(tmp_path: Path) -> None:
    proc = helpers.spawn([sys.executable, "-c", _PARENT_OF_SLEEPER, "wait"], stdout=subprocess.PIPE, text=True)
    grandchild = int(proc.stdout.readline())
    assert os.getpgid(proc.pid) == proc.pid and os.getpgid(grandchild) == proc.pid
    assert helpers.stop(proc, timeout=10) is not None
    helpers.wait_until(lambda: not _alive(grandchild), timeout=30, what=f"pid {grandchild} to end")


def test_the_end_of_a_test_kills_what_outlived_its_leader(tmp_path: Path) -> None:
    # The leader exits at once and is reaped; its child runs on, reparented, in the same group.
    since = len(helpers.STARTED)
    proc = helpers.spawn([sys.executable, "-c", _PARENT_OF_SLEEPER, "exit"], stdout=subprocess.PIPE, text=True)
    grandchild = int(proc.stdout.readline())
    assert proc.wait(60) == 0 and _alive(grandchild)
    helpers.stop_started(since)
    helpers.wait_until(lambda: not _alive(grandchild), timeout=30, what=f"pid {grandchild} to end")
    assert proc not in helpers.STARTED


def test_run_kills_the_group_when_it_times_out(tmp_path: Path) -> None:
    pid_file = tmp_path / "pid"
    code = _PARENT_OF_SLEEPER.replace("print(child.pid, flush=True)",
                                      f"open({str(pid_file)!r}, 'w').write(str(child.pid))")
    with pytest.raises(subprocess.TimeoutExpired):
        helpers.run([sys.executable, "-c", code, "wait"], timeout=5)
    grandchild = int(pid_file.read_text())
    helpers.wait_until(lambda: not _alive(grandchild), timeout=30, what=f"pid {grandchild} to end")


def test_wait_until_returns_the_value_or_fails_naming_what_it_waited_for() -> None:
    calls = iter([0, None, "done"])
    assert helpers.wait_until(lambda: next(calls), timeout=10, interval=0.01) == "done"
    with pytest.raises(AssertionError, match="timed out after 0.2s waiting for the moon"):
        helpers.wait_until(lambda: False, timeout=0.2, interval=0.05, what=lambda: "the moon")


def test_children_carry_the_session_marker(tmp_path: Path) -> None:
    ran = helpers.run_python(f"import os; print(os.environ[{helpers.SESSION_VAR!r}])", tmp_path)
    assert ran.stdout.strip() == str(os.getpid())
