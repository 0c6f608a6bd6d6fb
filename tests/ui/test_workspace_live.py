"""Live updates in headless Chromium: a run that is still logging shows its new points and its
summary in the chart and the runs table without a reload, and polling stops once it finishes."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import spawn, stop, wait_until
from tests.ui._workspace import open_workspace, ws_root, ws_server  # noqa: F401 - fixtures
from tests.ui.conftest import clean_env

pytestmark = [pytest.mark.timeout(400), pytest.mark.server, pytest.mark.browser]

# Logs 5 steps, then 5 more once `go1` exists, then finishes once `go2` exists.
LIVE = """
import os, time
import tracklab as wandb

def wait_for(name):
    while not os.path.exists(name):
        time.sleep(0.05)

run = wandb.init(project="live", id="live0001", name="live-run", config={"lr": 0.1})
for step in range(5):
    wandb.log({"loss": 1.0 / (step + 1)})
wait_for("go1")
for step in range(5, 10):
    wandb.log({"loss": 1.0 / (step + 1)})
wait_for("go2")
run.finish()
print("finished", flush=True)
"""

CHART = ".chart[data-key='loss']"


@pytest.fixture
def live_run(ws_root: Path) -> Any:
    proc = spawn([sys.executable, "-c", textwrap.dedent(LIVE)], cwd=str(ws_root), env=clean_env(ws_root),
                 stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    yield proc
    stop(proc, __import__("signal").SIGKILL, timeout=0)


def _stored_steps(server: Any) -> int:
    projects = [p["name"] for p in server.api("projects")["projects"]]
    if "live" not in projects:
        return 0
    runs = server.api("runs-table", project="live")["runs"]
    if not runs or "loss" not in runs[0]["metrics"]:
        return 0
    series = server.api("series", runs=runs[0]["run_uuid"], key="loss")["series"]
    return len(series[0]["x"]) if series else 0


def test_running_run_updates_without_reload_and_polling_stops(ws_server, ws_root, live_run, page):
    wait_until(lambda: _stored_steps(ws_server) == 5, timeout=120, interval=0.3, what="the live run's first 5 steps")
    open_workspace(page, ws_server, project="live", query="&poll=300")
    page.wait_for_selector(f"{CHART}[data-state=ready]", timeout=60_000, state="attached")
    assert page.get_attribute(CHART, "data-points") == "5"
    assert page.get_attribute("body", "data-live") == "on"
    assert page.inner_text(".runs-table td[data-column='state']") == "running"
    page.evaluate("window.__same_page = true")

    (ws_root / "go1").touch()
    page.wait_for_function(f"document.querySelector(\"{CHART}\").dataset.points === '10'", timeout=120_000)
    ys = page.eval_on_selector(CHART, "el => el.data[0].y")
    assert ys == pytest.approx([1.0 / (s + 1) for s in range(10)])
    page.wait_for_function("document.querySelector(\".runs-table td[data-column='summary.loss']\").textContent === '0.1'",
                           timeout=60_000)

    (ws_root / "go2").touch()
    assert live_run.stdout.readline().strip() == "finished"
    page.wait_for_function("document.body.dataset.live === 'stopped'", timeout=120_000)
    assert page.inner_text(".runs-table td[data-column='state']") == "finished"
    assert page.evaluate("window.__same_page") is True  # never reloaded
    assert page.evaluate("window.tracklab.live.timer") is None
