"""What layers above the sdk provide to it, without the sdk importing them: the `tracklab.Api`
run an artifact's `logged_by()` / `used_by()` returns (tracklab.apis), a detached
`tracklab ui` for `TRACKLAB_UI=auto` (tracklab.ui), and gym's video logging for
`init(monitor_gym=True)` (tracklab.integration). `tracklab._wiring`, loaded by
`import tracklab`, provides them."""

from __future__ import annotations

from typing import Any, Callable

_provided: dict[str, Callable[..., Any]] = {}


def provide(**functions: Callable[..., Any]) -> None:
    """Register the functions behind the hooks (by name)."""
    _provided.update(functions)


def _call(name: str, *args: Any) -> Any:
    found = _provided.get(name)
    if found is None:
        raise RuntimeError(f"tracklab.sdk: nothing provides {name!r} (tracklab._wiring registers it on import)")
    return found(*args)


def open_api_run(tracking_uri: str, mlflow_run_id: str) -> Any:
    """The `tracklab.Api` Run of an MLflow run id, or None if the store no longer has it."""
    return _call("open_api_run", tracking_uri, mlflow_run_id)


def ensure_ui(settings: Any) -> str:
    """The address of a UI server on the settings' store, starting one detached if none runs."""
    return _call("ensure_ui", settings)


def monitor_gym() -> None:
    """Log the videos gym/gymnasium's recorders write to the current run (`init(monitor_gym=True)`)."""
    _call("monitor_gym")
