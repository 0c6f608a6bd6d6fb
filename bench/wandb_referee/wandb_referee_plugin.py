"""pytest plugin of bench/wandb_unit_tests.py: writes each test's outcome to $WANDB_REFEREE_OUT (JSON).

Loaded with `-p wandb_referee_plugin` inside the pytest processes the referee starts; records
collection errors per file, the collected test ids and one outcome per test id.
"""

from __future__ import annotations

import json
import os
from typing import Any

_collected: list[str] = []
_outcomes: dict[str, str] = {}
_errors: dict[str, str] = {}
_reasons: dict[str, str] = {}


def pytest_itemcollected(item: Any) -> None:
    _collected.append(item.nodeid)


def pytest_collectreport(report: Any) -> None:
    if report.failed:
        _errors[report.nodeid] = str(report.longrepr)[-2000:]


def pytest_runtest_logreport(report: Any) -> None:
    # One outcome per test: a failure in any phase (teardown included) wins.
    if _outcomes.get(report.nodeid) == "failed":
        return
    if report.failed:
        _outcomes[report.nodeid] = "failed"
        text = str(report.longrepr).splitlines()
        errors = [line for line in text if line.startswith("E ")]
        _reasons[report.nodeid] = (errors[0] if errors else (text[-1] if text else ""))[:300]
    elif report.skipped:
        _outcomes[report.nodeid] = "xfailed" if hasattr(report, "wasxfail") else "skipped"
    elif report.when == "call":
        _outcomes[report.nodeid] = "xpassed" if hasattr(report, "wasxfail") else "passed"


def pytest_sessionfinish(session: Any, exitstatus: int) -> None:
    path = os.environ.get("WANDB_REFEREE_OUT")
    if path:
        with open(path, "w", encoding="utf-8") as f:
            json.dump({"collected": _collected, "outcomes": _outcomes, "errors": _errors, "reasons": _reasons}, f)
