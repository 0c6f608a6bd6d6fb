"""What the docs promise about a run's link: `run.url` (printed by `init()`) and
`Api().run(...).url` name the same server, the running `tracklab ui` of the store when there is
one, and the printed line says when no UI runs."""

from __future__ import annotations

import json
import os
import signal
import subprocess
from pathlib import Path
from urllib.parse import urlsplit

from tests.helpers import free_port, python_env, run_python
from tests.ui.conftest import start_ui, wait_for_line

LOG_AND_READ = """
    import json
    import tracklab
    run = tracklab.init(project="links")
    run.log({"a": 1})
    logged = run.url
    run.finish()
    read = tracklab.Api().run(f"links/{run.id}").url
    print(json.dumps({"logged": logged, "read": read}))
"""


def _server(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def _log_and_read(tl_dir: Path) -> tuple[dict[str, str], str]:
    done = run_python(LOG_AND_READ, Path.cwd(), env={"WANDB_SILENT": "false"})
    urls = json.loads(done.stdout.strip().splitlines()[-1])
    assert _server(urls["logged"]) == _server(urls["read"]), urls
    assert urls["logged"].split("/runs/")[1] == urls["read"].split("/runs/")[1].split("?")[0], urls  # the same run
    return urls, done.stderr


def test_links_without_a_ui(tl_dir: Path) -> None:
    urls, printed = _log_and_read(tl_dir)
    assert _server(urls["read"]) == "http://127.0.0.1:5000"  # where `tracklab ui` will serve it
    assert "no UI is running for this store: start it with `tracklab ui`" in printed


def test_links_with_the_ui_running(tl_dir: Path, tmp_path: Path) -> None:
    port = free_port()
    log = tmp_path / "ui.log"
    proc = start_ui(tl_dir, port, log, env=python_env({"WANDB_SILENT": "true"}))
    try:
        wait_for_line(log, "TrackLab UI:", proc)
        urls, printed = _log_and_read(tl_dir)
        assert _server(urls["logged"]) == _server(urls["read"]) == f"http://127.0.0.1:{port}"
        assert "View run at" in printed and "no UI is running" not in printed
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGINT)
            try:
                proc.wait(60)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
