"""`tracklab sweep` / `tracklab agent`, child-process trials with wandb's macros and variables,
parallel agent processes, and what happens to trials when an agent is interrupted or killed."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import yaml
from click.testing import CliRunner
from optuna.trial import TrialState

import tracklab
from tests.helpers import python_env, run, spawn, start_python, wait_until
from tracklab.cli.main import _register, cli
from tracklab.sweeps._state import CANCELED, FINISHED, PAUSED, RUNNING, SweepHandle

_register()

PROGRAM = '''
import json, os, sys, time
import tracklab as wandb
run = wandb.init(config={"lr": 123})
out = {"argv": sys.argv[1:], "executable": sys.executable, "config": dict(run.config), "run_id": run.id,
       "sweep_id": run.sweep_id, "project": run.project, "pid": os.getpid(),
       "env": {k: os.environ.get(k) for k in ("WANDB_SWEEP_ID", "WANDB_RUN_ID", "WANDB_SWEEP_PARAM_PATH",
                                              "WANDB_PROJECT", "WANDB_ENTITY")}}
with open(os.path.join(os.environ["OUT_DIR"], run.id + ".json"), "w") as handle:
    json.dump(out, handle)
for step in range(int(os.environ.get("STEPS", "1"))):
    wandb.log({"loss": run.config.lr * 10 + step})
    time.sleep(float(os.environ.get("PAUSE", "0")))
'''


def _cli(*args: str, ok: bool = True):
    result = CliRunner().invoke(cli, list(args), env={"WANDB_SILENT": "false"})
    if ok:
        assert result.exit_code == 0, result.output
    return result


def _create(config_path: Path, *extra: str) -> tuple[str, str]:
    result = _cli("sweep", *extra, str(config_path))
    return re.search(r"Creating sweep with ID: (\w+)", result.stderr).group(1), result.stderr


def _write(path: Path, config: dict) -> Path:
    path.write_text(yaml.safe_dump(config))
    return path


def test_sweep_command_creates_lists_updates_and_changes_state(tl_dir, tmp_path):
    config = _write(tmp_path / "sweep.yaml", {"method": "grid", "name": "cli-grid", "program": "train.py",
                                               "parameters": {"a": {"values": [1, 2]}}})
    sweep_id, said = _create(config, "--project", "clip")
    assert f"tracklab agent clip/{sweep_id}" in said
    listing = _cli("sweep", "ls").stdout
    assert sweep_id in listing and "cli-grid" in listing and "grid" in listing

    handle = SweepHandle.open(sweep_id)
    for flag, state in (("--pause", PAUSED), ("--resume", RUNNING), ("--stop", FINISHED), ("--resume", RUNNING),
                        ("--cancel", CANCELED)):
        _cli("sweep", flag, f"clip/{sweep_id}")
        assert handle.state() == state

    _cli("sweep", "--resume", sweep_id)
    _write(config, {"method": "grid", "name": "cli-grid", "program": "train.py",
                    "parameters": {"a": {"values": [2, 3, 4]}}})
    _cli("sweep", "--update", sweep_id, str(config))
    handle = SweepHandle.open(sweep_id)
    assert handle.config["parameters"]["a"]["values"] == [2, 3, 4]
    queued = [t.user_attrs["grid_key"] for t in handle.trials(waiting=True)]
    assert queued == ["[2]", "[3]", "[4]"]  # a=1 retired, a=2 kept, a=3 and a=4 queued

    bad = _write(tmp_path / "bad.yaml", {"method": "grid", "parameters": {"lr": {"min": 0.0, "max": 1.0}}})
    result = _cli("sweep", str(bad), ok=False)
    assert result.exit_code == 1 and "parameters.lr" in result.stderr and "grid" in result.stderr
    result = _cli("sweep", "--stop", "nosuchid", ok=False)
    assert result.exit_code == 1 and "no sweep 'nosuchid'" in result.stderr


def test_agent_runs_the_program_with_every_macro_and_wandbs_variables(tl_dir, tmp_path):
    (tmp_path / "train.py").write_text(PROGRAM)
    out = tmp_path / "out"
    out.mkdir()
    config = _write(tmp_path / "sweep.yaml", {
        "method": "grid", "metric": {"name": "loss"}, "program": "train.py", "entity": "team",
        "parameters": {"lr": {"values": [0.5]}, "flag": {"values": [True, False]}},
        "command": ["${env}", "${interpreter}", "${program}", "${args}", "|", "${args_no_hyphens}", "|",
                    "${args_no_boolean_flags}", "|", "${args_json}", "${args_json_file}", "x-${envvar:MYVAR}",
                    "${unknown}"]})
    sweep_id, _ = _create(config, "--project", "macros")
    proc = run([sys.executable, "-m", "tracklab.cli", "agent", f"macros/{sweep_id}"], cwd=tmp_path,
               env=python_env({"OUT_DIR": str(out), "MYVAR": "hello", "WANDB_SILENT": "false"}),
               capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    records = {r["config"]["flag"]: r for r in (json.loads(p.read_text()) for p in out.glob("*.json"))}
    assert set(records) == {True, False}
    on, off = records[True], records[False]
    assert on["argv"] == ["--flag=True", "--lr=0.5", "|", "flag=True", "lr=0.5", "|", "--flag", "--lr=0.5", "|",
                          '{"flag": true, "lr": 0.5}', on["argv"][-2], "x-hello"]
    assert off["argv"][5:8] == ["|", "--lr=0.5", "|"]  # a False flag is left out of ${args_no_boolean_flags}
    assert json.loads(Path(on["argv"][-2]).read_text()) == {"flag": True, "lr": 0.5}
    assert on["executable"] == sys.executable
    for record in (on, off):
        env = record["env"]
        assert env["WANDB_SWEEP_ID"] == record["sweep_id"] == sweep_id
        assert env["WANDB_RUN_ID"] == record["run_id"] and env["WANDB_PROJECT"] == record["project"] == "macros"
        assert env["WANDB_ENTITY"] == "team"
        assert yaml.safe_load(Path(env["WANDB_SWEEP_PARAM_PATH"]).read_text()) == {
            "flag": {"value": record["config"]["flag"]}, "lr": {"value": 0.5}}
        assert record["config"]["lr"] == 0.5  # the sweep's value beat init(config=...)
    trials = SweepHandle.open(sweep_id).trials()
    assert [t.state for t in trials] == [TrialState.COMPLETE] * 2 and {t.value for t in trials} == {5.0}
    assert "grid exhausted" in proc.stderr


AGENT = '''
import sys, tracklab
def train():
    run = tracklab.init()
    tracklab.log({"m": float(run.config.get("x", 0))})
tracklab.agent(sys.argv[1], function=train, count=4)
tracklab.agent(sys.argv[2], function=train)
'''


def test_three_agent_processes_share_one_sweep_without_duplicates(tl_dir, tmp_path):
    random_id = tracklab.sweep({"method": "random", "metric": {"name": "m"},
                                "parameters": {"x": {"min": 0.0, "max": 1.0}}}, project="par")
    grid_id = tracklab.sweep({"method": "grid", "parameters": {"x": {"values": list(range(4))}}}, project="par")
    procs = [start_python(AGENT.replace("sys.argv[1]", repr(random_id)).replace("sys.argv[2]", repr(grid_id)),
                          cwd=tmp_path, stderr=subprocess.PIPE) for _ in range(3)]
    for proc in procs:
        _, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
        assert "Traceback" not in err and "ERROR" not in err, err
    trials = SweepHandle.open(random_id).trials()
    assert len(trials) == 12 and all(t.state == TrialState.COMPLETE for t in trials)
    assert len({t.user_attrs["run_id"] for t in trials}) == 12 and len({t.number for t in trials}) == 12
    assert len({t.user_attrs["pid"] for t in trials}) == 3
    grid = SweepHandle.open(grid_id).trials()
    assert sorted(t.user_attrs["config"]["x"] for t in grid) == list(range(4))
    assert len(tracklab.Api().runs("par", filters={"sweep": random_id})) == 12


def _agent_with_slow_program(tmp_path: Path, project: str, steps: int, pause: float):
    (tmp_path / "train.py").write_text(PROGRAM)
    out = tmp_path / "out"
    out.mkdir(exist_ok=True)
    sweep_id = tracklab.sweep({"method": "random", "metric": {"name": "loss"}, "program": "train.py",
                               "parameters": {"lr": {"values": [0.1]}}}, project=project)
    proc = spawn([sys.executable, "-m", "tracklab.cli", "agent", "--count", "3", sweep_id], cwd=tmp_path,
                 env=python_env({"OUT_DIR": str(out), "STEPS": str(steps), "PAUSE": str(pause),
                                 "WANDB_SILENT": "false"}),
                 stderr=subprocess.PIPE, text=True)
    wait_until(lambda: any(out.glob("*.json")), timeout=30, what="the first trial's record")
    record = json.loads(next(out.glob("*.json")).read_text())
    return sweep_id, proc, record


def test_ctrl_c_lets_the_running_trial_end_then_stops_the_agent(tl_dir, tmp_path):
    sweep_id, proc, record = _agent_with_slow_program(tmp_path, "ctrlc-cli", steps=10, pause=0.1)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    assert "Waiting for the run to end" in err
    trials = SweepHandle.open(sweep_id).trials()
    assert [t.state for t in trials] == [TrialState.COMPLETE] and trials[0].value == 10.0  # ran to its end


def test_a_killed_agent_leaves_no_trial_running(tl_dir, tmp_path):
    sweep_id, proc, record = _agent_with_slow_program(tmp_path, "killed", steps=600, pause=0.1)
    proc.kill()
    proc.communicate(timeout=30)

    def gone(pid: int) -> bool:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        return Path(f"/proc/{pid}/stat").read_text().split()[2] == "Z"

    wait_until(lambda: gone(record["pid"]), timeout=40, what="the trial to end")  # SIGTERM when its agent died
    handle = SweepHandle.open(sweep_id)
    assert handle.fail_stale_trials() == [0]
    assert [t.state for t in handle.trials()] == [TrialState.FAIL]

    def run_ended() -> bool:
        try:
            return tracklab.Api().run(f"killed/{record['run_id']}").state != "running"
        except tracklab.CommError:  # its writer has not reached the store yet
            return False

    wait_until(run_ended, timeout=40, what="the killed trial's run to end")
