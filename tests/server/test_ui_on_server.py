"""The UI on the team server: the panels, workspace, sweep and artifact views served by
`tracklab server` on PostgreSQL, in headless Chromium, on runs logged from another "machine"
over http (that machine keeps no store of its own)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests import helpers
from tests.server.conftest import TeamServer, machine
from tests.ui.conftest import CHROMIUM_ARGS, get_json

pytestmark = [pytest.mark.server, pytest.mark.browser, pytest.mark.slow]

STEPS = 60
FILL = f"""
import os
import tracklab as wandb

for index, (name, group) in enumerate([("alpha", "A"), ("beta", "A"), ("gamma", "B")]):
    run = wandb.init(project="team-compare", id=f"cmp{{index}}", name=name, group=group,
                     config={{"width": 8 * (index + 1)}}, reinit="finish_previous")
    for step in range({STEPS}):
        wandb.log({{"loss": (index + 1) / (step + 1), "acc": step / {STEPS}}})
    run.finish()

os.makedirs("data", exist_ok=True)
for index, text in enumerate(["first", "second"]):
    with open("data/readme.txt", "w") as handle:
        handle.write(text)
    run = wandb.init(project="team-vision", id=f"producer{{index}}", name=f"producer-{{index}}", reinit="finish_previous")
    art = wandb.Artifact("digits", type="dataset", metadata={{"rows": index + 1}})
    art.add_dir("data")
    run.log_artifact(art, aliases=["best"] if index == 0 else None)
    run.finish()
run = wandb.init(project="team-vision", id="consumer0", name="consumer", reinit="finish_previous")
run.use_artifact("digits:best")
run.finish()

def train():
    run = wandb.init()
    for step in range(3):
        wandb.log({{"val_loss": run.config.lr * 100 + run.config.layers + step}})

sweep_id = wandb.sweep({{"method": "grid", "metric": {{"name": "val_loss", "goal": "minimize"}},
                        "parameters": {{"lr": {{"values": [0.01, 0.02]}}, "layers": {{"values": [1, 2]}}}}}},
                       project="team-tune")
wandb.agent(sweep_id, function=train)
print("SWEEP", sweep_id)
"""


@pytest.fixture(scope="module")
def filled(team_server: TeamServer, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    env = machine(tmp_path_factory.mktemp("trainer"), "trainer", team_server.url)
    proc = helpers.run([sys.executable, "-c", textwrap.dedent(FILL)], cwd=str(Path(env["HOME"]) / "work"), env=env,
                       capture_output=True, text=True, timeout=400)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    sweep_id = next(line.split()[1] for line in proc.stdout.splitlines() if line.startswith("SWEEP "))
    assert not (Path(env["TRACKLAB_DIR"]) / "mlflow.db").exists()  # everything went to the server
    return {"sweep_id": sweep_id}


@pytest.fixture(scope="module")
def browser_context() -> Iterator[Any]:
    import playwright.sync_api as playwright

    with playwright.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=helpers.chromium(), args=CHROMIUM_ARGS)
        context = chromium.new_context(viewport={"width": 1400, "height": 1000})
        yield context
        context.close()
        chromium.close()


@pytest.fixture
def page(browser_context: Any, tmp_path: Path) -> Iterator[Any]:
    """A new page; JavaScript errors fail the test; a screenshot of the end state in tmp_path."""
    page = browser_context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    yield page
    page.screenshot(path=str(tmp_path / "end.png"), full_page=True)
    page.close()
    assert not errors, f"JavaScript errors: {errors}"


def _ready(page: Any, selector: str) -> Any:
    return page.wait_for_selector(selector, timeout=90_000, state="attached")


def _runs(server: TeamServer, project: str) -> dict[str, dict[str, Any]]:
    return {r["id"]: r for r in get_json(f"{server.url}/tracklab/api/runs?project={project}")["runs"]}


def test_home_lists_the_servers_projects(team_server: TeamServer, filled: dict[str, str], page: Any) -> None:
    page.goto(f"{team_server.url}/tracklab/")
    _ready(page, "body[data-state=ready]")
    names = page.eval_on_selector_all("tr[data-project]", "rows => rows.map(r => r.dataset.project)")
    assert {"team-compare", "team-vision", "team-tune"} <= set(names)


def test_workspace_charts_the_runs_values_with_their_legend(team_server: TeamServer, filled: dict[str, str],
                                                           page: Any) -> None:
    page.goto(f"{team_server.url}/tracklab/workspace?project=team-compare")
    chart = _ready(page, ".chart[data-key='loss'][data-state=ready]")
    assert chart.get_attribute("data-runs") == "3" and chart.get_attribute("data-points") == str(3 * STEPS)
    traces = page.eval_on_selector(".chart[data-key='loss']", "el => el.data.map(t => ({name: t.name, "
                                   "x: Array.from(t.x), y: Array.from(t.y), color: t.line && t.line.color}))")
    by_name = {t["name"]: t for t in traces}
    assert set(by_name) == {"alpha", "beta", "gamma"}  # the legend's entries
    assert page.eval_on_selector(".chart[data-key='loss']", "el => el._fullLayout.showlegend") is True
    for index, name in enumerate(["alpha", "beta", "gamma"]):
        assert by_name[name]["x"] == list(range(STEPS))
        assert by_name[name]["y"] == pytest.approx([(index + 1) / (step + 1) for step in range(STEPS)])
    assert len({t["color"] for t in traces}) == 3
    assert page.locator(".run-row .name", has_text="gamma").count() == 1
    marks = dict(page.evaluate("performance.getEntriesByType('mark').map(m => [m.name, m.startTime])"))
    drawn = marks.get("tracklab:loss:preview", marks.get("tracklab:loss:interactive"))
    print(f"server workspace, 3 runs x {STEPS} steps: loss chart drawn {drawn:.0f} ms after navigation "
          f"(load {os.getloadavg()[0]:.1f})")
    page.select_option("#group-by", "group")
    names = [t for t in page.eval_on_selector(".chart[data-key='loss']", "el => el.data.map(t => t.name)") if t]
    assert names == ["A (2 runs)", "B (1 run)"]


def test_run_page_on_the_server(team_server: TeamServer, filled: dict[str, str], page: Any) -> None:
    run = _runs(team_server, "team-compare")["cmp1"]
    page.goto(f"{team_server.url}/tracklab/workspace?run={run['run_uuid']}")
    _ready(page, "body[data-state=ready]")
    assert page.get_attribute("#open-in-mlflow", "href") == (
        f"{team_server.url}/#/experiments/{run['experiment_id']}/runs/{run['run_uuid']}")
    chart = _ready(page, ".chart[data-key='acc'][data-state=ready]")
    assert chart.get_attribute("data-points") == str(STEPS)
    y = page.eval_on_selector(".chart[data-key='acc']", "el => Array.from(el.data[0].y)")
    assert y == pytest.approx([step / STEPS for step in range(STEPS)])


def test_sweep_view_sees_every_trial(team_server: TeamServer, filled: dict[str, str], page: Any) -> None:
    page.goto(f"{team_server.url}/tracklab/sweep?project=team-tune")
    _ready(page, "body[data-state=ready]")
    page.click(f"text={filled['sweep_id']}")
    _ready(page, "body[data-state=ready]")
    assert page.get_attribute("#parallel", "data-trials") == "4"
    assert page.locator("#trials tbody tr").count() == 4
    dims = page.eval_on_selector("#parallel", "el => el.data[0].dimensions.map(d => d.label)")
    assert dims[-1] == "val_loss" and {"lr", "layers"} <= set(dims)
    values = page.eval_on_selector("#parallel", "el => Array.from(el.data[0].dimensions.at(-1).values)")
    assert sorted(values) == pytest.approx(sorted(lr * 100 + layers + 2 for lr in (0.01, 0.02) for layers in (1, 2)))


def test_artifact_view_on_the_server(team_server: TeamServer, filled: dict[str, str], page: Any) -> None:
    page.goto(f"{team_server.url}/tracklab/artifacts?project=team-vision&name=digits&version=v0")
    _ready(page, "body[data-state=ready]")
    assert page.locator("#versions tbody tr").count() == 2
    assert page.locator("#versions tr[data-version='v0'] .pill").inner_text() == "best"
    assert page.locator("#files tbody tr").count() == 1
    assert page.locator("#lineage .lineage-run").count() == 2
    page.locator("#lineage .lineage-run a", has_text="consumer").click()
    _ready(page, "body[data-state=ready]")
    assert "digits:v0" in page.inner_text("#run-artifacts")
