"""Measure how fast `tracklab ui` draws a 1,000,000-step metric (for bench/ and docs/benchmarks.md).

    python bench/bench_ui_chart.py [--steps 1000000] [--repeat 3] [--server]

With `--server`: the same on a `tracklab server` on a throwaway PostgreSQL 15 cluster, the run
logged to it over http (the team server).

Logs one run with that many steps into a fresh TrackLab folder, starts `tracklab ui` on it, and
reports: the server's reduction of the series (first request, then cached), and in headless
Chromium the time from navigation to the first interactive chart (TrackLab's SVG chart, with
hover values and drag-to-zoom, drawn as soon as the data arrives) and to plotly's chart that
replaces it, with a fresh browser profile and with a warm one (as on a second visit). Each page load
is the first to ask for its point count, so the server reduces the series afresh only for the
first one; later loads hit its cache.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.helpers import chromium
from tests.ui.conftest import (
    CHROMIUM_ARGS,
    clean_env,
    free_port,
    start_ui,
    wait_for_line,
)

LOG = """
import math, tracklab as wandb
run = wandb.init(project="long", id="long0001")
for step in range({steps}):
    wandb.log({{"loss": math.sin(step / 5000.0)}})
run.finish()
"""


def _get(url: str) -> tuple[float, dict]:
    started = time.perf_counter()
    with urllib.request.urlopen(url, timeout=300) as response:
        data = json.loads(response.read())
    return time.perf_counter() - started, data


def _draw(browser, url: str, context=None) -> tuple[float, float]:
    """(ms from navigation to the first interactive chart: the SVG chart with hover and zoom, or
    plotly's where plotly.js was already running; ms to plotly's chart)."""
    own = context is None
    context = context or browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.goto(url)
    page.wait_for_selector(".chart[data-key='loss'][data-state=ready]", timeout=120_000)
    marks = page.evaluate("performance.getEntriesByName('tracklab:loss:interactive').map(m => m.startTime)")
    result = min(marks), max(marks)
    page.close()
    if own:
        context.close()
    return result


@contextlib.contextmanager
def _local_ui(tmp: Path, steps: int) -> Iterator[str]:
    """`tracklab ui` on a fresh local store holding the run; yields its address."""
    root = tmp / "tracklab"
    root.mkdir()
    _log(steps, clean_env(root), root)
    port = free_port()
    proc = start_ui(root, port, tmp / "ui.log")
    try:
        line = wait_for_line(tmp / "ui.log", "TrackLab UI:", proc)
        yield line.split("TrackLab UI:")[1].split()[0]
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(60)


@contextlib.contextmanager
def _team_server(tmp: Path, steps: int) -> Iterator[str]:
    """A `tracklab server` on a throwaway PostgreSQL 15 cluster, the run logged to it over http
    from a machine of its own; yields the server's address."""
    from tests.server._postgres import Cluster
    from tests.server.conftest import machine, start_team_server, stop_team_server

    with Cluster() as cluster:
        folder = tmp / "server"
        folder.mkdir()
        server = start_team_server(cluster.create_database("ui_bench"), folder)
        try:
            env = machine(tmp, "trainer", server.url)
            _log(steps, env, Path(env["HOME"]) / "work")
            yield server.url
        finally:
            stop_team_server(server)


def _log(steps: int, env: dict[str, str], cwd: Path) -> None:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", LOG.format(steps=steps)], env=env, check=True, cwd=cwd,
                   stdout=subprocess.DEVNULL)
    print(f"logged {steps:,} steps in {time.perf_counter() - started:.1f}s")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--steps", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--server", action="store_true",
                        help="measure a `tracklab server` on PostgreSQL (the team server) instead of `tracklab ui`")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    tmp = Path(tempfile.mkdtemp(prefix="tracklab-measure-"))
    serve = _team_server if args.server else _local_ui
    print("on a tracklab server (PostgreSQL)" if args.server else "on tracklab ui (local store)")
    try:
        with serve(tmp, args.steps) as base:
            _, runs = _get(f"{base}/tracklab/api/runs?project=long")
            run = runs["runs"][0]["run_uuid"]
            series = f"{base}/tracklab/api/series?runs={run}&key=loss&points=1000"
            cold, data = _get(series)
            warm, _ = _get(series)
            print(f"server: {data['series'][0]['total']:,} points -> {len(data['series'][0]['x']):,}: "
                  f"{cold * 1000:.0f} ms first request, {warm * 1000:.0f} ms cached")
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=chromium(), args=CHROMIUM_ARGS)
                page_url = f"{base}/tracklab/workspace?project=long"
                for attempt in range(args.repeat):
                    drawn, interactive = _draw(browser, page_url)
                    print(f"fresh profile #{attempt + 1}: chart interactive {drawn:.0f} ms after navigation, "
                          f"plotly's chart at {interactive:.0f} ms")
                context = browser.new_context(viewport={"width": 1400, "height": 1000})
                _draw(browser, page_url, context)
                for attempt in range(args.repeat):
                    drawn, interactive = _draw(browser, page_url, context)
                    print(f"warm profile #{attempt + 1}: chart interactive {drawn:.0f} ms after navigation, "
                          f"plotly's chart at {interactive:.0f} ms")
                browser.close()
        print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
