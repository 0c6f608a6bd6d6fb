"""The workspace on a team server (`tracklab server` on PostgreSQL), in headless Chromium: the
runs table's values, a filter, grouping by a config key, and a panel layout saved in the
server's store, seen by another browser. The runs are logged over http from another "machine"."""

from __future__ import annotations

import json
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests import helpers
from tests.server._postgres import Cluster, available
from tests.server.conftest import TeamServer, machine, start_team_server, stop_team_server
from tests.ui._workspace import FILL, PROJECT, RUNS, column, open_workspace
from tests.ui.conftest import get_json

pytestmark = [pytest.mark.timeout(600), pytest.mark.server, pytest.mark.browser, pytest.mark.slow]


@pytest.fixture(scope="module")
def pg_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TeamServer]:
    if not available():
        pytest.fail("PostgreSQL 15 server binaries or the postgres account are missing: `make setup` installs them")
    cluster = Cluster(settings={"fsync": "off", "synchronous_commit": "off", "full_page_writes": "off"})
    cluster.start()
    try:
        uri = cluster.create_database("tracklab_workspace")
        server = start_team_server(uri, tmp_path_factory.mktemp("team-server"))
        try:
            env = machine(tmp_path_factory.mktemp("trainer"), "trainer", server.url)
            proc = helpers.run([sys.executable, "-c", textwrap.dedent(FILL)], cwd=str(Path(env["HOME"]) / "work"),
                               env=env, capture_output=True, text=True, timeout=400)
            assert proc.returncode == 0, proc.stdout + proc.stderr
            yield server
        finally:
            stop_team_server(server)
    finally:
        cluster.stop()


class _Address:
    """What `open_workspace` needs of a server: its address."""

    def __init__(self, url: str) -> None:
        self.url = url


def test_workspace_table_grouping_and_layout_on_postgres(pg_server: TeamServer, page: Any, browser: Any) -> None:
    rows = {r["id"]: r for r in get_json(f"{pg_server.url}/tracklab/api/runs-table?project={PROJECT}")["runs"]}
    for s in RUNS:
        assert rows[s["id"]]["config"]["lr"] == s["lr"] and rows[s["id"]]["latest"]["acc"] == pytest.approx(s["acc"])
    server = _Address(pg_server.url)
    open_workspace(page, server)
    assert column(page, "name") == [f"run-{i}" for i in reversed(range(9))]
    page.locator("input.runs-filter").fill("lr = 1e-3 and acc > 0.805")
    page.locator("input.runs-filter").press("Enter")
    page.wait_for_function("document.querySelector('.runs-table').dataset.rows === '2'")
    assert sorted(column(page, "name")) == ["run-4", "run-5"]
    page.locator("input.runs-filter").fill("")
    page.locator("input.runs-filter").press("Enter")
    page.select_option("#group-by", "config:lr")
    page.wait_for_function("document.querySelector(\".chart[data-key='acc']\").data.filter(t => t.fill === 'tonexty').length === 3")
    legend = [n for n in page.eval_on_selector(".chart[data-key='acc']", "el => el.data.map(t => t.name)") if n]
    assert legend == ["lr=0.0001 (3 runs)", "lr=0.001 (3 runs)", "lr=0.01 (3 runs)"]

    page.select_option("select.add-kind", "bar")
    page.click("button.add-panel")
    page.wait_for_function("document.querySelector('.layout-status').dataset.state === 'saved'")
    experiment = get_json(f"{pg_server.url}/ajax-api/2.0/mlflow/experiments/get-by-name?experiment_name={PROJECT}")["experiment"]
    layout = json.loads(next(t["value"] for t in experiment["tags"] if t["key"] == "tracklab.workspace.layout"))
    assert layout["panels"][0]["type"] == "bar" and layout["panels"][0]["key"] == "summary.acc"
    other = browser.new_context(viewport={"width": 1400, "height": 1000})
    try:
        fresh = other.new_page()
        open_workspace(fresh, server)
        fresh.wait_for_selector(".board-panel[data-type=bar] .chart[data-state=ready]", state="attached", timeout=60_000)
        bars = fresh.eval_on_selector(".board-panel[data-type=bar] .chart", "el => el.data[0].y.length")
        assert bars == 9
    finally:
        other.close()
