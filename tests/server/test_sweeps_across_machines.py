"""Sweeps across machines: agents that share only the URL of a `tracklab server` on PostgreSQL
share one sweep (its optuna journal lives in the server's database, served by the plugin).

Each "machine" is a set of processes with its own TRACKLAB_DIR, HOME and working folder; the
only thing they have in common is TRACKLAB_TRACKING_URI=http://127.0.0.1:PORT."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests import helpers
from tests.server.conftest import TeamServer, machine

pytestmark = [pytest.mark.server, pytest.mark.slow]

PROGRAM = """
import json, os, time
import tracklab as wandb
run = wandb.init()
open(os.path.join(os.getcwd(), "started-" + run.id), "w").write(json.dumps(dict(run.config)))
gate = os.environ.get("GATE")
while gate and not os.path.exists(gate):   # a trial that stays running until the test lets it go
    time.sleep(0.05)
wandb.log({"loss": run.config.a * 10 + run.config.b})
"""

READ_BACK = """
import json, sys
import tracklab as wandb
sweep = wandb.Api().sweep(sys.argv[1])
trials = sweep._handle.trials()
print(json.dumps({
    "state": sweep.state,
    "runs": sorted([[r.config["a"], r.config["b"], r.state] for r in sweep.runs]),
    "trials": sorted([[t.user_attrs["config"]["a"], t.user_attrs["config"]["b"], t.state.name] for t in trials]),
    "best": sweep.best_run().config["a"] if sweep.best_run() else None,
    "hosts": sorted({t.user_attrs["host"] for t in trials}),
}))
"""


def _machine(tmp_path: Path, name: str, server: TeamServer) -> dict[str, str]:
    env = machine(tmp_path, name, server.url)
    (Path(env["HOME"]) / "work" / "train.py").write_text(PROGRAM)
    return env


def _cli(env: dict[str, str], *args: str, timeout: float = 180) -> subprocess.CompletedProcess:
    proc = helpers.run([sys.executable, "-m", "tracklab.cli", *args], cwd=str(Path(env["HOME"]) / "work"),
                       env=env, capture_output=True, text=True, timeout=timeout)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc


def _create(env: dict[str, str], config: dict) -> str:
    path = Path(env["HOME"]) / "work" / "sweep.yaml"
    path.write_text(yaml.safe_dump(config))
    out = _cli({**env, "WANDB_SILENT": "false"}, "sweep", str(path), "--project", "team-sweep")
    return re.search(r"Creating sweep with ID: (\w+)", out.stdout + out.stderr).group(1)


def _agent(env: dict[str, str], sweep_id: str, *extra: str) -> subprocess.Popen:
    return helpers.spawn([sys.executable, "-m", "tracklab.cli", "agent", f"team-sweep/{sweep_id}", *extra],
                         cwd=str(Path(env["HOME"]) / "work"), env=env, stdin=subprocess.DEVNULL,
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def _finish(proc: subprocess.Popen) -> str:
    out, _ = proc.communicate(timeout=300)
    assert proc.returncode == 0, out
    return out


def _read_back(env: dict[str, str], sweep_id: str) -> dict:
    proc = helpers.run([sys.executable, "-c", READ_BACK, f"team-sweep/{sweep_id}"], cwd=str(Path(env["HOME"]) / "work"),
                       env=env, capture_output=True, text=True, timeout=180)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _started(env: dict[str, str]) -> list[Path]:
    return sorted((Path(env["HOME"]) / "work").glob("started-*"))


GRID = {"method": "grid", "program": "train.py", "metric": {"name": "loss", "goal": "minimize"},
        "parameters": {"a": {"values": [1, 2, 3]}, "b": {"values": [0, 5]}}}


def test_two_machines_share_one_grid_sweep_through_the_server(team_server: TeamServer, tmp_path: Path) -> None:
    first, second, reader = (_machine(tmp_path, name, team_server) for name in ("first", "second", "reader"))
    sweep_id = _create(first, GRID)
    agents = [_agent(env, sweep_id) for env in (first, second)]
    outputs = [_finish(proc) for proc in agents]

    points = sorted([json.loads(p.read_text())["a"], json.loads(p.read_text())["b"]]
                    for env in (first, second) for p in _started(env))
    assert points == [[a, b] for a in (1, 2, 3) for b in (0, 5)], outputs  # every point once, over both machines
    seen = _read_back(reader, sweep_id)
    assert seen["state"] == "FINISHED"
    assert seen["trials"] == [[a, b, "COMPLETE"] for a in (1, 2, 3) for b in (0, 5)]
    assert seen["runs"] == [[a, b, "finished"] for a in (1, 2, 3) for b in (0, 5)]
    assert seen["best"] == 1
    for env in (first, second, reader):  # no machine kept sweep state of its own
        assert not list(Path(env["TRACKLAB_DIR"]).rglob("*.journal"))


def _on_host(name: str, args: list[str]) -> list[str]:
    """`args` run under their own host name (a UTS namespace) where this account may make one,
    so the agents cannot see each other's processes as local; else on this host as they are."""
    probe = subprocess.run(["unshare", "--uts", "true"], capture_output=True)
    if probe.returncode != 0:
        return args
    return ["unshare", "--uts", "sh", "-c", f'hostname {name} && exec "$@"', "sh", *args]


def test_an_agent_killed_mid_trial_leaves_it_failed_and_the_other_goes_on(team_server: TeamServer,
                                                                         tmp_path: Path) -> None:
    doomed, survivor, reader = (_machine(tmp_path, name, team_server) for name in ("doomed", "survivor", "reader"))
    for env in (doomed, survivor, reader):  # beat every 2 s; silent for 6 s: dead
        env["TRACKLAB_SWEEP_STALE_SECONDS"] = "6"
    doomed["GATE"] = str(tmp_path / "never")  # its trial runs until the agent is killed
    sweep_id = _create(doomed, {**GRID, "parameters": {"a": {"values": [1, 2, 3]}, "b": {"value": 0}}})
    agent = helpers.spawn(_on_host("machine-a", [sys.executable, "-m", "tracklab.cli", "agent",
                                                 f"team-sweep/{sweep_id}"]),
                          cwd=str(Path(doomed["HOME"]) / "work"), env=doomed, stdin=subprocess.DEVNULL,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    helpers.wait_until(lambda: _started(doomed), timeout=180, what="the first machine's trial to start")
    agent.kill()  # SIGKILL: no chance to tell the server anything
    agent.communicate(timeout=30)

    survived = helpers.spawn(_on_host("machine-b", [sys.executable, "-m", "tracklab.cli", "agent",
                                                    f"team-sweep/{sweep_id}"]),
                             cwd=str(Path(survivor["HOME"]) / "work"), env=survivor, stdin=subprocess.DEVNULL,
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    _finish(survived)
    killed = json.loads(_started(doomed)[0].read_text())["a"]
    expected = sorted([[a, 0, "FAIL" if a == killed else "COMPLETE"] for a in (1, 2, 3)])

    def settled() -> dict | None:
        seen = _read_back(reader, sweep_id)
        return seen if sorted(seen["trials"]) == expected else None

    # The killed trial reads as failed once its heartbeat is 6 s old (at once where the hosts are one).
    seen = helpers.wait_until(settled, timeout=120, interval=1, what="the killed agent's trial to read as failed")
    assert seen["state"] == "FINISHED"
    assert len(_started(survivor)) == 2  # the killed point is not run again
    if _on_host("x", ["true"]) != ["true"]:  # two host names: the heartbeat, not a pid, told it
        assert seen["hosts"] == ["machine-a", "machine-b"]
    assert [a for a, _, _ in seen["runs"]] == [1, 2, 3]


def test_the_journal_route_stores_a_replayed_batch_once_and_refuses_bad_bodies(team_server: TeamServer) -> None:
    import requests

    url = team_server.url + "/api/2.0/tracklab/sweeps/journal"
    before = len(requests.get(url, params={"from": 0}, timeout=30).json()["logs"])
    log = {"op_code": 0, "worker_id": "test-0", "study_name": "replayed-batch", "directions": [1]}
    for _ in range(2):  # the answer to the first was "lost": the client sends it again
        assert requests.post(url, json={"batch": "b-replayed", "logs": [log]}, timeout=30).status_code == 200
    logs = requests.get(url, params={"from": before}, timeout=30).json()["logs"]
    assert logs == [log]
    for body, words in (([1, 2], "JSON object"), ({"batch": "", "logs": []}, "batch="),
                        ({"batch": "x", "logs": [{"no": "op"}]}, "op_code")):
        answer = requests.post(url, json=body, timeout=30)
        assert answer.status_code == 400 and words in answer.json()["message"], answer.text
    answer = requests.get(url, params={"from": "-1"}, timeout=30)
    assert answer.status_code == 400 and "from=-1" in answer.json()["message"]
    assert len(requests.get(url, params={"from": 0}, timeout=30).json()["logs"]) == before + 1
