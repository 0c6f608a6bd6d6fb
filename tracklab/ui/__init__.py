"""`tracklab ui`: MLflow's server with TrackLab's plugin on the user's store.

`ensure_server(settings)` starts one detached (or finds the one already running on that store)
and returns its address; `serve.run_foreground` is what the `tracklab ui` command runs.
"""

from __future__ import annotations

from typing import Any


def ensure_server(settings: Any) -> str:
    """The address of a UI server on the run's store, starting one detached if none runs."""
    from tracklab.ui.detached import ensure_server as _ensure

    return _ensure(settings)


__all__ = ["ensure_server"]
