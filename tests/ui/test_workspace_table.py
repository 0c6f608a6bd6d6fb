"""The workspace's runs table in headless Chromium: the values in its cells, sorting, filtering
(and the parse error of a filter that does not parse), pinned columns, CSV export, full width,
and the runs the charts draw following the rows shown and the eye toggles."""

from __future__ import annotations

import pytest

from tests.ui._workspace import PROJECT, RUNS, column, open_workspace, ws_root, ws_server  # noqa: F401 - fixtures

pytestmark = [pytest.mark.timeout(400), pytest.mark.server, pytest.mark.browser]


def test_runs_table_route_gives_config_and_summary(ws_server):
    data = ws_server.api("runs-table", project=PROJECT)
    rows = {r["id"]: r for r in data["runs"]}
    assert set(rows) == {s["id"] for s in RUNS}
    for s in RUNS:
        row = rows[s["id"]]
        assert row["config"] == {"lr": s["lr"], "seed": s["seed"], "optimizer": s["optimizer"], "model.layers": 2 + s["seed"]}
        assert row["latest"]["acc"] == pytest.approx(s["acc"])
        assert row["state"] == ("failed" if s["failed"] else "finished")
    one = ws_server.api("runs-table", project=PROJECT, runs=rows["tab004"]["run_uuid"])["runs"]
    assert [r["id"] for r in one] == ["tab004"]


def _by_id() -> dict[str, dict]:
    return {s["name"]: s for s in RUNS}


def test_table_shows_runs_with_config_and_summary_columns(ws_server, page):
    open_workspace(page, ws_server)
    headers = page.eval_on_selector_all(".runs-table th[data-column]", "ths => ths.map(t => t.dataset.column)")
    assert headers[:6] == ["name", "state", "tags", "group", "created", "runtime"]
    assert {"config.lr", "config.seed", "config.optimizer", "config.model.layers", "summary.acc", "summary.loss"} <= set(headers)
    names = column(page, "name")
    assert names == [f"run-{i}" for i in reversed(range(9))]  # newest first
    specs = _by_id()
    for name, lr, acc, state, group in zip(names, column(page, "config.lr"), column(page, "summary.acc"),
                                           column(page, "state"), column(page, "group")):
        assert float(lr) == specs[name]["lr"] and float(acc) == pytest.approx(specs[name]["acc"])
        assert state == ("failed" if specs[name]["failed"] else "finished") and group == specs[name]["group"]
    assert page.get_attribute(".runs-table", "data-rows") == "9"
    link = page.get_attribute(".runs-table tr.run-row a.name", "href")
    uuid = page.get_attribute(".runs-table tr.run-row", "data-run")
    assert link == f"{ws_server.url}/tracklab/run.html?run={uuid}"
    page.click("button.table-expand")  # more columns in view; the charts below take the full width
    page.wait_for_function("() => { const svg = document.querySelector(\".chart[data-key='acc'][data-state=ready] .main-svg\"); "
                           "return Boolean(svg) && svg.getBoundingClientRect().width > 550; }", timeout=60_000)
    page.shot("runs-table")


def test_sort_by_any_column(ws_server, page):
    open_workspace(page, ws_server)
    page.click(".runs-table th[data-column='summary.acc']")
    accs = [float(v) for v in column(page, "summary.acc")]
    assert accs == sorted(accs) and len(accs) == 9
    page.click(".runs-table th[data-column='summary.acc']")
    assert [float(v) for v in column(page, "summary.acc")] == sorted(accs, reverse=True)
    page.click(".runs-table th[data-column='config.optimizer']")
    assert column(page, "config.optimizer") == ["adam"] * 5 + ["sgd"] * 4
    page.click(".runs-table th[data-column='name']")
    assert column(page, "name") == [f"run-{i}" for i in range(9)]
    assert page.evaluate("performance.getEntriesByName('tracklab:table:sort').length") == 4


def test_filter_expressions_and_parse_error(ws_server, page):
    open_workspace(page, ws_server)
    box = page.locator("input.runs-filter")
    box.fill("lr = 1e-3 and acc > 0.805")
    box.press("Enter")
    page.wait_for_function("document.querySelector('.runs-table').dataset.rows === '2'")
    assert sorted(column(page, "name")) == ["run-4", "run-5"]
    box.fill("state = failed or tags = baseline")
    box.press("Enter")
    page.wait_for_function("document.querySelector('.runs-table').dataset.rows === '4'")
    assert sorted(column(page, "name")) == ["run-0", "run-1", "run-2", "run-8"]
    box.fill("lr = = 3")
    box.press("Enter")
    error = page.locator(".filter-error")
    assert error.inner_text() == 'expected a value after "=", found "=" (column 6)'
    assert page.get_attribute(".runs-table", "data-rows") == "4"  # left as it was
    assert sorted(column(page, "name")) == ["run-0", "run-1", "run-2", "run-8"]
    box.fill("not group = long")
    box.press("Enter")
    page.wait_for_function("document.querySelector('.runs-table').dataset.rows === '6'")
    assert error.inner_text() == ""


def _drawn(page) -> list[str]:
    """The names of the lines the loss chart draws, once it is ready."""
    page.wait_for_selector(".chart[data-key='loss'][data-state=ready]", timeout=60_000, state="attached")
    return page.eval_on_selector(".chart[data-key='loss']", "el => el.data.map(t => t.name)")


def test_rows_shown_and_eyes_decide_what_the_charts_draw(ws_server, page):
    open_workspace(page, ws_server)
    assert sorted(_drawn(page)) == sorted(s["name"] for s in RUNS)
    box = page.locator("input.runs-filter")
    box.fill("optimizer = sgd")
    box.press("Enter")
    page.wait_for_function("document.querySelector(\".chart[data-key='loss']\").dataset.runs === '4'")
    assert sorted(_drawn(page)) == ["run-1", "run-3", "run-5", "run-7"]
    page.locator(".runs-table tr.run-row", has_text="run-5").locator("input.eye").uncheck()
    page.wait_for_function("document.querySelector(\".chart[data-key='loss']\").dataset.runs === '3'")
    assert sorted(_drawn(page)) == ["run-1", "run-3", "run-7"]
    assert "4 shown \u00b7 3 drawn" in page.inner_text(".runs-count")
    page.select_option("#max-drawn", "10")
    box.fill("")
    box.press("Enter")
    page.wait_for_function("document.querySelector(\".chart[data-key='loss']\").dataset.runs === '8'")
    assert page.eval_on_selector(".runs-table th input.eye-all", "el => el.indeterminate")  # run-5's eye is off
    page.check(".runs-table th input.eye-all")
    page.wait_for_function("document.querySelector(\".chart[data-key='loss']\").dataset.runs === '9'")
    page.uncheck(".runs-table th input.eye-all")
    page.wait_for_function("document.querySelector(\".chart[data-key='loss']\").dataset.runs === '0'")
    assert "9 shown \u00b7 0 drawn" in page.inner_text(".runs-count")


def test_columns_pins_csv_and_full_width(ws_server, page, tmp_path):
    open_workspace(page, ws_server)
    page.click(".columns-picker summary")
    page.uncheck(".columns-picker input[data-column='config.seed']")
    page.check(".columns-picker input[data-column='job_type']")
    headers = page.eval_on_selector_all(".runs-table th[data-column]", "ths => ths.map(t => t.dataset.column)")
    assert "config.seed" not in headers and "job_type" in headers
    # Pinning moves a column next to the name and keeps it in view when the table scrolls sideways.
    page.click(".runs-table th[data-column='summary.acc'] button.pin")
    headers = page.eval_on_selector_all(".runs-table th[data-column]", "ths => ths.map(t => t.dataset.column)")
    assert headers[:2] == ["name", "summary.acc"]
    page.eval_on_selector(".runs-scroll", "el => { el.scrollLeft = 400; }")
    page.wait_for_function("document.querySelector('.runs-scroll').scrollLeft > 100")
    box = page.evaluate("() => { const td = document.querySelector(\".runs-table tr.run-row td[data-column='summary.acc']\"); "
                        "const r = td.getBoundingClientRect(); const s = document.querySelector('.runs-scroll').getBoundingClientRect(); "
                        "return [r.left - s.left, r.width]; }")
    assert 0 < box[0] < 260 and box[1] > 50  # still at the left edge, next to the eye and name
    # The choice survives a reload (kept per project).
    open_workspace(page, ws_server, fresh=False)
    headers = page.eval_on_selector_all(".runs-table th[data-column]", "ths => ths.map(t => t.dataset.column)")
    assert headers[:2] == ["name", "summary.acc"] and "config.seed" not in headers
    # CSV export: the rows shown, the columns shown.
    page.locator("input.runs-filter").fill("lr = 0.01")
    page.locator("input.runs-filter").press("Enter")
    page.wait_for_function("document.querySelector('.runs-table').dataset.rows === '3'")
    with page.expect_download() as info:
        page.click("button.csv-export")
    download = info.value
    assert download.suggested_filename == "table-runs.csv"
    import csv

    rows = list(csv.DictReader(open(download.path(), newline="")))
    assert sorted(r["Name"] for r in rows) == ["run-0", "run-1", "run-2"]
    assert {r["lr"] for r in rows} == {"0.01"} and sorted(float(r["acc"]) for r in rows) == [0.7, 0.73, 0.76]
    assert "Job type" in rows[0] and "seed" not in rows[0]
    # Full width and back.
    narrow = page.eval_on_selector(".ws-table", "el => el.getBoundingClientRect().width")
    page.click("button.table-expand")
    wide = page.eval_on_selector(".ws-table", "el => el.getBoundingClientRect().width")
    assert wide > narrow * 2 and page.inner_text("button.table-expand") == "Beside charts"
    page.click("button.table-expand")
    assert page.eval_on_selector(".ws-table", "el => el.getBoundingClientRect().width") == pytest.approx(narrow, abs=2)


def test_long_table_keeps_only_rows_in_view(ws_server, ws_root, page):
    from tests.ui._workspace import fill_many

    fill_many(ws_root, 400)
    open_workspace(page, ws_server, project="many")
    assert page.get_attribute(".runs-table", "data-rows") == "400"
    rendered = page.locator(".runs-table tr.run-row").count()
    assert 20 < rendered < 120  # the rows in view and a margin, not 400
    assert column(page, "name")[0] == "many-0399"
    page.click(".runs-table th[data-column='summary.score']")
    assert column(page, "name")[0] == "many-0000"
    # Scrolling to the end brings the last rows in, still only a window of them.
    page.eval_on_selector(".runs-scroll", "el => { el.scrollTop = el.scrollHeight; }")
    page.wait_for_function("[...document.querySelectorAll('.runs-table tr.run-row a.name')].some(a => a.textContent === 'many-0399')")
    assert page.locator(".runs-table tr.run-row").count() < 120
    page.locator("input.runs-filter").fill("parity = 1 and index >= 390")
    page.locator("input.runs-filter").press("Enter")
    page.wait_for_function("document.querySelector('.runs-table').dataset.rows === '5'")
    assert column(page, "name") == ["many-0391", "many-0393", "many-0395", "many-0397", "many-0399"]
    sort_ms = page.evaluate("performance.getEntriesByName('tracklab:table:sort').map(m => m.duration)")
    filter_ms = page.evaluate("performance.getEntriesByName('tracklab:table:filter').map(m => m.duration)")
    print(f"400 runs: sort {sort_ms} ms, filter {filter_ms} ms")
