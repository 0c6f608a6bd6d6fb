"""Fixtures of the UI tests: one store filled by real TrackLab runs, one real `tracklab ui` on a
free 127.0.0.1 port, and one headless Chromium, all started once per module."""

from __future__ import annotations

import json
import shutil
import signal
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests import helpers
from tests.helpers import REPO, free_port, python_env, spawn, stop, wait_until
from tests.ui import _runs

CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
_LEAKY = ("WANDB_", "TRACKLAB_", "MLFLOW_")


def clean_env(root: Path, **extra: str) -> dict[str, str]:
    """The environment of a TrackLab process on `root`, without the developer's own settings."""
    env = {k: v for k, v in python_env().items() if not k.startswith(_LEAKY)}
    env.update({"TRACKLAB_DIR": str(root), "WANDB_SILENT": "true"}, **extra)
    return env


def get_json(url: str, headers: dict[str, str] | None = None, timeout: float = 60) -> Any:
    request = urllib.request.Request(url, headers=headers or {})
    with urllib.request.urlopen(request, timeout=timeout) as response:
        return json.loads(response.read())


def _python(code: str, root: Path, **popen: Any) -> subprocess.Popen:
    import textwrap

    return spawn([sys.executable, "-c", textwrap.dedent(code)], cwd=str(root), env=clean_env(root),
                 stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, **popen)


def _finish(proc: subprocess.Popen, name: str, timeout: float = 240) -> None:
    out, _ = proc.communicate(timeout=timeout)
    assert proc.returncode == 0, f"{name} failed:\n{out}"


class Store:
    """The module's TrackLab folder and the processes still logging into it."""

    def __init__(self, root: Path, long_run: subprocess.Popen, others: dict[str, subprocess.Popen]) -> None:
        self.root = root
        self.long_run = long_run
        self.others = others

    def wait_runs(self) -> None:
        """Wait for every run but the million-step one (then the artifact consumer runs)."""
        if self.others:
            for name, proc in self.others.items():
                _finish(proc, name)
            self.others = {}
            _finish(_python(_runs.ARTIFACTS_USE, self.root), "artifact consumer")

    def wait_long_run(self) -> None:
        if self.long_run.returncode is None:
            _finish(self.long_run, "long run")

    def stop(self) -> None:
        for proc in [self.long_run, *self.others.values()]:
            stop(proc, signal.SIGKILL, timeout=0)


@pytest.fixture(scope="module")
def ui_store(tmp_path_factory: pytest.TempPathFactory, template_store: Path) -> Iterator[Store]:
    """A TrackLab folder with runs of every kind the panels show, plus one orphaned run.

    The runs log in parallel and may still be logging when this returns (only the orphan is
    dead by then), so `tracklab ui` starts meanwhile; `ui_server` waits for them once it is up.
    """
    root = tmp_path_factory.mktemp("ui") / "tracklab"
    root.mkdir()
    shutil.copyfile(template_store / "mlflow.db", root / "mlflow.db")
    long_run = _python(_runs.LONG, root)
    others = {name: _python(code, root) for name, code in (
        ("vision run", _runs.VISION), ("compare and sweep runs", _runs.COMPARE + _runs.SWEEP),
        ("artifact producers", _runs.ARTIFACTS_LOG))}
    store = Store(root, long_run, others)
    try:
        orphan = _python(_runs.ORPHAN, root)
        try:
            assert orphan.stdout.readline().strip() == "ready"
        finally:
            orphan.kill()  # the leader alone: its writer lives on and must notice
            orphan.wait()
        yield store
    finally:
        store.stop()


@pytest.fixture(scope="module")
def ui_root(ui_store: Store) -> Path:
    return ui_store.root


class UiServer:
    """A `tracklab ui` process and its address."""

    def __init__(self, proc: subprocess.Popen, url: str, log: Path) -> None:
        self.proc = proc
        self.url = url
        self.log = log

    def api(self, route: str, **query: Any) -> Any:
        from urllib.parse import urlencode

        return get_json(f"{self.url}/tracklab/api/{route}" + (f"?{urlencode(query)}" if query else ""))


def start_ui(root: Path, port: int, log: Path, *extra: str, env: dict[str, str] | None = None) -> subprocess.Popen:
    with log.open("w") as output:
        return spawn([sys.executable, "-m", "tracklab.cli", "ui", "--store", str(root), "--port", str(port), *extra],
                     cwd=str(root), env=env or clean_env(root), stdout=output, stderr=subprocess.STDOUT)


def wait_for_line(log: Path, text: str, proc: subprocess.Popen, timeout: float = 150) -> str:
    def line() -> str | None:
        content = log.read_text(errors="replace")
        found = next((line for line in content.splitlines() if text in line), None)
        if found is None and proc.poll() is not None:
            raise AssertionError(f"`tracklab ui` exited ({proc.returncode}):\n{content}")
        return found

    return wait_until(line, timeout, interval=0.2,
                      what=lambda: f"{text!r} from `tracklab ui`:\n{log.read_text(errors='replace')}")


@pytest.fixture(scope="module")
def ui_server(ui_store: Store, tmp_path_factory: pytest.TempPathFactory) -> Iterator[UiServer]:
    port = free_port()
    log = tmp_path_factory.mktemp("ui-log") / "tracklab-ui.log"
    proc = start_ui(ui_store.root, port, log)
    try:
        line = wait_for_line(log, "TrackLab UI:", proc)
        ui_store.wait_runs()
        url = line.split("TrackLab UI:")[1].split()[0]
        assert url == f"http://127.0.0.1:{port}"
        yield UiServer(proc, url, log)
    finally:
        stop(proc, signal.SIGINT, timeout=30)  # as Ctrl-C in a terminal: the whole group


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    import playwright.sync_api as playwright

    with playwright.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=helpers.chromium(), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def browser_context(browser: Any, requests_seen: Requests) -> Iterator[Any]:
    """One context for the module: MLflow's 27 MB UI bundle is fetched once, then cached."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    context.on("requestfinished", requests_seen.finished)
    context.on("requestfailed", requests_seen.failed)
    yield context
    context.close()


class Requests:
    """Every request any page of the module sent, and those the browser blocked before sending."""

    def __init__(self) -> None:
        self.sent: list[str] = []
        self.blocked: list[str] = []

    def finished(self, request: Any) -> None:
        self.sent.append(request.url)

    def failed(self, request: Any) -> None:
        # Chromium reports requests refused by a Content-Security-Policy as failed with "csp": never sent.
        (self.blocked if request.failure == "csp" else self.sent).append(request.url)


@pytest.fixture(scope="module")
def requests_seen() -> Requests:
    return Requests()


@pytest.fixture
def page(browser_context: Any, tmp_path: Path) -> Iterator[Any]:
    """A new page; JavaScript errors fail the test; `page.shot(name)` keeps a screenshot in tmp_path."""
    page = browser_context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.shot = lambda name: page.screenshot(path=str(tmp_path / f"{name}.png"), full_page=True)  # type: ignore[attr-defined]
    yield page
    page.close()
    assert not errors, f"JavaScript errors: {errors}"


__all__ = ["REPO", "UiServer", "clean_env", "free_port", "get_json", "start_ui", "wait_for_line"]
