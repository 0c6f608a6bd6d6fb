"""The run page (`/tracklab/run.html?run=<id>`) in headless Chromium, on a real `tracklab ui`
over a store filled by real TrackLab runs: what a person sees in its overview, charts, media,
system metrics, console log (tailed while the run is live), files and artifact lineage, and the
links between it and MLflow's own run page."""

from __future__ import annotations

import shutil
import signal
import socket
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import free_port, spawn, stop
from tests.ui._run_page import (CHATTY, FAILING, LIVE, MAIN, NO_META, PRODUCER, PROJECT, cell, dirty_work_tree, field,
                                open_page, tab)
from tests.ui.conftest import clean_env, get_json, start_ui, wait_for_line

pytestmark = [pytest.mark.timeout(400), pytest.mark.server, pytest.mark.browser]


class RunStore:
    """The module's TrackLab folder, the git commit its runs were started from, its live run."""

    def __init__(self, root: Path, work: Path, commit: str, live: subprocess.Popen) -> None:
        self.root = root
        self.work = work
        self.commit = commit
        self.live = live


def _python(code: str, root: Path, cwd: Path, log: Path) -> subprocess.Popen:
    with log.open("w") as output:
        return spawn([sys.executable, "-c", textwrap.dedent(code)], cwd=str(cwd), env=clean_env(root),
                     stdout=output, stderr=subprocess.STDOUT)


def _finish(proc: subprocess.Popen, log: Path, name: str) -> None:
    proc.wait(240)
    assert proc.returncode == 0, f"{name} failed:\n{log.read_text()}"


@pytest.fixture(scope="module")
def run_store(tmp_path_factory: pytest.TempPathFactory, template_store: Path) -> Iterator[RunStore]:
    base = tmp_path_factory.mktemp("runpage")
    root = base / "tracklab"
    root.mkdir()
    shutil.copyfile(template_store / "mlflow.db", root / "mlflow.db")
    work = base / "project"  # a git repository with an uncommitted change: the runs' git state
    commit = dirty_work_tree(work)
    live = _python(LIVE, root, work, base / "live.log")
    try:
        scripts = (("producer", PRODUCER), ("main run", MAIN), ("no-meta run", NO_META), ("chatty run", CHATTY))
        for name, code in scripts:
            _finish(_python(code, root, work, base / f"{name}.log"), base / f"{name}.log", name)
        failing = _python(FAILING, root, work, base / "failing.log")
        assert failing.wait(240) == 1, (base / "failing.log").read_text()
        yield RunStore(root, work, commit, live)
    finally:
        stop(live, signal.SIGKILL, timeout=0)


class Server:
    def __init__(self, url: str) -> None:
        self.url = url

    def api(self, route: str, **query: Any) -> Any:
        from urllib.parse import urlencode

        return get_json(f"{self.url}/tracklab/api/{route}?{urlencode(query)}")

    def run_uuid(self, wandb_id: str) -> str:
        runs = self.api("runs", project=PROJECT)["runs"]
        return next(r["run_uuid"] for r in runs if r["id"] == wandb_id)

    def page_url(self, wandb_id: str) -> str:
        return f"{self.url}/tracklab/run.html?run={self.run_uuid(wandb_id)}"


@pytest.fixture(scope="module")
def server(run_store: RunStore, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    log = tmp_path_factory.mktemp("runpage-ui") / "ui.log"
    proc = start_ui(run_store.root, free_port(), log)
    try:
        line = wait_for_line(log, "TrackLab UI:", proc)
        yield Server(line.split("TrackLab UI:")[1].split()[0])
    finally:
        stop(proc, signal.SIGINT, timeout=30)


# -- what a person sees -------------------------------------------------------------------------
def test_overview_shows_state_host_git_config_and_summary(server, run_store, page):
    open_page(page, server.page_url("main0001"))
    assert field(page, "state") == "finished"
    assert field(page, "host") == socket.gethostname()
    git = field(page, "git")
    assert run_store.commit in git and "uncommitted changes" in git
    assert field(page, "python").startswith("CPython 3.")
    assert field(page, "command").startswith("python ")
    assert field(page, "group") == "sweep-a" and "baseline" in field(page, "tags")
    assert field(page, "runtime").endswith("s")
    assert cell(page, "config", "lr") == "0.001" and cell(page, "config", "arch") == "resnet"
    assert cell(page, "config", "optimizer.name") == "adam"
    assert cell(page, "config", "note") == '<img src=x onerror="window.__xss=1">'  # shown as text, never run
    assert page.evaluate("window.__xss") is None
    assert cell(page, "summary", "best_acc") == "0.93" and cell(page, "summary", "loss") == "0.04"
    assert cell(page, "summary", "samples") == "[image-file]"
    assert page.locator("#run-notice").count() == 0  # a finished run with every file: nothing to warn about
    assert page.inner_text("#run-title") == "runpage / resnet-main"
    page.shot("run-page-overview")


def test_charts_media_and_system_metrics(server, page):
    open_page(page, server.page_url("main0001"))
    assert not page.locator("#tab-charts").is_visible()  # the overview first
    tab(page, "charts")
    chart = page.wait_for_selector("#tab-charts .chart[data-key='loss'][data-state=ready]", timeout=60_000)
    assert chart.get_attribute("data-points") == "25" and chart.get_attribute("data-runs") == "1"
    ys = page.eval_on_selector("#tab-charts .chart[data-key='loss']", "el => el.data[0].y")
    assert ys[0] == 1.0 and ys[-1] == pytest.approx(1 / 25)
    panel = page.locator("#tab-charts .media-panel[data-key='samples']")
    panel.wait_for()
    page.wait_for_selector("#tab-charts .media-panel[data-key='samples'][data-state=ready]")
    assert panel.get_attribute("data-step") == "20" and panel.locator("img").count() == 1
    tab(page, "system")
    system = page.locator("#tab-system .chart[data-key='system/cpu_utilization_percentage']")
    system.scroll_into_view_if_needed()
    page.wait_for_selector("#tab-system .chart[data-key='system/cpu_utilization_percentage'][data-state=ready]",
                           timeout=60_000)
    assert int(system.get_attribute("data-points")) >= 3
    tab(page, "charts")
    page.shot("run-page-charts")


def test_console_log_files_and_artifacts(server, page, tmp_path):
    open_page(page, server.page_url("main0001"))
    tab(page, "logs")
    log = page.locator("#console-log")
    page.wait_for_function("() => document.querySelector('#console-log').dataset.lines !== '0'")
    text = log.inner_text()
    assert "epoch 0 loss 1.0000" in text and "epoch 24 loss 0.0400" in text
    assert "training done" in text and "\x1b" not in text  # colour codes stripped
    assert "saving 100%" in text and "saving 60%" not in text  # a line rewritten with \r: its last form
    page.fill("#tab-logs input.log-filter", "epoch 2")
    assert log.inner_text().splitlines() == [f"epoch {n} loss {1 / (n + 1):.4f}" for n in (2, 20, 21, 22, 23, 24)]
    page.fill("#tab-logs input.log-filter", "")
    assert "training done" in log.inner_text()
    assert get_json_text(page.get_attribute("#console-raw", "href")).startswith("epoch 0 loss 1.0000")
    tab(page, "files")
    files = page.locator("#files-table tr[data-path]")
    paths = [files.nth(i).get_attribute("data-path") for i in range(files.count())]
    assert {"output.log", "wandb-metadata.json", "config.yaml", "wandb-summary.json"} <= set(paths)
    assert page.inner_text(".run-nav a[data-tab='files']") == f"Files ({len(paths)})"
    assert page.inner_text(".run-nav a[data-tab='artifacts']") == "Artifacts (2)"
    href = page.get_attribute("#files-table tr[data-path='config.yaml'] a", "href")
    assert "lr:" in get_json_text(href)
    # Folders first, closed, with their file count; a click opens one level.
    images = sorted(p for p in paths if p.startswith("media/images/"))
    assert images and page.is_visible("#files-table tr[data-folder='media/']")
    assert f"media/ ({len([p for p in paths if p.startswith('media/')])} files)" in page.inner_text(
        "#files-table tr[data-folder='media/']")
    image_row = f"#files-table tr[data-path='{images[0]}']"
    assert not page.is_visible("#files-table tr[data-folder='media/images/']") and not page.is_visible(image_row)
    page.click("#files-table tr[data-folder='media/'] button.expand")
    assert page.is_visible("#files-table tr[data-folder='media/images/']") and not page.is_visible(image_row)
    page.click("#files-table tr[data-folder='media/images/'] button.expand")
    assert page.is_visible(image_row)
    assert page.inner_text(f"{image_row} td:first-child").strip() == images[0].rsplit("/", 1)[1]
    page.click("#files-table tr[data-folder='media/'] button.expand")  # closing closes what is inside
    assert not page.is_visible("#files-table tr[data-folder='media/images/']") and not page.is_visible(image_row)
    tab(page, "artifacts")
    assert page.locator("#artifacts-used li").all_inner_texts()[0].startswith("corpus:v0")
    assert page.locator("#artifacts-logged li[data-artifact='resnet-weights:v0']").count() == 1
    page.locator("#artifacts-used a", has_text="corpus:v0").click()
    page.wait_for_selector("body[data-state=ready]", timeout=60_000)
    assert "/tracklab/artifacts" in page.url and "name=corpus" in page.url
    page.go_back()
    page.wait_for_selector("body[data-tab=artifacts]", timeout=60_000, state="attached")


def get_json_text(url: str) -> str:
    import urllib.request

    with urllib.request.urlopen(url, timeout=60) as response:
        return response.read().decode()


def test_a_run_without_its_metadata_says_what_is_missing(server, page):
    open_page(page, server.page_url("nometa01"))
    notice = page.locator("#run-notice")
    text = notice.inner_text()
    assert "wandb-metadata.json" in text and "host, command, Python and git are unknown" in text
    assert page.locator("#run-info tr[data-field='host']").count() == 0
    assert field(page, "state") == "finished"


def test_a_run_that_failed_shows_what_it_stored_and_says_so(server, page):
    open_page(page, server.page_url("broken01"))
    assert field(page, "state") == "failed"
    assert "This run failed: the page shows what was stored before it stopped." in page.inner_text("#run-notice")
    assert cell(page, "summary", "loss") == "2"
    tab(page, "logs")
    page.wait_for_function("() => document.querySelector('#console-log').innerText.includes('about to fail')")
    assert "RuntimeError: boom" in page.inner_text("#console-log")  # the traceback, as the terminal showed it
    tab(page, "charts")
    chart = page.wait_for_selector("#tab-charts .chart[data-key='loss'][data-state=ready]", timeout=60_000)
    assert chart.get_attribute("data-points") == "3"


def test_live_run_tails_its_console_and_charts_without_reload(server, run_store, page):
    live = server.run_uuid("live0001")
    open_page(page, f"{server.url}/tracklab/run.html?run={live}#charts")
    assert page.locator("#tab-charts").is_visible()  # the tab the address names
    assert "still running" in page.inner_text("#run-notice")
    chart = "document.querySelector(\"#tab-charts .chart[data-key='loss']\")"
    page.wait_for_function(f"() => {chart} && {chart}.dataset.points === '5'", timeout=120_000)
    frame = "document.querySelector(\"#tab-charts .media-panel[data-key='frame']\")"
    page.wait_for_function(f"() => {frame} && {frame}.dataset.step === '0'", timeout=120_000)
    tab(page, "logs")
    page.wait_for_function("() => document.querySelector('#console-log').innerText.includes('first part printed')",
                           timeout=120_000)
    navigations = page.evaluate("performance.getEntriesByType('navigation').length")
    (run_store.work / "go").write_text("")
    page.wait_for_function("() => document.querySelector('#console-log').innerText"
                           ".includes('second part printed after go')", timeout=120_000)
    tab(page, "charts")
    page.wait_for_function(f"() => {chart}.dataset.points === '12'", timeout=120_000)
    page.wait_for_function(f"() => {frame}.dataset.step === '5'", timeout=120_000)  # the new frame, no reload
    tab(page, "overview")
    assert field(page, "state") == "running"
    (run_store.work / "stop").write_text("")
    page.wait_for_function("() => document.body.dataset.live === 'false'", timeout=120_000)
    assert field(page, "state") == "finished" and page.locator("#run-notice").count() == 0
    assert page.evaluate("performance.getEntriesByType('navigation').length") == navigations  # no reload
    assert run_store.live.wait(60) == 0


def test_links_to_mlflow_run_page_and_back(server, page):
    run = next(r for r in server.api("runs", project=PROJECT)["runs"] if r["id"] == "main0001")
    open_page(page, server.page_url("main0001"))
    mlflow = f"{server.url}/#/experiments/{run['experiment_id']}/runs/{run['run_uuid']}"
    assert page.get_attribute("#open-in-mlflow", "href") == mlflow
    page.click("#open-in-mlflow")
    page.get_by_text("resnet-main").first.wait_for(timeout=90_000)
    link = page.locator("#tracklab-run-link")
    link.wait_for(timeout=60_000)
    assert link.get_attribute("href") == f"{server.url}/tracklab/run.html?run={run['run_uuid']}"
    assert link.inner_text() == "TrackLab run page \u2197"
    link.click()
    page.wait_for_selector("body[data-state=ready]", timeout=60_000)
    assert page.url == f"{server.url}/tracklab/run.html?run={run['run_uuid']}"
    assert field(page, "state") == "finished"
    page.goto(f"{server.url}/#/experiments/{run['experiment_id']}")
    page.get_by_text("resnet-main").first.wait_for(timeout=90_000)
    assert not page.locator("#tracklab-run-link").is_visible()  # an experiment page: no run to link to


def test_log_route_tails_by_offset_and_refuses_bad_offsets(server):
    uuid = server.run_uuid("main0001")
    first = server.api("run/log", run=uuid)
    assert first["stored"] and first["start"] == 0 and first["next"] == first["size"] > 0
    middle = first["text"].index("epoch 24")
    offset = len(first["text"][:middle].encode())
    tail = server.api("run/log", run=uuid, offset=offset)
    assert tail["text"].startswith("epoch 24 loss") and tail["next"] == first["size"]
    assert server.api("run/log", run=uuid, offset=first["size"])["text"] == ""
    import urllib.error

    with pytest.raises(urllib.error.HTTPError) as bad:
        server.api("run/log", run=uuid, offset="-3")
    assert bad.value.code == 400 and "offset must be a byte offset" in bad.value.read().decode()
    with pytest.raises(urllib.error.HTTPError) as missing:
        server.api("run/overview", run="0" * 32)
    assert missing.value.code == 404


def test_a_long_log_opens_on_its_last_lines(server, page):
    uuid = server.run_uuid("chatty01")
    first = server.api("run/log", run=uuid)
    assert first["cut"] and first["size"] > 256 * 1024 and first["next"] == first["size"]
    assert first["text"].startswith("line ") and "\ufffd" not in first["text"]  # a whole line, whole characters
    assert first["text"].rstrip().endswith("line 03999 " + "früh übung ñandú " * 4 + "früh übung ñandú")
    open_page(page, server.page_url("chatty01") + "#logs")
    page.wait_for_function("() => document.querySelector('#console-log').innerText.includes('line 03999')")
    assert "The start of this long log is not shown." in page.inner_text("#console-status")
    assert "line 00000" not in page.inner_text("#console-log")
