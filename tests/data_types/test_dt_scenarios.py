"""Multi-call behaviour against real wandb: re-logged tables, reused media,
commit=False / step= file naming, and custom charts (tables + config panels).

`MiniLogger` is the reference for how the core drives serialize_value: the
local-step counter used in media file names, pop_custom_charts before
flattening, and nested dict media named by their own key.
"""

from __future__ import annotations

import math
from typing import Any

import pytest

import _dt_cases as _cases
from _dt_support import FakeRun
from test_dt_differential import _check, _normalize


class MiniLogger:
    """The media part of wandb's `Run.log`, as the core must do it."""

    def __init__(self, files_dir: str, run: FakeRun) -> None:
        self.files_dir = files_dir
        self.run = run
        self.local_step = 0  # wandb's Run._local_step: names media files
        self.step = 0  # the history row being filled
        self.rows: list[dict[str, Any]] = []
        self.pending: dict[str, Any] = {}
        self.config_updates: list[tuple[tuple[str, ...], Any]] = []

    def log(self, data: dict[str, Any], step: int | None = None, commit: bool | None = None) -> None:
        import tracklab.sdk.data_types as dt

        data = dict(data)
        self.config_updates += dt.pop_custom_charts(data)
        if step is not None and step > self.step:
            self._commit()
            self.step = step
        for key, value in _flat(data).items():
            leaf = key.rsplit("/", 1)[-1] if key in _nested_keys(data) else key
            self.pending[key] = dt.serialize_value(value, self.files_dir, leaf, self.local_step, run=self.run)
        if step is not None and step > self.local_step:
            self.local_step = step
        if (step is None and commit is None) or commit:
            self._commit()
            self.local_step += 1

    def _commit(self) -> None:
        if self.pending:
            self.rows.append({**self.pending, "_step": self.step})
            self.step += 1
        self.pending = {}

    def finish(self) -> None:
        self._commit()


def _flat(data: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in data.items():
        if isinstance(v, dict):
            out.update(_flat(v, f"{prefix}{k}/"))
        else:
            out[f"{prefix}{k}"] = v
    return out


def _nested_keys(data: dict[str, Any]) -> set[str]:
    return {k for k in _flat(data) if "/" in k and k.split("/", 1)[0] in data and isinstance(data[k.split("/", 1)[0]], dict)}


@pytest.fixture(scope="module")
def scenario_oracle(tmp_path_factory: pytest.TempPathFactory, assets: str) -> dict[str, Any]:
    from _dt_support import HERE
    from tests._wandb_offline import run_wandb_offline

    return run_wandb_offline(
        _cases.wandb_scenario_script(str(HERE), assets), tmp_path_factory.mktemp("scen"), strip_internal=False
    )


@pytest.fixture(scope="module")
def scenario_ours(tmp_path_factory: pytest.TempPathFactory, assets: str) -> MiniLogger:
    import tracklab.plot as plot
    import tracklab.sdk.data_types as dt

    files_dir = str(tmp_path_factory.mktemp("scen_ours"))
    logger = MiniLogger(files_dir, FakeRun(files_dir))
    _cases.scenario(dt, plot, logger.log, assets)
    logger.finish()
    return logger


def _strip(row: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in row.items() if k not in ("_runtime", "_timestamp", "_wandb")}


def test_same_rows_and_steps(scenario_oracle: dict, scenario_ours: MiniLogger) -> None:
    theirs = [_strip(r) for r in scenario_oracle["history"]]
    assert [r["_step"] for r in scenario_ours.rows] == [r["_step"] for r in theirs]
    assert [sorted(r) for r in scenario_ours.rows] == [sorted(r) for r in theirs]


def test_every_value_and_file_matches(scenario_oracle: dict, scenario_ours: MiniLogger) -> None:
    for theirs, mine in zip(scenario_oracle["history"], scenario_ours.rows):
        for key, value in _strip(theirs).items():
            _check(value, mine[key], scenario_oracle["files_dir"], scenario_ours.files_dir)


def test_relogged_tables(scenario_oracle: dict) -> None:
    h = scenario_oracle["history"]
    # IMMUTABLE: same file, new row count; MUTABLE: a new file.
    assert h[0]["imm"]["path"] == h[1]["imm"]["path"] and h[1]["imm"]["nrows"] == 2
    assert h[2]["mut"]["path"] != h[3]["mut"]["path"]
    assert h[5]["inc"]["increment_num"] == 1 and len(h[5]["inc"]["previous_increments_paths"]) == 1


def test_chart_panels_in_config(scenario_oracle: dict, scenario_ours: MiniLogger) -> None:
    theirs = scenario_oracle["config"]["_wandb"]["visualize"]
    mine = {path[2]: value for path, value in scenario_ours.config_updates}
    assert _normalize(mine) == _normalize(theirs)


def test_chart_tables_content(scenario_oracle: dict, scenario_ours: MiniLogger) -> None:
    import json
    import os

    last_theirs, last_mine = scenario_oracle["history"][-1], scenario_ours.rows[-1]
    for key in ("pr_table", "roc_table", "cm_table", "series_table", "Custom Chart Tables/split_table"):
        with open(os.path.join(scenario_oracle["files_dir"], last_theirs[key]["path"])) as f:
            theirs = json.load(f)
        with open(os.path.join(scenario_ours.files_dir, last_mine[key]["path"])) as f:
            mine = json.load(f)
        assert mine == theirs, key
        assert not any(isinstance(v, float) and math.isnan(v) for row in mine["data"] for v in row)
