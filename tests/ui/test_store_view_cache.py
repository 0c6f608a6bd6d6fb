"""The panels' store view keeps a project's run list and run descriptions between requests only
until the store changes: a new run, a new point or a finished run shows on the next request."""

from __future__ import annotations

from pathlib import Path

import tracklab
from tests.helpers import wait_until
from mlflow_plugins._store_view import StoreView


def test_listed_runs_follow_every_write(tl_dir: Path) -> None:
    first = tracklab.init(project="cached", id="cache1")
    first.log({"loss": 1.0})
    first.finish()
    view = StoreView(f"sqlite:///{tl_dir / 'mlflow.db'}")
    listed = view.runs("cached")
    assert [view.describe(r)["latest"] for r in listed] == [{"loss": 1.0}]
    # Once the writer has closed the store (its last checkpoint), nothing changes: the same list.
    wait_until(lambda: view.runs("cached") is view.runs("cached"), what="an unchanged store to give the same list")

    second = tracklab.init(project="cached", id="cache2")
    second.log({"loss": 0.5})
    second.finish()
    assert sorted(view.describe(r)["id"] for r in view.runs("cached")) == ["cache1", "cache2"]

    again = tracklab.init(project="cached", id="cache1", resume="must")
    again.log({"loss": 0.25})
    again.finish()
    described = {view.describe(r)["id"]: view.describe(r) for r in view.runs("cached")}
    assert described["cache1"]["latest"] == {"loss": 0.25} and described["cache1"]["state"] == "finished"
