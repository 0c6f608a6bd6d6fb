"""Addresses of runs and projects in `tracklab ui` or the MLflow server in use."""

from __future__ import annotations

from typing import Any


def ui_base(settings: Any) -> str:
    uri = settings.tracking_uri or ""
    if uri.startswith(("http://", "https://")):
        return uri.rstrip("/")
    return f"http://{settings.ui_host}:{settings.ui_port}"


def run_url(settings: Any, experiment_id: str | None, run_id: str) -> str:
    if experiment_id is None:
        return f"{ui_base(settings)}/#/runs/{run_id}"
    return f"{ui_base(settings)}/#/experiments/{experiment_id}/runs/{run_id}"


def experiment_url(settings: Any, experiment_id: str | None) -> str | None:
    if experiment_id is None:
        return None
    return f"{ui_base(settings)}/#/experiments/{experiment_id}"
