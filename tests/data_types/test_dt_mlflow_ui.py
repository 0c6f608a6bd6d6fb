"""The stock MLflow UI shows TrackLab's logged media: a real MLflow server on 127.0.0.1 and
headless Chromium. Screenshots are kept in the test's tmp folder (`screenshots/`)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import playwright.sync_api as sync_api
import pytest

import tracklab
from tests.helpers import chromium, free_port, python_env, spawn, stop, stored_run, wait_until_up

MLFLOW_UI = Path(__file__).resolve().parent.parent / "artifacts" / "_mlflow_ui.py"


@pytest.mark.browser
@pytest.mark.server
def test_mlflow_ui_shows_logged_images_with_a_step_slider_and_tables_as_tables(tl_dir: Path, tmp_path: Path) -> None:
    executable = chromium()
    run = tracklab.init(project="mediaui", id="ui001")
    for step in range(3):  # red, green, blue
        pixels = np.zeros((64, 64, 3), dtype=np.uint8)
        pixels[..., step] = 255
        run.log({"samples": tracklab.Image(pixels, caption=f"step {step}")})
    run.log({"preds": tracklab.Table(columns=["id", "label"], data=[[0, "cat"], [1, "dog"]])})
    table_path = run.summary["preds"]["path"]
    run.finish()
    info = stored_run(tl_dir, "mediaui", "ui001").info

    port = free_port()
    server = spawn([sys.executable, str(MLFLOW_UI), f"sqlite:///{tl_dir / 'mlflow.db'}", str(tmp_path / "served"),
                    str(port)], env=python_env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    shots = tmp_path / "screenshots"
    shots.mkdir()
    try:
        wait_until_up(port, server)
        base = f"http://127.0.0.1:{port}/"
        run_page = f"{base}#/experiments/{info.experiment_id}/runs/{info.run_id}"
        with sync_api.sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=executable, args=["--no-sandbox"])
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.goto(base)
            page.evaluate("localStorage.setItem('mlflow.workflowType', 'machine_learning')")

            # Model metrics: an image card for "samples" with a slider over steps 0..2.
            page.goto(f"{run_page}/model-metrics")
            page.wait_for_selector("img[src*='images%2Fsamples%2Bstep%2B0%2B']", timeout=90_000)
            slider = page.wait_for_selector("[role=slider]")
            assert slider.get_attribute("aria-valuemax") == "2"
            slider.click()
            page.keyboard.press("ArrowRight")
            page.keyboard.press("ArrowRight")
            page.wait_for_selector("img[src*='images%2Fsamples%2Bstep%2B2%2B']", timeout=30_000)
            page.wait_for_function(
                "[...document.images].some(i => i.src.includes('step%2B2%2B') && i.complete && i.naturalWidth > 0)",
                timeout=30_000)
            page.screenshot(path=str(shots / "images-step-slider.png"), full_page=True)
            # The picture shown at step 2 is the blue one.
            shown = page.eval_on_selector("img[src*='images%2Fsamples%2Bstep%2B2%2B']", """img => {
                const c = document.createElement('canvas'); c.width = img.naturalWidth; c.height = img.naturalHeight;
                const g = c.getContext('2d'); g.drawImage(img, 0, 0); return [...g.getImageData(5, 5, 1, 1).data];
            }""")
            assert shown[2] > 200 and shown[0] < 50 and shown[1] < 50

            # Artifacts: the logged table opens as a table ("View as table").
            page.goto(f"{run_page}/artifacts/{table_path}")
            page.wait_for_selector("text=View as table", timeout=90_000)
            toggle = page.get_by_role("checkbox", name="View as table")
            if not toggle.is_checked():
                toggle.check()
            page.wait_for_selector("text=dog", timeout=30_000)
            page.screenshot(path=str(shots / "table-view.png"), full_page=True)
            cells = page.inner_text("body")
            assert "label" in cells and "cat" in cells and '"columns"' not in cells  # a table, not the JSON text
            browser.close()
        print("screenshots kept in", shots)
    finally:
        stop(server, timeout=30)
    assert (shots / "images-step-slider.png").stat().st_size > 0 and (shots / "table-view.png").stat().st_size > 0
