"""Live updates in headless Chromium: a run that is still logging shows its new points and its
summary in the chart and the runs table without a reload, and polling stops once it finishes; a
run started after the page opened appears in the table and the charts, also without a reload."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import urllib.error
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import spawn, stop, wait_until
from tests.ui._workspace import fill, open_workspace, ws_root, ws_server  # noqa: F401 - fixtures
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


def _x_range(page: Any) -> list[float]:
    return page.eval_on_selector(CHART, "el => el._fullLayout.xaxis.range.slice()")


def _drag_zoom(page: Any) -> list[float]:
    """Zoom the chart's x axis with the mouse, as a person does; returns the new range."""
    page.wait_for_function(f"window.Plotly && document.querySelector(\"{CHART} .nsewdrag\")", timeout=60_000)
    before = _x_range(page)
    box = page.locator(f"{CHART} .nsewdrag").bounding_box()
    page.mouse.move(box["x"] + box["width"] * 0.2, box["y"] + box["height"] * 0.5)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] * 0.6, box["y"] + box["height"] * 0.5, steps=5)
    page.mouse.up()
    page.wait_for_function(f"document.querySelector(\"{CHART}\")._fullLayout.xaxis.range[0] !== {before[0]}",
                           timeout=30_000)
    zoomed = _x_range(page)
    assert before[0] < zoomed[0] < zoomed[1] < before[1]
    return zoomed


def test_running_run_updates_without_reload_and_polling_stops(ws_server, ws_root, live_run, page):
    wait_until(lambda: _stored_steps(ws_server) == 5, timeout=120, interval=0.3, what="the live run's first 5 steps")
    open_workspace(page, ws_server, project="live", query="&poll=300")
    page.wait_for_selector(f"{CHART}[data-state=ready]", timeout=60_000, state="attached")
    assert page.get_attribute(CHART, "data-points") == "5"
    assert page.get_attribute("body", "data-live") == "on"
    assert page.inner_text(".runs-table td[data-column='state']") == "running"
    page.evaluate("window.__same_page = true")
    zoomed = _drag_zoom(page)

    (ws_root / "go1").touch()
    page.wait_for_function(f"document.querySelector(\"{CHART}\").dataset.points === '10'", timeout=120_000)
    ys = page.eval_on_selector(CHART, "el => el.data[0].y")
    assert ys == pytest.approx([1.0 / (s + 1) for s in range(10)])
    assert _x_range(page) == zoomed  # the new points did not undo the person's zoom
    page.wait_for_function("document.querySelector(\".runs-table td[data-column='summary.loss']\").textContent === '0.1'",
                           timeout=60_000)

    (ws_root / "go2").touch()
    assert live_run.stdout.readline().strip() == "finished"
    page.wait_for_function("document.body.dataset.live === 'stopped'", timeout=120_000)
    assert page.inner_text(".runs-table td[data-column='state']") == "finished"
    assert page.evaluate("window.__same_page") is True  # never reloaded
    assert page.evaluate("window.tracklab.live.timer") is None


# A finished run, then (once the page is open) a second one that logs 3 steps and waits for `go`.
FIRST = """
import tracklab as wandb
with wandb.init(project="arrivals", id="early001", name="early") as run:
    for step in range(4):
        wandb.log({"loss": 2.0 / (step + 1)})
"""

LATER = """
import os, time
import tracklab as wandb
run = wandb.init(project="arrivals", id="later001", name="later", config={"lr": 0.5})
for step in range(3):
    wandb.log({"loss": 1.0 / (step + 1), "extra": step})
while not os.path.exists("go"):
    time.sleep(0.05)
run.finish()
print("finished", flush=True)
"""


def test_a_run_started_after_the_page_opened_appears_without_reload(ws_server, ws_root, page):
    fill(ws_root, FIRST)
    open_workspace(page, ws_server, project="arrivals", query="&poll=300")
    page.wait_for_selector(f"{CHART}[data-state=ready]", timeout=60_000, state="attached")
    assert page.get_attribute(CHART, "data-runs") == "1"
    assert page.get_attribute("body", "data-live") == "stopped"  # nothing runs: no run is re-read
    page.evaluate("window.__same_page = true")

    later = spawn([sys.executable, "-c", textwrap.dedent(LATER)], cwd=str(ws_root), env=clean_env(ws_root),
                  stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        page.wait_for_function("document.querySelector('.runs-table').dataset.rows === '2'", timeout=120_000)
        assert page.inner_text(".runs-toolbar h2") == "Runs (2)"
        # newest first: the new run's row is on top, running, with its config
        assert page.inner_text(".runs-table tbody tr:not(.spacer) td[data-column='name']") == "later"
        assert page.inner_text(".runs-table tbody tr:not(.spacer) td[data-column='state']") == "running"
        assert page.get_attribute("body", "data-live") == "on"  # it is now re-read as it logs
        page.wait_for_function(f"document.querySelector(\"{CHART}\").dataset.runs === '2'", timeout=120_000)
        # its 3 steps are drawn beside the first run's 4, and its new key gets a chart
        page.wait_for_function(f"document.querySelector(\"{CHART}\").data.some((t) => t.y.length === 3)",
                               timeout=60_000)
        page.wait_for_selector(".chart[data-key='extra']", timeout=60_000, state="attached")

        (ws_root / "go").touch()
        assert later.stdout.readline().strip() == "finished"
        page.wait_for_function("document.body.dataset.live === 'stopped'", timeout=120_000)
        assert page.inner_text(".runs-table tbody tr:not(.spacer) td[data-column='state']") == "finished"
        assert page.evaluate("window.__same_page") is True  # never reloaded
    finally:
        stop(later, __import__("signal").SIGKILL, timeout=0)

    # The route the page asks: only the runs started at or after the given time.
    early = ws_server.api("runs-table", project="arrivals", runs=page.evaluate(
        "window.tracklab.runs.find((r) => r.name === 'early').run_uuid"))["runs"][0]
    newer = ws_server.api("runs-table", project="arrivals", after=early["start_time"] + 1)["runs"]
    assert [r["name"] for r in newer] == ["later"] and newer[0]["config"] == {"lr": 0.5}
    both = ws_server.api("runs-table", project="arrivals", after=early["start_time"])["runs"]
    assert [r["name"] for r in both] == ["early", "later"]  # oldest first
    assert ws_server.api("runs-table", project="arrivals", after=newer[0]["start_time"] + 1)["runs"] == []
    with pytest.raises(urllib.error.HTTPError) as bad:
        ws_server.api("runs-table", project="arrivals", after="yesterday")
    assert bad.value.code == 400
    assert json.loads(bad.value.read())["error"] == (
        "query parameter 'after' is 'yesterday'; rule: a start time in epoch milliseconds (an integer)")
