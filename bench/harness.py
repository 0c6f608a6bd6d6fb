"""Starting children: each contender in a fresh process with a fresh temporary folder."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from typing import Any

from bench.contenders import REPO, Contender, python_path

CHILD_TIMEOUT = 1800.0


class ChildFailed(RuntimeError):
    """A child exited non-zero or wrote no result."""


def snapshot_source(dest: str) -> str:
    """Copy the code the children run (tracklab, bench, the wandb run-file reader) to `dest`, so
    that edits to the checkout while the benchmark runs do not change what it measures."""
    skip = shutil.ignore_patterns("__pycache__", "*.pyc", "out")
    shutil.copytree(os.path.join(REPO, "tracklab"), os.path.join(dest, "tracklab"), ignore=skip)
    shutil.copytree(os.path.join(REPO, "bench"), os.path.join(dest, "bench"), ignore=skip)
    os.makedirs(os.path.join(dest, "tests"))
    for name in ("_wandb_offline.py", "helpers.py"):  # the reader starts wandb's snippets with helpers
        shutil.copyfile(os.path.join(REPO, "tests", name), os.path.join(dest, "tests", name))
    return dest


def make_template(folder: str) -> str:
    """A fresh MLflow database made by TrackLab's `ensure_sqlite_store` (in its own process, so
    this process never imports MLflow); returns its path."""
    db = os.path.join(folder, "mlflow.db")
    code = ("import sys; from tracklab.backend.store_setup import ensure_sqlite_store; "
            "ensure_sqlite_store(sys.argv[1], sys.argv[2])")
    env = dict(os.environ, PYTHONPATH=python_path())
    subprocess.run([sys.executable, "-c", code, db, os.path.join(folder, "artifacts")], check=True, env=env,
                   capture_output=True, timeout=600)
    return db


def prepare_folder(contender: Contender, template: str | None, parent: str | None = None) -> str:
    """A new temporary folder for one child, with the template database copied in if it needs one."""
    tmp = tempfile.mkdtemp(prefix=f"bench-{contender.name}-", dir=parent)
    if contender.template_at:
        if template is None:
            raise ValueError(f"{contender.name} needs a template database")
        target = os.path.join(tmp, contender.template_at)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        shutil.copyfile(template, target)
    return tmp


def child_command(contender: Contender, steps: int, tmp: str, out: str, read_back: bool = True,
                  check: bool = True) -> list[str]:
    command = [sys.executable, "-m", "bench.child", contender.name, "--steps", str(steps), "--tmp", tmp, "--out", out]
    if not read_back:
        command.append("--no-read-back")
    if not check:
        command.append("--no-check")
    return command


def start_child(contender: Contender, steps: int, tmp: str, out: str, **flags: bool) -> subprocess.Popen:
    """Start one child in `tmp` (its working folder) with the contender's environment."""
    log = open(out + ".log", "wb")
    try:
        return subprocess.Popen(child_command(contender, steps, tmp, out, **flags), cwd=tmp,
                                env=contender.env(tmp), stdin=subprocess.DEVNULL, stdout=log,
                                stderr=subprocess.STDOUT)
    finally:
        log.close()


def collect(process: subprocess.Popen, out: str, timeout: float = CHILD_TIMEOUT) -> dict[str, Any]:
    """Wait for a child and return its result (ChildFailed with its output's tail otherwise)."""
    try:
        code = process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
        code = "timeout"
    if code == 0 and os.path.exists(out):
        with open(out) as handle:
            return json.load(handle)
    with open(out + ".log", "rb") as handle:
        tail = handle.read()[-1500:].decode("utf-8", "replace")
    raise ChildFailed(f"exit {code}: {tail}")


def run_contender(contender: Contender, steps: int, template: str | None, keep: bool = False,
                  **flags: bool) -> dict[str, Any]:
    """Run one contender's workload in a fresh process and folder; return its result."""
    tmp = prepare_folder(contender, template)
    try:
        out = os.path.join(tmp, "result.json")
        return collect(start_child(contender, steps, tmp, out, **flags), out)
    finally:
        if not keep:
            shutil.rmtree(tmp, ignore_errors=True)
