"""Hands lower layers what they may not import: the feature methods of `tracklab.Api`
(sweeps), and to the sdk the `tracklab.Api` runs its artifacts return and
the detached UI `TRACKLAB_UI=auto` starts and gym's video logging (`monitor_gym`).

Loaded by `tracklab/__init__.py`, so it runs before any `tracklab.*` module is used. It stays
light: each function imports its feature only when called.
"""

from __future__ import annotations

from typing import Any

from tracklab.apis import _features
from tracklab.sdk import hooks


def _api_run(tracking_uri: str, mlflow_run_id: str) -> Any:
    from tracklab.apis.public import Api, stored_run

    return stored_run(Api(tracking_uri=tracking_uri), mlflow_run_id)


def _ensure_ui(settings: Any) -> str:
    from tracklab.ui import ensure_server

    return ensure_server(settings)


def _monitor_gym() -> None:
    from tracklab.integration import gym

    gym.monitor()


def _sweep(api: Any, path: str) -> Any:
    from tracklab.sweeps import api_sweep

    return api_sweep.sweep(api, path)


def _project_sweeps(api: Any, project: str) -> list[Any]:
    from tracklab.sweeps import api_sweep

    return api_sweep.project_sweeps(api, project)


hooks.provide(open_api_run=_api_run, ensure_ui=_ensure_ui, monitor_gym=_monitor_gym)
_features.provide(sweep=_sweep, project_sweeps=_project_sweeps)
