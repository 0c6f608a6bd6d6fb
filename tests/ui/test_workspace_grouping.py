"""Grouping in the workspace, in headless Chromium: group by a config key, a tag, the run group;
one mean (or median) line per group with a min-max or standard-deviation band, the run count in
the legend, and groups expanded into their runs."""

from __future__ import annotations

import statistics
from typing import Any

import pytest

from tests.ui._workspace import LRS, RUNS, open_workspace, ws_root, ws_server  # noqa: F401 - fixtures

pytestmark = [pytest.mark.timeout(400), pytest.mark.server, pytest.mark.browser]

ACC = ".chart[data-key='acc']"


def _traces(page: Any) -> list[dict[str, Any]]:
    page.wait_for_selector(f"{ACC}[data-state=ready]", timeout=60_000, state="attached")
    return page.eval_on_selector(ACC, "el => el.data.map(t => ({name: t.name || null, fill: t.fill || null, "
                                 "dash: (t.line && t.line.dash) || null, legend: t.showlegend !== false, x: t.x, y: t.y}))")


def _group_by(page: Any, value: str) -> list[dict[str, Any]]:
    page.select_option("#group-by", value)
    page.wait_for_function(f"document.querySelector(\"{ACC}\").data.some(t => t.fill === 'tonexty')"
                           if value else f"!document.querySelector(\"{ACC}\").data.some(t => t.fill === 'tonexty')")
    return _traces(page)


def _final_accs(lr: float) -> list[float]:
    return [s["acc"] for s in RUNS if s["lr"] == lr]


def test_group_by_config_key_draws_mean_and_band_with_counts(ws_server, page):
    open_workspace(page, ws_server)
    assert len(_traces(page)) == 9
    traces = _group_by(page, "config:lr")
    legend = [t["name"] for t in traces if t["legend"]]
    assert legend == ["lr=0.0001 (3 runs)", "lr=0.001 (3 runs)", "lr=0.01 (3 runs)"]
    assert len(traces) == 9 and sum(1 for t in traces if t["fill"] == "tonexty") == 3
    for lr in LRS:
        index = next(i for i, t in enumerate(traces) if t["name"] == f"lr={lr} (3 runs)")
        low, high, mean = traces[index - 2], traces[index - 1], traces[index]
        accs = _final_accs(lr)
        assert mean["y"][-1] == pytest.approx(statistics.mean(accs))
        assert low["y"][-1] == pytest.approx(min(accs)) and high["y"][-1] == pytest.approx(max(accs))
    chips = page.eval_on_selector_all("#groups .group-chip", "els => els.map(e => e.textContent.trim())")
    assert [c.lstrip("\u25b8 ") for c in chips] == legend
    page.shot("grouped-chart")

    # A standard-deviation band around the median.
    page.select_option("#group-band", "std")
    page.select_option("#group-agg", "median")
    page.wait_for_function(f"document.querySelector(\"{ACC}\").data.length === 9")
    traces = _traces(page)
    index = next(i for i, t in enumerate(traces) if t["name"] == "lr=0.01 (3 runs)")
    accs = _final_accs(0.01)
    centre = statistics.median(accs)
    assert traces[index]["y"][-1] == pytest.approx(centre)
    assert traces[index - 2]["y"][-1] == pytest.approx(centre - statistics.pstdev(accs))
    assert traces[index - 1]["y"][-1] == pytest.approx(centre + statistics.pstdev(accs))


def test_expand_a_group_into_its_runs(ws_server, page):
    open_workspace(page, ws_server)
    _group_by(page, "config:lr")
    page.click("#groups .group-chip[data-group='lr=0.01'] button.expand")
    page.wait_for_function(f"document.querySelector(\"{ACC}\").data.length === 12")
    members = [t for t in _traces(page) if t["dash"] == "dot"]
    assert sorted(t["name"] for t in members) == ["run-0", "run-1", "run-2"]
    assert sorted(t["y"][-1] for t in members) == pytest.approx(_final_accs(0.01))
    page.click("#groups .group-chip[data-group='lr=0.01'] button.expand")
    page.wait_for_function(f"document.querySelector(\"{ACC}\").data.length === 9")


def test_group_by_group_and_tag_follow_the_filter(ws_server, page):
    open_workspace(page, ws_server)
    traces = _group_by(page, "group")
    assert sorted(t["name"] for t in traces if t["legend"]) == ["long (3 runs)", "short (6 runs)"]
    traces = _group_by(page, "tag:baseline")
    assert sorted(t["name"] for t in traces if t["legend"]) == ["(untagged) (6 runs)", "baseline (3 runs)"]
    box = page.locator("input.runs-filter")
    box.fill("optimizer = adam")
    box.press("Enter")
    page.wait_for_function(f"document.querySelector(\"{ACC}\").dataset.runs === '5'")
    traces = _traces(page)
    assert sorted(t["name"] for t in traces if t["legend"]) == ["(untagged) (3 runs)", "baseline (2 runs)"]
    traces = _group_by(page, "")
    assert len(traces) == 5 and all(t["fill"] is None for t in traces)


def _js_number(value: float) -> str:
    """How the table writes a number: five significant digits, as JavaScript prints it."""
    short = float(f"{value:.5g}")
    return str(int(short)) if short.is_integer() else repr(short)


def _cell(page: Any, row: str, column: str) -> str:
    return page.inner_text(f".runs-table {row} td[data-column='{column}']").strip()


def test_the_runs_table_groups_too_and_opens_a_group_into_its_runs(ws_server, page):
    open_workspace(page, ws_server)
    _group_by(page, "config:lr")
    groups = page.eval_on_selector_all(".runs-table tr.group-row", "els => els.map(e => e.dataset.group)")
    assert groups == ["lr=0.0001", "lr=0.001", "lr=0.01"]
    assert page.locator(".runs-table tr.run-row").count() == 0  # closed groups list no runs
    for lr in LRS:
        row = f"tr.group-row[data-group='lr={lr}']"
        assert _cell(page, row, "name").lstrip("\u25b8 ") == f"lr={lr} (3 runs)"
        assert _cell(page, row, "summary.acc") == _js_number(statistics.mean(_final_accs(lr)))  # the mean
        assert _cell(page, row, "config.lr") == _js_number(lr)  # a value the group's runs share
        assert _cell(page, row, "config.seed") == "1"  # seeds 0, 1 and 2: numbers are averaged
        assert _cell(page, row, "config.optimizer") == "2 values"  # adam and sgd
    assert [s["failed"] for s in RUNS if s["lr"] == 0.0001] == [False, False, True]
    assert _cell(page, "tr.group-row[data-group='lr=0.0001']", "state") == "2 values"  # finished and failed
    assert _cell(page, "tr.group-row[data-group='lr=0.01']", "state") == "finished"
    page.shot("grouped-table")

    # Opening a group in the table lists its runs under it and draws them, as its legend chip does.
    page.click(".runs-table tr.group-row[data-group='lr=0.01'] button.expand")
    page.wait_for_function(f"document.querySelector(\"{ACC}\").data.length === 12")
    members = page.eval_on_selector_all(".runs-table tr.member td[data-column='name']",
                                        "els => els.map(e => e.textContent.trim())")
    assert sorted(members) == ["run-0", "run-1", "run-2"]
    assert page.get_attribute("#groups .group-chip[data-group='lr=0.01']", "class") == "group-chip open"
    page.click("#groups .group-chip[data-group='lr=0.01'] button.expand")  # closed from the chip
    page.wait_for_function(f"document.querySelector(\"{ACC}\").data.length === 9")
    assert page.locator(".runs-table tr.member").count() == 0

    # A group's eye hides all its runs from the charts, and shows them again.
    page.uncheck(".runs-table tr.group-row[data-group='lr=0.01'] input.eye")
    page.wait_for_function(f"document.querySelector(\"{ACC}\").data.length === 6")
    legend = [t["name"] for t in _traces(page) if t["legend"]]
    assert legend == ["lr=0.0001 (3 runs)", "lr=0.001 (3 runs)"]
    page.check(".runs-table tr.group-row[data-group='lr=0.01'] input.eye")
    page.wait_for_function(f"document.querySelector(\"{ACC}\").data.length === 9")

    _group_by(page, "")
    assert page.locator(".runs-table tr.group-row").count() == 0
    assert page.locator(".runs-table tr.run-row").count() == 9
