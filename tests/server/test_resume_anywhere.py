"""Resume anywhere: a machine that never saw run X continues it from a `tracklab server` on
PostgreSQL, and a run live on one machine cannot be resumed on another (a lease on the server).

Each "machine" is a process with its own TRACKLAB_DIR, HOME and working folder; the only thing
they share is TRACKLAB_TRACKING_URI=http://127.0.0.1:PORT."""

from __future__ import annotations

import json
import os
import signal
import subprocess
from pathlib import Path

import pytest

from tests import helpers
from tests.server.conftest import TeamServer, machine

pytestmark = [pytest.mark.server, pytest.mark.slow]

TRAIN = """
import json, os, sys
import tracklab as wandb
run_id, resume, steps = sys.argv[1], sys.argv[2], int(sys.argv[3])
run = wandb.init(project="requeue", id=run_id, resume=resume or None)
first = run.step
seen = {"resumed": run.resumed, "first_step": first, "config": dict(run.config), "tags": list(run.tags),
        "summary_best": run.summary.get("best"), "name": run.name}
if not run.resumed:
    run.config.update({"lr": 0.1, "seed": 1})
    run.tags = ("first-machine",)
for i in range(steps):
    s = first + i
    wandb.log({"loss": 1.0 / (s + 1), "big": 2**40 + s, "word": "w%d" % s, "flag": s % 2 == 0})
wandb.summary["best"] = first + steps - 1
gate = os.environ.get("GATE")
if gate:
    open(gate + ".live", "w").close()
    import time
    while not os.path.exists(gate):
        time.sleep(0.05)
run.finish()
print("SEEN " + json.dumps(seen))
"""

READ = """
import json, sys
import tracklab as wandb
run = wandb.Api().run("requeue/" + sys.argv[1])
rows = [{k: v for k, v in r.items() if k in ("_step", "loss", "big", "word", "flag")} for r in run.scan_history()]
print("READ " + json.dumps({"state": run.state, "config": run.config, "tags": run.tags, "name": run.name,
                           "best": run.summary.get("best"), "rows": rows}))
"""


def _write(env: dict[str, str]) -> Path:
    work = Path(env["HOME"]) / "work"
    (work / "train.py").write_text(TRAIN)
    (work / "read.py").write_text(READ)
    return work


def _python(env: dict[str, str], script: str, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    work = _write(env)
    proc = helpers.run([os.environ.get("PYTHON", "python"), script, *args], cwd=str(work), env=env,
                       capture_output=True, text=True, timeout=240)
    if check:
        assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc


def _seen(proc: subprocess.CompletedProcess) -> dict:
    return json.loads(proc.stdout.split("SEEN ", 1)[1].splitlines()[0])


def _read(env: dict[str, str], run_id: str) -> dict:
    out = _python(env, "read.py", run_id).stdout
    return json.loads(out.split("READ ", 1)[1].splitlines()[0])


def _start_live(env: dict[str, str], run_id: str, steps: int, gate: Path) -> subprocess.Popen:
    """A run that logs `steps` steps and stays live until `gate` exists."""
    work = _write(env)
    live = helpers.spawn([os.environ.get("PYTHON", "python"), "train.py", run_id, "allow", str(steps)], cwd=str(work),
                         env={**env, "GATE": str(gate)}, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        helpers.wait_until(lambda: Path(str(gate) + ".live").exists() or live.poll() is not None, timeout=120,
                           what="the first machine's run to be live")
        assert live.poll() is None, live.communicate()
    except BaseException:
        helpers.stop(live)
        raise
    return live


def _expected_rows(count: int) -> list[dict]:
    return [{"_step": s, "loss": 1.0 / (s + 1), "big": 2**40 + s, "word": "w%d" % s, "flag": s % 2 == 0}
            for s in range(count)]


def test_a_machine_that_never_saw_the_run_continues_it(team_server: TeamServer, tmp_path: Path) -> None:
    first = machine(tmp_path, "node-a", team_server.url)
    second = machine(tmp_path, "node-b", team_server.url)
    _python(first, "train.py", "job1", "allow", "5")
    assert not (Path(second["TRACKLAB_DIR"]) / "runs").exists()

    seen = _seen(_python(second, "train.py", "job1", "must", "3"))

    # wandb's resume rules: the next step follows the server's last; config, tags, summary
    # and the name come back from the server.
    assert seen == {"resumed": True, "first_step": 5, "config": {"lr": 0.1, "seed": 1},
                    "tags": ["first-machine"], "summary_best": 4, "name": seen["name"]}
    stored = _read(machine(tmp_path, "node-c", team_server.url), "job1")
    assert stored["rows"] == _expected_rows(8)  # both sessions, exact values, each step once
    assert stored["state"] == "finished" and stored["best"] == 7 and stored["name"] == seen["name"]
    assert stored["config"] == {"lr": 0.1, "seed": 1} and stored["tags"] == ["first-machine"]


def test_resume_must_for_a_run_the_server_lacks_fails_clearly(team_server: TeamServer, tmp_path: Path) -> None:
    env = machine(tmp_path, "node-a", team_server.url)
    proc = _python(env, "train.py", "nosuchrun", "must", "1", check=False)
    assert proc.returncode != 0
    assert "resume='must' but run requeue/nosuchrun does not exist" in proc.stderr
    assert not list(Path(env["TRACKLAB_DIR"]).glob("runs/*/nosuchrun/run.tlog"))


def test_a_live_run_cannot_be_resumed_on_another_machine(team_server: TeamServer, tmp_path: Path) -> None:
    first = machine(tmp_path, "node-a", team_server.url)
    second = machine(tmp_path, "node-b", team_server.url)
    gate = tmp_path / "gate"
    live = _start_live(first, "shared", 4, gate)
    try:
        # The writer leases the run right after it opens it on the server, before it sends any
        # step; so once a third machine reads the four steps there, the lease is held. Trying the
        # second machine earlier would race the writer: it could resume the run before the lease.
        watcher = machine(tmp_path, "node-c", team_server.url)
        helpers.wait_until(lambda: _has_run(watcher, "shared") and len(_read(watcher, "shared")["rows"]) == 4,
                           timeout=120, interval=0.5, what="the first machine's steps on the server")

        proc = _python(second, "train.py", "shared", "allow", "2", check=False)
        assert proc.returncode != 0, proc.stdout + proc.stderr
        assert "RunInUseError" in proc.stderr and "is in use by" in proc.stderr, proc.stderr
        assert f"pid {live.pid}" in proc.stderr or f":{live.pid}" in proc.stderr, proc.stderr
        # refused before anything was copied here: no local run log to resume from later
        assert not list(Path(second["TRACKLAB_DIR"]).glob("runs/*/shared/run.tlog"))

        gate.touch()  # the first machine finishes: its lease is released with the run's end
        out, err = live.communicate(timeout=180)
        assert live.returncode == 0, out + err
    finally:
        helpers.stop(live)

    # Now the run is finished and its lease released: the second machine resumes it.
    seen = _seen(_python(second, "train.py", "shared", "allow", "2"))
    assert seen["resumed"] and seen["first_step"] == 4
    stored = _read(second, "shared")
    assert stored["rows"] == _expected_rows(6)


def test_the_lease_of_a_killed_run_expires(team_server: TeamServer, tmp_path: Path) -> None:
    first = {**machine(tmp_path, "node-a", team_server.url), "TRACKLAB_LEASE_TTL": "3"}
    second = machine(tmp_path, "node-b", team_server.url)
    gate = tmp_path / "gate"
    live = _start_live(first, "killed", 3, gate)
    try:
        # Wait until the server has the run's three steps (the writer has leased it by then).
        helpers.wait_until(lambda: len(_read(second, "killed")["rows"]) == 3 if _has_run(second, "killed") else False,
                           timeout=120, interval=0.5, what="the run's steps on the server")
        helpers.stop(live, sig=signal.SIGKILL)  # the training process and its writer die together
    finally:
        helpers.stop(live)

    def resumed() -> dict | None:
        proc = _python(second, "train.py", "killed", "allow", "2", check=False)
        if proc.returncode != 0:
            assert "is in use by" in proc.stderr, proc.stderr  # refused until the lease expires
            return None
        return _seen(proc)

    seen = helpers.wait_until(resumed, timeout=90, interval=1.0, what="the killed run's lease to expire")
    assert seen["first_step"] == 3
    assert _read(second, "killed")["rows"] == _expected_rows(5)


def _has_run(env: dict[str, str], run_id: str) -> bool:
    proc = _python(env, "read.py", run_id, check=False)
    return proc.returncode == 0
