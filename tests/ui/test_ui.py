"""`tracklab ui` end to end: a real server on a store filled by real runs, its JSON routes over
HTTP, and every panel in headless Chromium (screenshots in each test's tmp_path)."""

from __future__ import annotations

import json
import os
import signal
import socket
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from tests.ui import _runs
from tests import helpers
from tests.helpers import wait_until
from tests.ui.conftest import clean_env, free_port, get_json, start_ui

pytestmark = [pytest.mark.timeout(400), pytest.mark.server]  # every test here is about `tracklab ui`


def _run(server: Any, project: str, wandb_id: str) -> dict[str, Any]:
    runs = server.api("runs", project=project)["runs"]
    return next(r for r in runs if r["id"] == wandb_id)


def _status(url: str, headers: dict[str, str] | None = None, method: str = "GET", data: bytes | None = None) -> tuple[int, Any]:
    request = urllib.request.Request(url, headers=headers or {}, method=method, data=data)
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, response.headers
    except urllib.error.HTTPError as error:
        return error.code, error.headers


def _ready(page: Any, selector: str, timeout: float = 60_000) -> Any:
    return page.wait_for_selector(selector, timeout=timeout, state="attached")


# -- the command --------------------------------------------------------------------------------
def test_ui_prints_its_address_and_loads_orphaned_runs(ui_server, ui_root):
    log = ui_server.log.read_text()
    assert f"TrackLab UI: {ui_server.url}" in log and "/tracklab/" in log

    def killed_orphan() -> list[dict[str, Any]]:
        runs = ui_server.api("runs", project="crash")["runs"] if _has_project(ui_server, "crash") else []
        return runs if runs and runs[0]["state"] == "killed" else []

    runs = wait_until(killed_orphan, timeout=90, interval=1,
                      what=lambda: f"the orphaned run to be loaded and marked killed:\n{ui_server.log.read_text()}")
    run = runs[0]
    assert run["id"] == "orphan01" and run["latest"]["loss"] == 19.0


def _has_project(server: Any, name: str) -> bool:
    return any(p["name"] == name for p in server.api("projects")["projects"])


def test_second_ui_on_the_same_store_reuses_the_first(ui_server, ui_root, tmp_path):
    proc = start_ui(ui_root, free_port(), tmp_path / "second.log")
    assert proc.wait(90) == 0
    out = (tmp_path / "second.log").read_text()
    assert f"already running for this store at {ui_server.url}" in out


def test_busy_port_is_refused_with_a_clear_message(tmp_path, template_store):
    root = tmp_path / "other"
    root.mkdir()
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        port = sock.getsockname()[1]
        proc = start_ui(root, port, tmp_path / "busy.log")
        assert proc.wait(90) != 0
    out = (tmp_path / "busy.log").read_text()
    assert f"port {port} on 127.0.0.1 is in use by another program" in out and "--port" in out


def test_run_links_use_the_running_ui(ui_server, ui_root):
    from tracklab.backend import links
    from tracklab.sdk.wandb_settings import Settings

    settings = Settings(tracking_uri=f"sqlite:///{ui_root / 'mlflow.db'}")
    assert links.run_url(settings, "3", "abc") == f"{ui_server.url}/#/experiments/3/runs/abc?workflowType=machine_learning"
    assert links.run_url(settings, None, "abc") == f"{ui_server.url}/#/runs/abc"


def test_ensure_server_reuses_the_running_ui(ui_server, ui_root):
    from tracklab.sdk.wandb_settings import Settings
    from tracklab.ui import ensure_server

    settings = Settings(tracking_uri=f"sqlite:///{ui_root / 'mlflow.db'}", ui_port=free_port())
    assert ensure_server(settings) == ui_server.url
    assert f"http://{settings.ui_host}:{settings.ui_port}" == ui_server.url


def test_ensure_server_starts_a_detached_ui_once(tmp_path, template_store):
    import shutil

    root = tmp_path / "auto"
    root.mkdir()
    shutil.copyfile(template_store / "mlflow.db", root / "mlflow.db")
    port = free_port()
    code = f"""
        import json, tracklab
        from tracklab.sdk.wandb_settings import Settings
        from tracklab.ui import ensure_server
        first = ensure_server(Settings(tracking_uri="sqlite:///{root}/mlflow.db", ui_port={port}))
        second = ensure_server(Settings(tracking_uri="sqlite:///{root}/mlflow.db", ui_port={port}))
        print(json.dumps([first, second]))
    """
    out = helpers.run([sys.executable, "-c", __import__("textwrap").dedent(code)], env=clean_env(root),
                      capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    first, second = json.loads(out.stdout.strip().splitlines()[-1])
    assert first == second == f"http://127.0.0.1:{port}"
    state = next((root / "ui-servers").glob("*.json"))
    pid = json.loads(state.read_text())["pid"]

    def info() -> Any:
        try:
            return get_json(f"{first}/tracklab/api/info", timeout=5)
        except Exception:
            return None

    try:
        assert wait_until(info, timeout=150, interval=0.5, what=f"the detached UI at {first}")["app"] == "tracklab"
        assert json.loads(state.read_text())["pid"] == pid  # the same supervisor, ready now
    finally:
        os.kill(pid, signal.SIGTERM)
    wait_until(lambda: not _alive(pid), timeout=30, interval=0.2, what=f"the detached UI (pid {pid}) to stop")
    assert not state.exists()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


# -- the JSON routes ----------------------------------------------------------------------------
def test_series_route_downsamples_a_million_steps_keeping_extremes(ui_server, ui_store):
    ui_store.wait_long_run()
    run = _run(ui_server, "long", "long0001")
    started = time.time()
    data = ui_server.api("series", runs=run["run_uuid"], key="loss", points=1000)["series"][0]
    elapsed = time.time() - started
    assert data["total"] == _runs.LONG_STEPS and data["sampled"]
    assert 1000 <= len(data["x"]) <= 2002
    top = max(range(len(data["y"])), key=lambda i: data["y"][i])
    assert data["x"][top] == _runs.SPIKE_STEP and data["y"][top] > 3.5
    assert min(data["y"]) == pytest.approx(-1.0, abs=1e-6) and data["x"][0] == 0 and data["x"][-1] == _runs.LONG_STEPS - 1
    print(f"downsampling 1,000,000 points to {len(data['x'])}: {elapsed:.2f}s (cold)")


def test_series_route_x_axes(ui_server):
    run = _run(ui_server, "vision", "vision01")
    by_epoch = ui_server.api("series", runs=run["run_uuid"], key="val/acc", x="auto")["series"][0]
    assert by_epoch["x_axis"] == "epoch" and by_epoch["x"] == [0.0, 1.0, 2.0]
    runtime = ui_server.api("series", runs=run["run_uuid"], key="loss", x="_runtime")["series"][0]
    assert len(runtime["x"]) == 12 and all(0 <= x < 120 for x in runtime["x"])
    wall = ui_server.api("series", runs=run["run_uuid"], key="loss", x="_timestamp")["series"][0]
    assert wall["x"][0] == pytest.approx(time.time() * 1000, abs=3_600_000)


def test_series_route_reads_many_runs_at_once_and_names_a_missing_one(ui_server):
    ids = [r["run_uuid"] for r in ui_server.api("runs", project="compare")["runs"]]
    assert len(ids) == 4
    listed = ",".join([ids[1], ids[0], ids[1]])  # in the asked order, each run once
    series = ui_server.api("series", runs=listed, key="loss")["series"]
    assert [s["run"] for s in series] == [ids[1], ids[0]]
    alone = ui_server.api("series", runs=ids[0], key="loss")["series"][0]
    assert series[1]["y"] == alone["y"]
    with pytest.raises(urllib.error.HTTPError) as missing:
        ui_server.api("series", runs=f"{ids[0]},{'0' * 32}", key="loss")
    assert missing.value.code == 404
    assert json.loads(missing.value.read())["error"] == f"no run {'0' * 32!r}"


def test_media_table_and_sweep_routes(ui_server):
    run = _run(ui_server, "vision", "vision01")
    media = ui_server.api("media", run=run["run_uuid"])["media"]
    assert media["samples"]["type"] == "image-file" and media["samples"]["steps"] == [0, 3, 6, 9]
    assert {media[k]["type"] for k in ("weights", "clip", "page", "cloud", "note", "preds", "fig", "movie")} == {
        "histogram", "audio-file", "html-file", "object3D-file", "string", "table-file", "plotly-file", "video-file"}
    desc = media["preds"]["values"][0]
    table = ui_server.api("table", run=run["run_uuid"], path=desc["path"], key="preds", entry=desc.get("artifact_path", ""))
    assert table["columns"] == ["id", "label", "score", "image"] and len(table["data"]) == 7
    assert table["data"][1][3]["_type"] == "image-file"
    sweep = ui_server.api("sweep", project="tune", sweep="sweep01")
    assert len(sweep["trials"]) == 6 and sweep["metric"] == "loss"
    assert set(sweep["params"]) == {"lr", "batch", "optimizer"} and set(sweep["importance"]) <= set(sweep["params"])
    assert sweep["importance"]


def test_artifact_routes(ui_server):
    collections = ui_server.api("artifacts", project="vision")["collections"]
    digits = next(c for c in collections if c["name"] == "digits")
    assert digits["type"] == "dataset" and [v["version"] for v in digits["versions"]] == ["v0", "v1"]
    assert digits["versions"][0]["aliases"] == ["best"] and "latest" in digits["versions"][1]["aliases"]
    detail = ui_server.api("artifact", project="vision", name="digits", version="best")
    assert [f["path"] for f in detail["files"]] == ["readme.txt", "rows.csv"]
    assert detail["logged_by"]["id"] == "producer0" and [r["id"] for r in detail["used_by"]] == ["consumer0"]
    assert detail["mlflow_route"].startswith("/models/")


# -- safety -------------------------------------------------------------------------------------
def test_path_traversal_is_refused(ui_server, ui_root):
    run = _run(ui_server, "vision", "vision01")
    base = f"{ui_server.url}/tracklab/api/files/{run['run_uuid']}/"
    ok, headers = _status(base + "wandb-summary.json")
    assert ok == 200 and "sandbox" in headers["Content-Security-Policy"]
    from tests.helpers import mlflow_client

    artifacts = Path(mlflow_client(ui_root).get_run(run["run_uuid"]).info.artifact_uri.replace("file://", ""))
    (artifacts / "escape").symlink_to(ui_root / "mlflow.db")
    for attempt in ("..%2F..%2F..%2Fmlflow.db", "%2E%2E/%2E%2E/mlflow.db", "%2Fetc%2Fpasswd", "media/..%2F..%2F..%2Fmlflow.db",
                    "escape", "media%5C..%5C..%5Cmlflow.db"):
        status, _ = _status(base + attempt)
        assert status in (400, 404), f"{attempt}: {status}"
    status, _ = _status(f"{ui_server.url}/tracklab/static/..%2F..%2Fpyproject.toml")
    assert status == 404


def test_foreign_host_and_cross_origin_are_refused(ui_server):
    for path in ("/tracklab/", "/tracklab/api/projects", "/tracklab/static/js/api.js"):
        status, _ = _status(ui_server.url + path, {"Host": "evil.example.com"})
        assert status == 403, path
    status, headers = _status(ui_server.url + "/tracklab/api/projects", {"Origin": "http://evil.example.com"})
    assert status == 200 and "Access-Control-Allow-Origin" not in headers
    status, _ = _status(ui_server.url + "/ajax-api/2.0/mlflow/experiments/create",
                        {"Origin": "http://evil.example.com", "Content-Type": "application/json"}, "POST",
                        json.dumps({"name": "x"}).encode())
    assert status == 403


# -- the stock MLflow UI --------------------------------------------------------------------------
def test_stock_ui_keeps_working_in_the_ml_view(ui_server, page):
    run = _run(ui_server, "vision", "vision01")
    page.goto(f"{ui_server.url}/#/runs/{run['run_uuid']}")
    page.wait_for_url(f"**/#/experiments/{run['experiment_id']}/runs/{run['run_uuid']}**", timeout=60_000)
    page.get_by_text("vision-run").first.wait_for(timeout=60_000)
    assert json.loads(page.evaluate("localStorage.getItem('mlflow.workflowType_v1')")) == "machine_learning"
    page.get_by_text("arch").first.wait_for()  # params
    page.shot("stock-run-overview")
    link = page.locator("#tracklab-link")
    assert f"run={run['run_uuid']}" in link.get_attribute("href")
    page.get_by_role("tab", name="Model metrics").click()
    page.get_by_text("loss").first.wait_for()
    page.shot("stock-model-metrics")
    page.get_by_role("tab", name="System metrics").click()
    page.get_by_text("vision-run (system/cpu)").first.wait_for(timeout=60_000)
    page.shot("stock-system-metrics")
    page.goto(f"{ui_server.url}/#/experiments/{run['experiment_id']}/runs/{run['run_uuid']}/artifacts/"
              f"{ui_server.api('media', run=run['run_uuid'])['media']['samples']['values'][0]['path']}")
    page.wait_for_selector("img[src^='blob:']", timeout=60_000)
    page.shot("stock-artifact-image")
    page.goto(f"{ui_server.url}/#/experiments/{run['experiment_id']}")
    page.get_by_text("vision-run").first.wait_for(timeout=60_000)
    assert "Model training" in page.inner_text("body")
    page.shot("stock-experiment")
    page.locator("#tracklab-link").click()
    page.wait_for_selector("body[data-state=ready]", timeout=60_000)
    assert page.url.startswith(f"{ui_server.url}/tracklab/workspace") and "vision" in page.inner_text("header")


# -- our panels -----------------------------------------------------------------------------------
def test_home_lists_projects(ui_server, page):
    page.goto(f"{ui_server.url}/tracklab/")
    _ready(page, "body[data-state=ready]")
    names = page.eval_on_selector_all("tr[data-project]", "rows => rows.map(r => r.dataset.project)")
    assert {"vision", "compare", "tune", "long", "crash"} <= set(names)
    page.shot("home")


def test_workspace_charts_across_runs(ui_server, page):
    page.goto(f"{ui_server.url}/tracklab/workspace?project=compare")
    _ready(page, "body[data-state=ready]")
    chart = _ready(page, ".chart[data-key='loss'][data-state=ready]")
    assert chart.get_attribute("data-runs") == "4" and chart.get_attribute("data-points") == "200"
    names = page.eval_on_selector(".chart[data-key='loss']", "el => el.data.map(t => t.name)")
    assert "&lt;img src=x onerror=&quot;window.__xss=1&quot;&gt;" in names or any("&lt;img" in n for n in names)
    assert page.evaluate("window.__xss") is None
    assert page.locator(".run-row .name", has_text='<img src=x onerror="window.__xss=1">').count() == 1
    page.shot("workspace")

    def traces() -> list[dict[str, Any]]:
        return page.eval_on_selector(".chart[data-key='loss']", "el => el.data.map(t => ({name: t.name, "
                                     "color: t.line && t.line.color, fill: t.fill || null, n: t.x.length}))")

    page.fill("#smoothing", "0.8")
    page.dispatch_event("#smoothing", "input")
    assert len(traces()) == 8  # raw (faint) + smoothed per run
    page.check("#log-scale")
    assert page.eval_on_selector(".chart[data-key='loss']", "el => el._fullLayout.yaxis.type") == "log"
    page.select_option("#group-by", "group")
    grouped = traces()
    assert len(grouped) == 6 and [t["name"] for t in grouped if t["name"]] == ["A (2 runs)", "B (2 runs)"]
    assert sum(1 for t in grouped if t["fill"] == "tonexty") == 2
    page.shot("workspace-grouped")
    page.select_option("#group-by", "")
    first = page.locator(".run-row input[type=color]").first
    first.evaluate("el => { el.value = '#00ff00'; el.dispatchEvent(new Event('change')); }")
    assert "#00ff00" in [t["color"] for t in traces()]
    page.select_option("#x-axis", "_runtime")
    page.wait_for_function("() => document.querySelector(\".chart[data-key='loss']\")._fullLayout.xaxis.title.text "
                           "=== 'Relative time (s)'")
    page.locator(".run-row input[type=checkbox]").first.uncheck()
    page.wait_for_function("() => document.querySelector(\".chart[data-key='loss']\").dataset.runs === '3'")


def test_a_chart_is_interactive_before_plotly_runs(ui_server, page):
    """The SVG chart drawn as the data arrives shows values on hover and zooms on a drag; here
    plotly.js never loads, so it is all the page has."""
    page.route("**/vendor/plotly.min.js", lambda route: route.abort())
    page.goto(f"{ui_server.url}/tracklab/workspace?project=compare")
    _ready(page, "body[data-state=ready]")
    chart = page.locator(".chart[data-key='acc']")
    box = _ready(page, ".chart[data-key='acc'] .chart-preview[data-interactive=true]")
    assert chart.locator("polyline").count() == 4  # one line per run
    svg = chart.locator(".chart-preview svg").bounding_box()
    # The middle of the plot area (50 px left margin, 10 px right): step 24 or 25 of 0..49.
    middle = svg["x"] + 50 + (svg["width"] - 60) / 2
    page.mouse.move(middle, svg["y"] + svg["height"] / 2)
    tooltip = chart.locator(".chart-tooltip")
    tooltip.wait_for(state="visible")
    text = tooltip.inner_text()
    assert text.splitlines()[0] in ("step 24", "step 25")
    step = int(text.splitlines()[0].split()[1])
    for name in ("alpha", "beta", "delta", '<img src=x onerror="window.__xss=1">'):
        assert f"{name}: {step / 50:g}" in text  # acc = step / 50 in every run
    assert page.evaluate("window.__xss") is None

    labels = lambda: chart.locator(".chart-preview text").all_text_contents()  # noqa: E731
    assert labels()[:2] == ["0", "49"]
    page.mouse.move(svg["x"] + 50 + (svg["width"] - 60) * 0.2, svg["y"] + 40)
    page.mouse.down()
    page.mouse.move(svg["x"] + 50 + (svg["width"] - 60) * 0.6, svg["y"] + 60, steps=5)
    page.mouse.up()
    zoomed = labels()[:2]
    assert chart.get_attribute("data-zoom") and 8 <= float(zoomed[0]) <= 12 and 27 <= float(zoomed[1]) <= 31
    box.dblclick()
    assert labels()[:2] == ["0", "49"] and chart.get_attribute("data-zoom") is None


def test_workspace_run_page_links_to_mlflow(ui_server, page):
    run = _run(ui_server, "vision", "vision01")
    page.goto(f"{ui_server.url}/tracklab/workspace?run={run['run_uuid']}")
    _ready(page, "body[data-state=ready]")
    link = page.get_attribute("#open-in-mlflow", "href")
    assert link == f"{ui_server.url}/#/experiments/{run['experiment_id']}/runs/{run['run_uuid']}"
    assert "cnn" in page.inner_text("#overview")
    chart = _ready(page, ".chart[data-key='val/acc'][data-state=ready]")
    assert page.eval_on_selector(".chart[data-key='val/acc']", "el => el._fullLayout.xaxis.title.text") == "epoch"
    assert chart.get_attribute("data-points") == "3"
    page.click("#open-in-mlflow")
    page.get_by_text("vision-run").first.wait_for(timeout=60_000)
    assert "/#/experiments/" in page.url


def test_media_panels(ui_server, page):
    run = _run(ui_server, "vision", "vision01")
    page.goto(f"{ui_server.url}/tracklab/workspace?run={run['run_uuid']}")
    _ready(page, "body[data-state=ready]")
    panel = page.locator(".media-panel[data-key='samples']")
    panel.wait_for()
    slider = panel.locator("input[type=range]")
    assert panel.get_attribute("data-step") == "9"
    slider.evaluate("el => { el.value = '1'; el.dispatchEvent(new Event('input')); }")
    assert panel.get_attribute("data-step") == "3"
    img = panel.locator("img").first
    assert "/media/images/samples_3_" in img.get_attribute("src")
    page.wait_for_function("() => document.querySelector(\".media-panel[data-key='samples'] img\").naturalWidth === 40")
    mask = panel.locator("canvas[data-kind=mask]")
    page.wait_for_function("() => document.querySelector(\".media-panel[data-key='samples'] canvas\").dataset.drawn === '3'")
    assert panel.locator(".classes[data-kind=mask]").inner_text().split() == ["mask", "pred:", "bg", "cat", "dog"]
    panel.locator(".classes[data-kind=mask] input[data-class-id='1']").uncheck()
    assert mask.get_attribute("data-drawn") == "2"
    boxes = panel.locator("svg[data-kind=boxes]")
    page.wait_for_function("() => document.querySelector(\".media-panel[data-key='samples'] svg\").dataset.drawn === '2'")
    panel.locator(".classes[data-kind=boxes] input[data-class-id='2']").uncheck()
    assert boxes.get_attribute("data-drawn") == "1"
    assert boxes.locator("text").text_content() == "cat"
    page.shot("media-image")

    table = page.locator(".media-panel[data-key='preds'] .table-media")
    table.locator("table").wait_for()
    assert table.get_attribute("data-rows") == "7" and table.locator("td img").count() == 7
    table.locator("input.table-filter").fill("dog")
    assert table.get_attribute("data-rows") == "2"
    table.locator("input.table-filter").fill("")
    table.locator("th[data-column='2']").click()
    table.locator("th[data-column='2']").click()
    assert table.locator("tbody tr td").first.inner_text() == "6"  # sorted by score, descending

    _ready(page, ".media-panel[data-key='weights'] .chart[data-state=ready]")
    _ready(page, "#custom-charts .chart[data-key='curves'][data-state=ready]")
    assert page.get_attribute("#custom-charts .chart[data-key='curves']", "data-traces") == "2"
    _ready(page, ".media-panel[data-key='fig'] .chart[data-state=ready]")
    _ready(page, ".media-panel[data-key='cloud'] .chart[data-points='30']")
    assert page.locator(".media-panel[data-key='clip'] audio").get_attribute("src").endswith(".wav")
    assert page.locator(".media-panel[data-key='movie'] img.video-gif").count() == 1
    assert page.locator(".media-panel[data-key='note'] pre").inner_text() == "text at 9"
    frame = page.locator(".media-panel[data-key='page'] iframe")
    assert frame.get_attribute("sandbox") == "allow-scripts"
    inner = frame.element_handle().content_frame()
    inner.wait_for_function("document.title !== ''")
    assert inner.evaluate("document.title") == "blocked" and "hello from html" in inner.inner_text("body")
    page.shot("media-all")


def test_sweep_view(ui_server, page):
    page.goto(f"{ui_server.url}/tracklab/sweep?project=tune")
    _ready(page, "body[data-state=ready]")
    page.click("text=sweep01")
    _ready(page, "body[data-state=ready]")
    assert page.get_attribute("#parallel", "data-trials") == "6"
    assert int(page.get_attribute("#importance", "data-params")) >= 1
    assert page.locator("#trials tbody tr").count() == 6
    dims = page.eval_on_selector("#parallel", "el => el.data[0].dimensions.map(d => d.label)")
    assert dims[-1] == "loss" and "optimizer" in dims
    page.shot("sweep")


def test_artifact_view(ui_server, page):
    page.goto(f"{ui_server.url}/tracklab/")
    _ready(page, "body[data-state=ready]")
    page.locator("tr[data-project='vision'] a", has_text="artifacts").click()
    _ready(page, "body[data-state=ready]")
    assert page.locator("#versions tbody tr").count() == 2
    assert page.locator("#versions tr[data-version='v0'] .pill").inner_text() == "best"
    page.locator("#versions a", has_text="v0").click()
    _ready(page, "body[data-state=ready]")
    assert page.locator("#files tbody tr").count() == 2
    assert "<b>x</b>" in page.inner_text("#version-detail")  # metadata shown as text
    assert page.locator("#lineage .lineage-run").count() == 2
    page.shot("artifacts")
    page.locator("#lineage .lineage-run a", has_text="consumer").click()
    _ready(page, "body[data-state=ready]")
    assert "Used artifacts" in page.inner_text("#run-artifacts") and "digits:v0" in page.inner_text("#run-artifacts")
    page.goto(f"{ui_server.url}/tracklab/artifacts?project=vision&name=digits&version=v0")
    _ready(page, "body[data-state=ready]")
    page.locator("#versions tr[data-version='v0'] a", has_text="model version").click()
    page.wait_for_url("**/#/models/**", timeout=60_000)
    page.get_by_text("Version 1").first.wait_for(timeout=60_000)
    page.shot("artifact-in-mlflow")


def test_million_step_run_draws_fast(ui_server, ui_store, page):
    ui_store.wait_long_run()
    page.goto(f"{ui_server.url}/tracklab/workspace?project=long")
    _ready(page, ".chart[data-key='loss'][data-state=ready]")
    marks = dict(page.evaluate("performance.getEntriesByType('mark').map(m => [m.name, m.startTime])"))
    first_draw = marks.get("tracklab:loss:preview", marks["tracklab:loss:interactive"])  # ms since navigation
    interactive = marks["tracklab:loss:interactive"]
    chart = page.locator(".chart[data-key='loss']")
    assert chart.get_attribute("data-total") == str(_runs.LONG_STEPS)
    assert int(chart.get_attribute("data-points")) <= 2 * 2500 + 2
    top = page.eval_on_selector(".chart[data-key='loss']", "el => { const t = el.data[0]; "
                                "const i = t.y.indexOf(Math.max(...t.y)); return t.x[i]; }")
    assert top == _runs.SPIKE_STEP
    page.shot("long-run")
    load = os.getloadavg()[0] / (os.cpu_count() or 1)
    print(f"1,000,000-step chart: drawn {first_draw:.0f} ms after navigation, interactive (plotly) at "
          f"{interactive:.0f} ms (load {load:.1f} per core)")
    # The target is 2 s on an idle machine; a machine shared with other jobs gets proportionally more.
    assert first_draw < 2000 * max(1.0, load), f"drawn {first_draw:.0f} ms after navigation at load {load:.1f}"


def test_no_request_left_the_machine(requests_seen, ui_server):
    local = (ui_server.url, "data:", "blob:", "about:")
    assert requests_seen.sent
    foreign = [u for u in requests_seen.sent if not u.startswith(local)]
    assert not foreign, foreign
    # wandb.Html links wandb's stylesheet by default; the sandbox CSP stops it in the browser.
    assert all(u.startswith(local) or u == "https://app.wandb.ai/normalize.css" for u in requests_seen.blocked)


def test_ctrl_c_stops_the_server_cleanly(ui_server):
    pid = ui_server.api("info")["pid"]
    ui_server.proc.send_signal(signal.SIGINT)
    assert ui_server.proc.wait(30) == 0
    assert "Stopping the TrackLab UI" in ui_server.log.read_text()
    assert not _alive(pid)
    with pytest.raises(OSError):
        urllib.request.urlopen(ui_server.url + "/health", timeout=5)
