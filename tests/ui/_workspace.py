"""The workspace tests' store and server: a project of nine finished runs (three learning rates x
three seeds, two groups, tags, one failed run) logged by real TrackLab runs, served by a real
`tracklab ui`; the expected table values are computed here from the same formulas."""

from __future__ import annotations

import shutil
import signal
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import free_port, spawn, stop
from tests.ui.conftest import UiServer, clean_env, start_ui, wait_for_line

PROJECT = "table"
LRS = [0.01, 0.001, 0.0001]
STEPS = 20


def spec(index: int) -> dict[str, Any]:
    """Run `index`'s name, config, group, tags and final accuracy."""
    lr_index, seed = divmod(index, 3)
    return {"id": f"tab{index:03d}", "name": f"run-{index}", "lr": LRS[lr_index], "seed": seed,
            "optimizer": ["adam", "sgd"][index % 2], "group": "long" if index % 3 == 2 else "short",
            "tags": ["baseline"] if lr_index == 0 else ["tuned"], "acc": round(0.7 + 0.1 * lr_index + 0.03 * seed, 4),
            "failed": index == 8}


RUNS = [spec(i) for i in range(9)]

FILL = f"""
import math
import tracklab as wandb

RUNS, STEPS = {RUNS!r}, {STEPS}

for s in RUNS:
    run = wandb.init(project="{PROJECT}", id=s["id"], name=s["name"], group=s["group"], tags=s["tags"],
                     config={{"lr": s["lr"], "seed": s["seed"], "optimizer": s["optimizer"], "model": {{"layers": 2 + s["seed"]}}}},
                     reinit="finish_previous")
    for step in range(STEPS):
        frac = step / (STEPS - 1)
        wiggle = 0.06 * math.sin(step + 2 * s["seed"]) * (1 - frac)  # runs of a group differ, and end at acc
        wandb.log({{"acc": round(s["acc"] * frac + wiggle, 6), "loss": 1.0 - frac * s["acc"] + s["seed"] * 0.01}})
    run.finish(exit_code=1 if s["failed"] else 0)
"""


def fill(root: Path, code: str, *args: str, timeout: float = 400) -> None:
    """Run `code` (with `args`) in its own interpreter on the TrackLab folder `root`."""
    proc = spawn([sys.executable, "-c", textwrap.dedent(code), *args], cwd=str(root), env=clean_env(root),
                 stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        out, _ = proc.communicate(timeout=timeout)
    finally:
        stop(proc, signal.SIGKILL, timeout=0)
    assert proc.returncode == 0, f"filling the store failed:\n{out}"


@pytest.fixture(scope="module")
def ws_root(tmp_path_factory: pytest.TempPathFactory, template_store: Path) -> Path:
    root = tmp_path_factory.mktemp("workspace") / "tracklab"
    root.mkdir()
    shutil.copyfile(template_store / "mlflow.db", root / "mlflow.db")
    fill(root, FILL)
    return root


@pytest.fixture(scope="module")
def ws_server(ws_root: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[UiServer]:
    port = free_port()
    log = tmp_path_factory.mktemp("workspace-log") / "tracklab-ui.log"
    proc = start_ui(ws_root, port, log)
    try:
        line = wait_for_line(log, "TrackLab UI:", proc)
        yield UiServer(proc, line.split("TrackLab UI:")[1].split()[0], log)
    finally:
        stop(proc, signal.SIGINT, timeout=30)


def open_workspace(page: Any, server: UiServer, project: str = PROJECT, query: str = "", fresh: bool = True) -> None:
    """Open a project's workspace; `fresh`: as a first visit (no table settings kept by this browser)."""
    if fresh:
        page.goto(f"{server.url}/tracklab/")
        page.evaluate("localStorage.clear()")
    page.goto(f"{server.url}/tracklab/workspace?project={project}{query}")
    page.wait_for_selector("body[data-state=ready]", timeout=120_000, state="attached")
    page.wait_for_selector(".runs-table[data-state=ready]", timeout=60_000, state="attached")


def column(page: Any, name: str) -> list[str]:
    """The texts of a column's cells, top to bottom (the rows rendered)."""
    return page.eval_on_selector_all(f".runs-table tr.run-row td[data-column='{name}']",
                                     "cells => cells.map(c => c.textContent.trim())")


# `count` finished runs of project "many", written as run logs and loaded by the writer's own
# sync (what `tracklab sync` does): seconds for hundreds of runs, where init/finish takes one each.
MANY = """
import os, shutil, sys, uuid
from tracklab.backend import location, runlog
from tracklab.backend.run_folder import RunFolder
from tracklab.backend.writer import sync_folder

root = os.environ["TRACKLAB_DIR"]
uri = "sqlite:///" + os.path.join(root, "mlflow.db")
for index in range(int(sys.argv[1])):
    folder = RunFolder.for_run("many", f"m{index:04d}", root)
    folder.create()
    start = 1_764_000_000.0 + index
    header = {"id": f"m{index:04d}", "mlflow_run_id": uuid.uuid4().hex, "project": "many", "entity": "",
              "name": f"many-{index:04d}", "tags": [], "group": None, "job_type": None, "start_time": start,
              "resumed": False, "mode": "online", "files_dir": folder.files_dir}
    rows = [{"score": index + step / 10, "_step": step, "_timestamp": start + step, "_runtime": step} for step in range(2)]
    records = [(runlog.HEADER, header), (runlog.CONFIG, {"index": index, "parity": index % 2})]
    records += [(runlog.HISTORY, row) for row in rows]
    records += [(runlog.SUMMARY, {"score": rows[-1]["score"]}), (runlog.EXIT, {"exit_code": 0, "state": "finished", "time": start + 2})]
    with open(folder.log_path, "w", encoding="utf-8") as handle:
        handle.writelines(kind + runlog.encode(payload) + "\\n" for kind, payload in records)
    assert sync_folder(folder, uri, root) == "synced"
    shutil.rmtree(folder.path)
"""


def fill_many(root: Path, count: int) -> None:
    fill(root, MANY, str(count))
