"""The `tracklab` command: help, wandb's local verbs, the directory settings file, runs ls/show."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

import tracklab
from tests import helpers
from tests.helpers import python_env


def tl(*args: str, cwd, check: bool = True) -> subprocess.CompletedProcess:
    proc = helpers.run([sys.executable, "-m", "tracklab.cli", *args], cwd=cwd, env=python_env(),
                       capture_output=True, text=True, timeout=180)
    if check:
        assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc


def test_help_lists_the_commands(tl_dir, tmp_path):
    out = tl("--help", cwd=tmp_path).stdout
    for command in ("sync", "login", "offline", "online", "disabled", "enabled", "status", "init", "demo", "runs"):
        assert command in out
    assert tl("sync", "--help", cwd=tmp_path).stdout.startswith("Usage")


def test_login_is_a_friendly_noop(tl_dir, tmp_path):
    assert "no login needed" in tl("login", "somekey", "--relogin", cwd=tmp_path).stdout


def test_offline_and_init_defaults_are_honoured_by_init(tl_dir):
    import os

    tl("offline", cwd=os.getcwd())
    tl("init", "-p", "from-dir", cwd=os.getcwd())
    run = tracklab.init()
    assert run.offline and run.project == "from-dir"
    run.finish()
    tl("disabled", cwd=os.getcwd())
    assert tracklab.init().disabled
    tracklab.finish()
    tl("enabled", cwd=os.getcwd())
    run = tracklab.init(mode=None)
    assert not run.offline and not run.disabled
    run.finish()
    status = json.loads(tl("status", cwd=os.getcwd()).stdout)
    assert status["directory"]["mode"] == "online"
    tl("init", "--reset", cwd=os.getcwd())


@pytest.mark.slow
def test_demo_then_runs_ls_and_show(tl_dir, tmp_path):
    tl("demo", "--steps", "30", cwd=tmp_path)
    listing = tl("runs", "ls", "tracklab-demo", cwd=tmp_path).stdout
    assert "finished" in listing
    run_id = listing.splitlines()[1].split()[0]
    shown = json.loads(tl("runs", "show", f"tracklab-demo/{run_id}", cwd=tmp_path).stdout)
    assert shown["config"]["optimizer"]["name"] == "adam" and "train/loss" in shown["history_keys"]
    missing = tl("runs", "show", "tracklab-demo/nothere", cwd=tmp_path, check=False)
    assert missing.returncode != 0 and "Could not find run" in missing.stderr
