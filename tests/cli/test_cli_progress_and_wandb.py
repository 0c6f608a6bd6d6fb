"""Progress bars (drawn on a terminal, silent when piped) and the opt-in `wandb` command under `tracklab run`."""

from __future__ import annotations

import json
import os
import pty
import select
import subprocess
import sys
from pathlib import Path

from tests import helpers
from tests.cli._cli import make_run, tl
from tests.helpers import python_env, stored_run


def _on_terminal(args: list[str], cwd: Path, env: dict[str, str] | None = None) -> tuple[int, str]:
    """Run `tracklab ARGS` with stdout and stderr on a pseudo-terminal; (exit code, what it showed)."""
    leader, follower = pty.openpty()
    proc = helpers.spawn([sys.executable, "-m", "tracklab.cli", *args], cwd=cwd, env=python_env(env),
                         stdin=subprocess.DEVNULL, stdout=follower, stderr=follower)
    os.close(follower)
    shown = b""
    while True:
        ready, _, _ = select.select([leader], [], [], 240)
        if not ready:
            proc.kill()
            break
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # the terminal closed: the command is done
            break
        if not chunk:
            break
        shown += chunk
    os.close(leader)
    return proc.wait(timeout=60), shown.decode(errors="replace")


def test_sync_shows_a_bar_on_a_terminal_and_nothing_when_piped(tl_dir: Path, tmp_path: Path) -> None:
    for _ in range(2):
        make_run(Path.cwd(), project="offline", mode="offline")
    code, shown = _on_terminal(["sync", "--dry-run"], tmp_path)
    assert code == 0 and "2 run(s) would be loaded" in shown  # dry run: no work, no bar
    assert "syncing" not in shown

    code, shown = _on_terminal(["sync"], tmp_path)
    assert code == 0, shown
    assert "syncing" in shown and "2/2" in shown  # click's bar with the position
    assert "2 run(s) processed" in shown

    for _ in range(2):
        make_run(Path.cwd(), project="offline", mode="offline")
    piped = tl("sync", cwd=tmp_path)
    assert "2 run(s) processed" in piped.stdout
    assert "syncing" not in piped.stderr + piped.stdout and "\r" not in piped.stderr + piped.stdout

    make_run(Path.cwd(), project="offline", mode="offline")
    code, shown = _on_terminal(["sync"], tmp_path, env={"TRACKLAB_PROGRESS": "0"})
    assert code == 0 and "1 run(s) processed" in shown and "syncing" not in shown


JOB = """\
set -e
command -v wandb
wandb offline
python train.py
wandb sync
python -m wandb status
"""

TRAIN = """\
import wandb
run = wandb.init(project="shell", config={"lr": 0.1})
for step in range(3):
    wandb.log({"loss": 1.0 / (step + 1)})
run.finish()
print("RUN_ID", run.id, wandb.__version__, type(run).__module__)
"""


def test_wandb_command_in_a_shell_script_reaches_tracklab(tl_dir: Path, tmp_path: Path) -> None:
    (tmp_path / "job.sh").write_text(JOB)
    (tmp_path / "train.py").write_text(TRAIN)
    proc = tl("run", "--", "sh", "job.sh", cwd=tmp_path)
    lines = proc.stdout.splitlines()
    assert lines[0].endswith(os.path.join("tracklab", "cli", "_wandb_bin", "wandb"))  # ours, not wandb's
    assert f"tracklab: mode 'offline' in {tmp_path / 'wandb' / 'settings'}" in proc.stdout
    run_line = next(line for line in lines if line.startswith("RUN_ID"))
    _, run_id, version, module = run_line.split()
    assert version == "0.31.0" and module.startswith("tracklab.")
    assert f"runs/shell/{run_id}: " in proc.stdout and "1 run(s) processed" in proc.stdout
    status = json.loads(proc.stdout[proc.stdout.index("{"):])  # `python -m wandb status` is TrackLab's
    assert status["directory"]["mode"] == "offline"

    stored = stored_run(tl_dir, "shell", run_id)  # the offline run reached the store through `wandb sync`
    assert stored.data.metrics["loss"] == 1 / 3 and stored.data.params["lr"] == "0.1"

    failing = tl("run", "--", "sh", "-c", "wandb sync /nonexistent", cwd=tmp_path, check=False)
    assert failing.returncode == 2 and "'/nonexistent' does not exist" in failing.stderr


def test_print_env_puts_the_wandb_command_on_path(tmp_path: Path) -> None:
    proc = tl("run", "--print-env", cwd=tmp_path)
    exports = dict(line[len("export "):].split("=", 1) for line in proc.stdout.splitlines())
    assert exports["TRACKLAB_AS_WANDB"] == "1"
    assert exports["PATH"].split(os.pathsep)[0].endswith(os.path.join("cli", "_wandb_bin"))
    assert exports["TRACKLAB_PYTHON"] == sys.executable
