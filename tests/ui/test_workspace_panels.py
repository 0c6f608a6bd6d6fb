"""Workspace panels in headless Chromium: add, edit, remove, resize and move panels; scatter, bar
and parallel-coordinates panels across runs; the layout saved in the store (an MLflow experiment
tag, read back by MLflow's own API and by another browser) and reset."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.ui._workspace import PROJECT, RUNS, open_workspace, ws_root, ws_server  # noqa: F401 - fixtures
from tests.ui.conftest import get_json

pytestmark = [pytest.mark.timeout(400), pytest.mark.server, pytest.mark.browser]

TAG = "tracklab.workspace.layout"


def _stored_layout(server: Any) -> dict[str, Any] | None:
    """The layout as MLflow itself returns the experiment's tag."""
    experiment = get_json(f"{server.url}/ajax-api/2.0/mlflow/experiments/get-by-name?experiment_name={PROJECT}")["experiment"]
    tag = next((t for t in experiment.get("tags", []) if t["key"] == TAG), None)
    return json.loads(tag["value"]) if tag else None


def _panels(page: Any) -> list[str]:
    return page.eval_on_selector_all(".board-panel", "els => els.map(e => e.dataset.type + ':' + e.querySelector('h3').textContent)")


def _saved(page: Any) -> None:
    page.wait_for_function("document.querySelector('.layout-status').dataset.state === 'saved'")


def _add(page: Any, kind: str) -> Any:
    page.evaluate("document.querySelector('.layout-status').dataset.state = ''")
    page.select_option("select.add-kind", kind)
    page.click("button.add-panel")
    _saved(page)
    panel = page.locator(".board-panel").first
    panel.locator(".chart[data-state=ready]").wait_for(state="attached", timeout=60_000)
    return panel


def test_summary_panels_across_runs_and_layout_saved_in_the_store(ws_server, page, browser):
    open_workspace(page, ws_server)
    assert _stored_layout(ws_server) is None
    assert _panels(page) == ["line:acc", "line:loss"]
    scatter = _add(page, "scatter")
    assert scatter.locator("h3").inner_text() == "acc vs lr"
    points = scatter.locator(".chart").evaluate("el => el.data[0].x.map((x, i) => [x, el.data[0].y[i]])")
    assert sorted((x, round(y, 6)) for x, y in points) == sorted((s["lr"], s["acc"]) for s in RUNS)
    bar = _add(page, "bar")
    bars = bar.locator(".chart").evaluate("el => el.data[0].x.map((x, i) => [x, el.data[0].y[i]])")
    assert {name: value for name, value in bars} == pytest.approx({s["name"]: s["acc"] for s in RUNS})
    parallel = _add(page, "parallel")
    labels = parallel.locator(".chart").evaluate("el => el.data[0].dimensions.map(d => d.label)")
    assert labels == ["lr", "model.layers", "optimizer", "seed", "acc"]
    assert parallel.locator(".chart").evaluate("el => el.data[0].dimensions[2].ticktext") == ["adam", "sgd"]
    page.shot("panels")
    # The rows shown decide what they plot.
    page.locator("input.runs-filter").fill("optimizer = sgd")
    page.locator("input.runs-filter").press("Enter")
    page.wait_for_function("document.querySelector('.board-panel[data-type=bar] .chart').dataset.runs === '4'")

    stored = _stored_layout(ws_server)
    assert [p["type"] for p in stored["panels"]] == ["parallel", "bar", "scatter", "line", "line"]
    # Another browser (another machine on the same store) sees the same layout.
    other = browser.new_context(viewport={"width": 1400, "height": 1000})
    try:
        fresh = other.new_page()
        open_workspace(fresh, ws_server)
        assert [p.split(":")[0] for p in _panels(fresh)] == ["parallel", "bar", "scatter", "line", "line"]
    finally:
        other.close()

    page.click("button.reset-layout")
    page.wait_for_function("document.querySelector('.layout-status').dataset.state === 'reset'")
    assert _panels(page) == ["line:acc", "line:loss"] and _stored_layout(ws_server) is None


def test_edit_resize_move_and_remove_panels(ws_server, page):
    open_workspace(page, ws_server)
    acc = page.locator(".board-panel[data-panel='line:acc']")
    acc.locator("button.edit").click()
    editor = acc.locator(".panel-editor")
    editor.locator("select[name=keys]").select_option(["acc", "loss"])
    editor.locator("input[name=smoothing]").fill("0.5")
    editor.locator("input[name=ymin]").fill("0.5")
    editor.locator("input[name=ymax]").fill("0.2")
    editor.locator("button.apply").click()
    assert editor.locator(".editor-error").inner_text() == "Y min 0.5 must be below Y max 0.2"
    editor.locator("input[name=ymin]").fill("0")
    editor.locator("input[name=ymax]").fill("0.5")
    editor.locator("button.apply").click()
    _saved(page)
    chart = page.locator(".board-panel[data-panel='line:acc'] .chart[data-state=ready]")
    chart.wait_for(state="attached", timeout=60_000)
    page.wait_for_function("document.querySelector(\".board-panel[data-panel='line:acc'] .chart\").data.length === 36")
    traces = chart.evaluate("el => el.data.map(t => ({name: t.name || null, y: t.y}))")
    names = {t["name"] for t in traces if t["name"]}
    assert "run-0 \u00b7 acc" in names and "run-0 \u00b7 loss" in names and len(names) == 18
    assert chart.evaluate("el => el._fullLayout.yaxis.range") == [0, 0.5]
    assert page.inner_text(".board-panel[data-panel='line:acc'] h3").startswith("acc, loss")
    stored = _stored_layout(ws_server)["panels"][0]
    assert stored["keys"] == ["acc", "loss"] and stored["smoothing"] == 0.5 and stored["yRange"] == [0, 0.5]

    # Resize: full width and taller.
    before = page.eval_on_selector(".board-panel[data-panel='line:acc']", "el => el.getBoundingClientRect().width")
    page.click(".board-panel[data-panel='line:acc'] button.resize-width")
    _saved(page)
    page.click(".board-panel[data-panel='line:acc'] button.resize-height")
    _saved(page)
    after = page.eval_on_selector(".board-panel[data-panel='line:acc']", "el => el.getBoundingClientRect().width")
    assert after > before * 1.8
    assert page.eval_on_selector(".board-panel[data-panel='line:acc'] .chart", "el => el.getBoundingClientRect().height") == 420
    # Move: loss before acc; then remove acc.
    page.click(".board-panel[data-panel='line:loss'] button.move-left")
    _saved(page)
    assert [p.split(":")[1] for p in _panels(page)] == ["loss", "acc, loss"]
    page.evaluate("document.querySelector('.layout-status').dataset.state = ''")
    page.click(".board-panel[data-panel='line:acc'] button.remove")
    _saved(page)
    assert _panels(page) == ["line:loss"]
    open_workspace(page, ws_server)  # a reload reads it back from the store
    assert _panels(page) == ["line:loss"]
    page.click("button.reset-layout")
    page.wait_for_function("document.querySelector('.layout-status').dataset.state === 'reset'")


def test_panels_are_reordered_by_dragging_their_title(ws_server, page):
    open_workspace(page, ws_server)
    if _stored_layout(ws_server) is not None:
        page.click("button.reset-layout")
        page.wait_for_function("document.querySelector('.layout-status').dataset.state === 'reset'")
    assert _panels(page) == ["line:acc", "line:loss"]
    acc = page.locator(".board-panel[data-panel='line:acc']")
    width = acc.bounding_box()["width"]

    def drag(panel: str, onto: str, right_half: bool) -> None:
        page.evaluate("document.querySelector('.layout-status').dataset.state = ''")
        target = page.locator(f".board-panel[data-panel='{onto}']")
        page.locator(f".board-panel[data-panel='{panel}'] h3").drag_to(
            target, target_position={"x": width - 10 if right_half else 10, "y": 60})
        _saved(page)

    drag("line:loss", onto="line:acc", right_half=False)  # dropped on acc's left half: before it
    assert _panels(page) == ["line:loss", "line:acc"]
    assert [p["id"] for p in _stored_layout(ws_server)["panels"]] == ["line:loss", "line:acc"]
    drag("line:loss", onto="line:acc", right_half=True)  # on its right half: after it
    assert _panels(page) == ["line:acc", "line:loss"]
    drag("line:acc", onto="line:loss", right_half=True)
    assert _panels(page) == ["line:loss", "line:acc"]
    open_workspace(page, ws_server)  # read back from the store
    assert _panels(page) == ["line:loss", "line:acc"]
    page.click("button.reset-layout")
    page.wait_for_function("document.querySelector('.layout-status').dataset.state === 'reset'")
