"""The run page on the team server: `tracklab server` on PostgreSQL, the run page's runs logged
over http from another "machine" (which keeps no store of its own), the page in headless Chromium."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests import helpers
from tests.helpers import spawn, stop
from tests.server.conftest import TeamServer, machine
from tests.ui._run_page import LIVE, MAIN, PRODUCER, PROJECT, cell, dirty_work_tree, field, open_page, tab
from tests.ui.conftest import browser, browser_context, get_json, page, requests_seen  # noqa: F401 - fixtures

pytestmark = [pytest.mark.server, pytest.mark.browser, pytest.mark.slow, pytest.mark.timeout(400)]


class Trainer:
    """The "machine" that logged the runs: its work tree (a git repository), commit, live run."""

    def __init__(self, work: Path, commit: str, live: subprocess.Popen) -> None:
        self.work = work
        self.commit = commit
        self.live = live


@pytest.fixture(scope="module")
def trainer(team_server: TeamServer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Trainer]:
    env = machine(tmp_path_factory.mktemp("runpage-trainer"), "trainer", team_server.url)
    work = Path(env["HOME"]) / "work"
    commit = dirty_work_tree(work)
    with (work / "live.log").open("w") as out:
        live = spawn([sys.executable, "-c", textwrap.dedent(LIVE)], cwd=str(work), env=env, stdout=out,
                     stderr=subprocess.STDOUT)
    try:
        done = helpers.run([sys.executable, "-c", textwrap.dedent(PRODUCER + MAIN)], cwd=str(work), env=env,
                           capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stdout + done.stderr
        assert not (Path(env["TRACKLAB_DIR"]) / "mlflow.db").exists()  # everything went to the server
        yield Trainer(work, commit, live)
    finally:
        stop(live, signal.SIGKILL, timeout=0)


def _run_url(server: TeamServer, wandb_id: str) -> str:
    runs = get_json(f"{server.url}/tracklab/api/runs?project={PROJECT}")["runs"]
    return f"{server.url}/tracklab/run.html?run={next(r['run_uuid'] for r in runs if r['id'] == wandb_id)}"


def test_run_page_on_postgresql(team_server: TeamServer, trainer: Trainer, page: Any) -> None:
    open_page(page, _run_url(team_server, "main0001"))
    assert field(page, "state") == "finished" and field(page, "host") == socket.gethostname()
    assert trainer.commit in field(page, "git") and "uncommitted changes" in field(page, "git")
    assert cell(page, "config", "optimizer.name") == "adam" and cell(page, "summary", "loss") == "0.04"
    tab(page, "charts")
    chart = page.wait_for_selector("#tab-charts .chart[data-key='loss'][data-state=ready]", timeout=90_000)
    assert chart.get_attribute("data-points") == "25"
    tab(page, "logs")
    page.wait_for_function("() => document.querySelector('#console-log').innerText.includes('epoch 24 loss 0.0400')")
    tab(page, "files")
    assert page.locator("#files-table tr[data-path='wandb-metadata.json']").count() == 1
    tab(page, "artifacts")
    assert page.locator("#artifacts-used li[data-artifact='corpus:v0']").count() == 1
    assert page.locator("#artifacts-logged li[data-artifact='resnet-weights:v0']").count() == 1


def test_live_run_tails_on_postgresql(team_server: TeamServer, trainer: Trainer, page: Any) -> None:
    open_page(page, _run_url(team_server, "live0001") + "#logs")
    page.wait_for_function("() => document.querySelector('#console-log').innerText.includes('first part printed')",
                           timeout=120_000)
    (trainer.work / "go").write_text("")
    page.wait_for_function("() => document.querySelector('#console-log').innerText"
                           ".includes('second part printed after go')", timeout=120_000)
    (trainer.work / "stop").write_text("")
    page.wait_for_function("() => document.body.dataset.live === 'false'", timeout=120_000)
    tab(page, "overview")
    assert field(page, "state") == "finished"
    assert trainer.live.wait(60) == 0
