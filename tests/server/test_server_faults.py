"""Faults of the team server, injected for real mid-run: the `tracklab server` restarted, its
PostgreSQL restarted, the server unreachable (stopped) for 30 s, the server's artifact disk full.

Training logs through each fault: its `log()` calls are timed before, during and after (the
figures are printed; no timed assertions), every point lands once the server is back, `finish()`
waits a bounded time and says what is pending, `tracklab sync` completes the rest, and no run is
left RUNNING. Each "machine" has its own TRACKLAB_DIR and HOME and shares only the server's URL."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import textwrap
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests import helpers
from tests.faults import _matrix
from tests.server._postgres import Cluster
from tests.server.conftest import TeamServer, machine, start_team_server, stop_team_server

pytestmark = [pytest.mark.server, pytest.mark.slow]

STEPS = 3000  # per phase: before the fault, during it, after it

TRAIN = """
import json, os, time
import numpy as np
import tracklab
steps = int(os.environ["STEPS"])
run = tracklab.init(project="server-faults", id=os.environ["RUN_ID"],
                    settings={"finish_timeout": float(os.environ.get("FINISH_TIMEOUT", "120"))})
print("FOLDER", run.sync_dir, flush=True)
timings = {}
step = 0
for phase in ("before", "during", "after"):
    gate = os.environ["GATE"] + "." + phase
    print("PHASE", phase, flush=True)
    while not os.path.exists(gate):
        time.sleep(0.05)
    took = []
    for _ in range(steps):
        start = time.perf_counter()
        run.log({"loss": 1.0 / (step + 1), "acc": step % 97 / 97})
        took.append(time.perf_counter() - start)
        step += 1
    if os.environ.get("IMAGES") == "1" and phase == "during":
        run.log({"img": tracklab.Image(np.random.default_rng(1).integers(0, 255, (256, 256, 3), dtype=np.uint8))})
        step += 1
    timings[phase] = float(np.percentile(took, 99) * 1e6)
print("P99_US", json.dumps(timings), flush=True)
run.finish()
print("DONE", flush=True)
"""


class Trainer:
    """The training process of one "machine", driven phase by phase by the test."""

    def __init__(self, env: dict[str, str], run_id: str, **extra: str) -> None:
        self.gate = Path(env["HOME"]) / "gate"
        self.proc = helpers.spawn([sys.executable, "-c", textwrap.dedent(TRAIN)], cwd=str(Path(env["HOME"]) / "work"),
                                  env={**env, "WANDB_SILENT": "false", "STEPS": str(STEPS), "RUN_ID": run_id,
                                       "GATE": str(self.gate), **extra},
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.seen: list[str] = []
        self.folder = self._until("FOLDER ").split(" ", 1)[1].strip()

    def _until(self, prefix: str) -> str:
        for line in self.proc.stdout:
            self.seen.append(line)
            if line.startswith(prefix):
                return line
        raise AssertionError(f"the training process ended before {prefix!r}:\n{''.join(self.seen)}"
                             f"\n{self.proc.stderr.read()}")

    def run_phase(self, phase: str) -> None:
        """Let `phase` start (after the previous one is logged)."""
        self._until(f"PHASE {phase}")
        Path(f"{self.gate}.{phase}").touch()

    def finish(self, timeout: float = 300) -> tuple[dict[str, float], str, str]:
        out, err = self.proc.communicate(timeout=timeout)
        out = "".join(self.seen) + out
        assert self.proc.returncode == 0 and "DONE" in out, out + err
        p99 = json.loads(next(line for line in out.splitlines() if line.startswith("P99_US ")).split(" ", 1)[1])
        return p99, out, err


@contextlib.contextmanager
def trainer(env: dict[str, str], run_id: str, **extra: str) -> Iterator[Trainer]:
    t = Trainer(env, run_id, **extra)
    try:
        yield t
    finally:
        helpers.stop(t.proc)


def _stored(env: dict[str, str], run_id: str) -> dict:
    code = f"""
        import json
        import tracklab
        run = tracklab.Api().run("server-faults/{run_id}")
        steps = [r["_step"] for r in run.scan_history(keys=["_step", "loss"])]
        print("STORED " + json.dumps({{"state": run.state, "steps": steps,
                                      "files": sorted(f.name for f in run.files())}}))
    """
    done = helpers.run([sys.executable, "-c", textwrap.dedent(code)], cwd=str(Path(env["HOME"]) / "work"),
                       env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    return json.loads(done.stdout.split("STORED ", 1)[1].splitlines()[0])


def _all_points_landed(env: dict[str, str], run_id: str, count: int) -> None:
    stored = _stored(env, run_id)
    assert stored["steps"] == list(range(count)), f"{len(stored['steps'])} of {count} steps stored"
    assert stored["state"] == "finished"


def _report(name: str, p99: dict[str, float]) -> None:
    print(f"\n{name}: log() p99 before/during/after the fault: "
          f"{p99['before']:.1f} / {p99['during']:.1f} / {p99['after']:.1f} us")


def _through_a_fault(env: dict[str, str], run_id: str, fault: Callable[[], None], heal: Callable[[], None],
                     name: str) -> tuple[dict[str, float], str]:
    """Log a phase, inject the fault, log a phase through it, heal it, log the last phase, finish."""
    with trainer(env, run_id) as t:
        t.run_phase("before")
        t._until("PHASE during")
        fault()
        Path(f"{t.gate}.during").touch()
        t._until("PHASE after")
        heal()
        Path(f"{t.gate}.after").touch()
        p99, _, err = t.finish()
    _report(name, p99)
    _matrix.assert_nothing_left(Path(env["TRACKLAB_DIR"]))
    return p99, err


@pytest.fixture
def own_server(pg_cluster: Cluster, tmp_path: Path) -> Iterator[TeamServer]:
    """A `tracklab server` of this test alone (the test stops and restarts it)."""
    name = f"tracklab_faults_{os.getpid()}_{len(helpers.STARTED)}"
    uri = pg_cluster.create_database(name)
    folder = tmp_path / "server"
    folder.mkdir()
    server = start_team_server(uri, folder)
    try:
        yield server
    finally:
        stop_team_server(server)
        pg_cluster.drop_database(name)


def test_the_server_restarted_mid_run(own_server: TeamServer, tmp_path: Path) -> None:
    env = machine(tmp_path, "node-a", own_server.url)
    port = int(own_server.url.rsplit(":", 1)[1])
    restarted: list[TeamServer] = []

    def restart() -> None:
        stop_team_server(own_server)
        restarted.append(start_team_server(own_server.backend_uri, own_server.artifacts.parent, port=port))

    try:
        _through_a_fault(env, "restart01", restart, lambda: None, "server restarted")
        _all_points_landed(env, "restart01", 3 * STEPS)
    finally:
        for server in restarted:
            stop_team_server(server)


def test_the_server_unreachable_for_30_seconds(own_server: TeamServer, tmp_path: Path) -> None:
    env = machine(tmp_path, "node-a", own_server.url)
    group = os.getpgid(own_server.proc.pid)
    thawed = threading.Event()

    def freeze() -> None:
        os.killpg(group, signal.SIGSTOP)  # every worker stops answering; connections hang

        def thaw() -> None:
            os.killpg(group, signal.SIGCONT)
            thawed.set()

        threading.Timer(30.0, thaw).start()

    try:
        # The last phase is logged while the server is still frozen: finish() waits for it.
        _through_a_fault(env, "frozen01", freeze, lambda: None, "server unreachable 30 s")
        assert thawed.is_set()
        _all_points_landed(env, "frozen01", 3 * STEPS)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(group, signal.SIGCONT)


def test_postgresql_restarted_mid_run(tmp_path: Path) -> None:
    cluster = Cluster(settings={"fsync": "off", "synchronous_commit": "off"}).start()
    server = None
    try:
        uri = cluster.create_database("tracklab_pg_restart")
        folder = tmp_path / "server"
        folder.mkdir()
        server = start_team_server(uri, folder)
        env = machine(tmp_path, "node-a", server.url)
        _through_a_fault(env, "pgrestart01", cluster.restart, lambda: None, "PostgreSQL restarted")
        _all_points_landed(env, "pgrestart01", 3 * STEPS)
    finally:
        if server is not None:
            stop_team_server(server)
        cluster.stop()


def test_the_servers_artifact_disk_full(pg_cluster: Cluster, tmp_path: Path) -> None:
    name = "tracklab_faults_disk"
    uri = pg_cluster.create_database(name)
    folder = tmp_path / "server"
    (folder / "artifacts").mkdir(parents=True)
    env = machine(tmp_path, "node-a", "")
    with _matrix.small_disk(folder / "artifacts", "1m") as disk:
        server = start_team_server(uri, folder)
        env["TRACKLAB_TRACKING_URI"] = server.url
        try:
            _matrix.fill(disk, 0)  # the server's artifact destination refuses every file
            with trainer(env, "disk01", IMAGES="1", FINISH_TIMEOUT="10") as t:
                for phase in ("before", "during", "after"):
                    t.run_phase(phase)
                p99, out, err = t.finish()
            _report("server's artifact disk full", p99)
            # Training went on; the end says what is pending; every point reaches the server
            # (the writer goes on after finish()'s 10 s), and the run is not left RUNNING.
            assert "Traceback" not in err, err
            assert f"`tracklab sync {t.folder}`" in err, err
            image_step = 2 * STEPS  # the image row holds no loss
            every_step = [s for s in range(3 * STEPS + 1) if s != image_step]
            helpers.wait_until(lambda: _stored(env, "disk01")["steps"] == every_step, timeout=180, interval=1,
                               what="every point on the server")
            # The writer, left retrying the files for its documented 10 minutes, finishes the
            # run itself once the server has room again; `tracklab sync` then has nothing left.
            # Space freed on the server: `tracklab sync` completes the run, media included.
            for filler in disk.glob("fill*"):
                filler.unlink()
            subprocess.run(["mount", "-o", "remount,size=64m", str(disk)], check=True)
            _matrix.assert_nothing_left(Path(env["TRACKLAB_DIR"]), timeout=180)
            _matrix.sync(t.folder, env, Path(env["HOME"]) / "work")
            stored = _stored(env, "disk01")
            assert stored["state"] == "finished"
            assert any(name.startswith("media/images/img_") for name in stored["files"]), stored["files"]
        finally:
            stop_team_server(server)
            pg_cluster.drop_database(name)
