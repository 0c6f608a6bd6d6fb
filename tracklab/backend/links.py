"""Addresses of runs and projects in `tracklab ui` or the MLflow server in use.

Checked in MLflow 3.17's UI (tests/ui): `#/experiments/<exp>/runs/<run>?workflowType=machine_learning`
opens the run in the "Model training" view; `#/runs/<run>` redirects to the run's experiment
but drops the query, so the view then comes from the user's saved choice (which `tracklab ui`
presets to "Model training").
"""

from __future__ import annotations

from typing import Any

ML_VIEW = "?workflowType=machine_learning"


def ui_base(settings: Any) -> str:
    """The MLflow server of the run: the tracking server itself, the `tracklab ui` already running
    on the local store, or `ui_host:ui_port`."""
    uri = settings.tracking_uri or ""
    if uri.startswith(("http://", "https://")):
        return uri.rstrip("/")
    running = _running_ui(uri)
    if running:
        return running
    from tracklab.backend.ui_registry import address

    return address(settings.ui_host, int(settings.ui_port))


def ui_running(settings: Any) -> bool:
    """Whether the run's links point at a server that runs now (an http store, or a `tracklab ui`)."""
    uri = settings.tracking_uri or ""
    return uri.startswith(("http://", "https://")) or _running_ui(uri) is not None


def _running_ui(uri: str) -> str | None:
    try:
        from tracklab.backend import ui_registry

        entry = ui_registry.find(ui_registry.spec_for(tracking_uri=uri or None))
    except Exception:  # a link must never fail a run
        return None
    return entry["url"] if entry else None


def run_url(settings: Any, experiment_id: str | None, run_id: str) -> str:
    if experiment_id is None:
        return f"{ui_base(settings)}/#/runs/{run_id}"
    return f"{ui_base(settings)}/#/experiments/{experiment_id}/runs/{run_id}{ML_VIEW}"


def experiment_url(settings: Any, experiment_id: str | None) -> str | None:
    if experiment_id is None:
        return None
    return f"{ui_base(settings)}/#/experiments/{experiment_id}{ML_VIEW}"
