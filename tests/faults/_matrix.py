"""Shared parts of the fault matrix (tests/faults): the training script every fault is injected
under, the checks of the one rule (docs/troubleshooting.md, "When the store or the disk fails"),
and the means of injecting faults for real (a small tmpfs, a non-root user, foreign files)."""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Callable, Iterator

import pytest

from tests import helpers

# Logs STEPS rows of two keys (IMAGES=1: and an image), prints its run folder, and ends with finish(). Between the first
# and second half it waits for PAUSE_FILE to appear (when set), so a test can inject a fault mid-run.
TRAIN = """
import os, sys, time
import tracklab
steps = int(os.environ.get("STEPS", "100"))
run = tracklab.init(project="faults", id=os.environ.get("RUN_ID", "fault001"),
                    settings={"finish_timeout": float(os.environ.get("FINISH_TIMEOUT", "60"))})
print("FOLDER", run.sync_dir, flush=True)
images = os.environ.get("IMAGES") == "1"  # also a 64x64 noise image (~12 kB) per step
if images:
    import numpy as np
for step in range(steps):
    if step == steps // 2 and os.environ.get("PAUSE_FILE"):
        print("PAUSED", flush=True)
        while not os.path.exists(os.environ["PAUSE_FILE"]):
            time.sleep(0.05)
    row = {"loss": 1.0 / (step + 1), "step_value": step}
    if images:
        row["img"] = tracklab.Image(np.random.default_rng(step).integers(0, 255, (64, 64, 3), dtype=np.uint8))
    run.log(row)
run.finish()
print("DONE", flush=True)
"""


def train(cwd: Path, env: dict[str, str], as_user: bool = False, timeout: float = 240) -> subprocess.CompletedProcess:
    """Run TRAIN to its end (as an unprivileged user in a user namespace with `as_user`); not
    silenced unless `env` says so, so the links the rule is about are shown."""
    command = [sys.executable, "-c", textwrap.dedent(TRAIN)]
    if as_user:
        command = unprivileged(command)
    return helpers.run(command, cwd=str(cwd), env=helpers.python_env({"WANDB_SILENT": "false", **env}),
                       capture_output=True, text=True, timeout=timeout)


def train_with_a_pause(cwd: Path, env: dict[str, str], during: Callable[[str], None], as_user: bool = False,
                       timeout: float = 240) -> subprocess.CompletedProcess:
    """Run TRAIN, calling `during(run folder)` while it waits halfway (a fault injected mid-run)."""
    pause = cwd / f"go-{os.getpid()}-{len(helpers.STARTED)}"
    command = [sys.executable, "-c", textwrap.dedent(TRAIN)]
    if as_user:
        command = unprivileged(command)
    proc = helpers.spawn(command, cwd=str(cwd),
                         env=helpers.python_env({"WANDB_SILENT": "false", **env, "PAUSE_FILE": str(pause)}),
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        seen = []
        for line in proc.stdout:
            seen.append(line)
            if line.startswith("PAUSED"):
                break
        else:
            raise AssertionError(f"the script ended before its pause:\n{''.join(seen)}\n{proc.stderr.read()}")
        folder = next(line.split(" ", 1)[1].strip() for line in seen if line.startswith("FOLDER "))
        during(folder)
        pause.touch()
        out, err = proc.communicate(timeout=timeout)
    except BaseException:
        helpers.stop(proc, timeout=0)
        raise
    return subprocess.CompletedProcess(proc.args, proc.returncode, "".join(seen) + out, err)


def writer_pid(folder: str) -> int | None:
    """The live writer process of a run folder, if any."""
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            with contextlib.suppress(OSError):
                cmdline = Path(f"/proc/{entry}/cmdline").read_bytes().split(b"\0")
                if b"tracklab.backend.writer" in cmdline and folder.encode() in cmdline:
                    state = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()[0]
                    if state != "Z":
                        return int(entry)
    return None


def folder_of(done: subprocess.CompletedProcess) -> str:
    return next(line.split(" ", 1)[1].strip() for line in done.stdout.splitlines() if line.startswith("FOLDER "))


def assert_the_rule(stderr: str, *, says: list[str], folder: str, error_at_init: bool,
                    in_store_at_end: bool = False) -> list[str]:
    """The one rule: no traceback, no link to a run the store lacks, one ERROR at init() (when the
    store is unusable) and one summary at finish() naming `tracklab sync <folder>`. Returns the
    tracklab: lines shown (for the docs' matrix)."""
    assert "Traceback" not in stderr, stderr
    assert "--- Logging error ---" not in stderr, stderr
    lines = [line for line in stderr.splitlines() if line.startswith("tracklab: ")]
    links = [n for n, line in enumerate(lines) if "View run at" in line]
    summary_at = next(n for n, line in enumerate(lines) if "only in the local run log" in line)
    if error_at_init:
        assert not links, stderr  # the store cannot have the run
    else:  # init() may link the run the writer is about to create; finish() never links one it lacks
        assert len([n for n in links if n < summary_at]) <= 1, stderr
        assert len([n for n in links if n > summary_at]) == (1 if in_store_at_end else 0), stderr
    errors = [line for line in lines if line.startswith("tracklab: ERROR")]
    if error_at_init:
        assert len(errors) == 1, stderr
        for text in says:
            assert text in errors[0], f"{text!r} not in {errors[0]!r}"
        assert f"`tracklab sync {folder}`" in errors[0], errors[0]
    summaries = [line for line in lines if "only in the local run log" in line]
    assert len(summaries) == 1, stderr
    if "only in the local run log" in summaries[0] and ", 0 only in" not in summaries[0] or not in_store_at_end:
        assert f"`tracklab sync {folder}`" in summaries[0], summaries[0]
    return lines


def logged_rows(folder: str) -> int:
    """History rows the run log holds (whole lines)."""
    with open(os.path.join(folder, "run.tlog"), "rb") as log:
        return sum(1 for line in log if line.startswith(b"h") and line.endswith(b"\n"))


def sync(folder: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess:
    done = helpers.run([sys.executable, "-m", "tracklab.cli", "sync", folder], cwd=str(cwd),
                       env=helpers.python_env(env), capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    return done


def stored_points(db_path: Path, run_id: str, key: str = "loss") -> tuple[str, int]:
    """(MLflow status, number of `key` points) of a TrackLab run, read with plain MLflow."""
    from mlflow.tracking import MlflowClient

    client = MlflowClient(tracking_uri=f"sqlite:///{db_path}")
    experiment = client.get_experiment_by_name("faults")
    assert experiment is not None, "the project is not in the store"
    [found] = client.search_runs([experiment.experiment_id], filter_string=f"tags.`tracklab.run_id` = '{run_id}'")
    return found.info.status, len(client.get_metric_history(found.info.run_id, key))


def tracklab_processes(root: Path) -> list[str]:
    """Live processes whose command line names `root` (writers of runs under it)."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) == os.getpid():
            continue
        with contextlib.suppress(OSError):
            cmdline = Path(f"/proc/{entry}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            state = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()[0]
            if str(root) in cmdline and "tracklab" in cmdline and state != "Z":
                found.append(cmdline)
    return found


def assert_nothing_left(root: Path, timeout: float = 60) -> None:
    """No TrackLab process for runs under `root` is left (awaited: a writer may be closing)."""
    helpers.wait_until(lambda: not tracklab_processes(root), timeout=timeout,
                       what=lambda: f"TrackLab processes to end: {tracklab_processes(root)}")


# -- real means ------------------------------------------------------------------------------
@contextlib.contextmanager
def small_disk(path: Path, size: str = "3m") -> Iterator[Path]:
    """A tmpfs of `size` mounted at `path` for the block (root only; skipped elsewhere)."""
    path.mkdir(parents=True, exist_ok=True)
    if os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("a small disk needs root to mount a tmpfs")
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)],
                          capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"mounting a tmpfs is not permitted here: {done.stderr.strip()}")
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], check=False)


def fill(disk: Path, leave_bytes: int) -> Path:
    """Fill `disk` with one file until only about `leave_bytes` are free; returns the file."""
    filler = disk / "filler.bin"
    stat = os.statvfs(disk)
    free = stat.f_bavail * stat.f_frsize
    with open(filler, "wb") as handle:
        handle.write(b"\0" * max(0, free - leave_bytes))
    return filler


def unprivileged(command: list[str]) -> list[str]:
    """`command` as a non-root user (uid 1000 in a user namespace, so this environment's Python
    stays readable): permissions bind as they do for any user; root would ignore them."""
    probe = subprocess.run(["unshare", "--user", "--map-user=1000", "--map-group=1000", "true"],
                           capture_output=True, text=True)
    if probe.returncode != 0:
        pytest.skip(f"cannot run as a non-root user here (unshare --user: {probe.stderr.strip()})")
    return ["unshare", "--user", "--map-user=1000", "--map-group=1000", *command]
