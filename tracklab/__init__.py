"""TrackLab: wandb's API on a local MLflow store. `import tracklab as wandb` and go.

This module stays light: MLflow, pandas, plotly, torch and numpy are imported only by the
features that need them (the writer runs in its own process).
"""

from __future__ import annotations

import importlib
from typing import Any

from tracklab import _wiring, errors  # noqa: F401 - _wiring hands lower layers what they may not import
from tracklab.errors import CommError, Error, UsageError
from tracklab.errors import term as _terminal
from tracklab.sdk import wandb_setup as _setup
from tracklab.errors.term import termerror, termlog, termsetup, termwarn
from tracklab.sdk.wandb_config import Config
from tracklab.sdk.wandb_init import init
from tracklab.sdk.wandb_run import Run
from tracklab.sdk.wandb_settings import Settings
from tracklab.sdk.wandb_summary import Summary

__version__ = "0.1.0"
__tracklab__ = True

# TrackLab's warnings reach stderr as wandb's do (`tracklab: WARNING ...`), once each.
_terminal.install_handler()

# `run`, `config`, `summary`, `log`, `save`, ... follow the current run (see wandb_setup).
run: Run | None = None
globals().update(_setup.preinit_values())


def finish(exit_code: int | None = None, quiet: bool | None = None) -> None:
    """Finish the current run; a no-op when there is none."""
    current = _setup.current_run()
    if current is not None:
        current.finish(exit_code=exit_code, quiet=quiet)


join = finish


def tracking_uri() -> str:
    """The MLflow tracking URI TrackLab writes to."""
    from tracklab.backend.location import resolve_tracking_uri
    from tracklab.sdk.wandb_settings import settings_from_environment

    env = settings_from_environment()
    return resolve_tracking_uri(env.get("tracking_uri"), env.get("tracklab_dir"))


def login(key: str | None = None, relogin: bool | None = None, host: str | None = None, force: bool | None = None,
          timeout: int | None = None, verify: bool = False, referrer: str | None = None,
          prompt: bool = False, anonymous: Any = None, **kwargs: Any) -> bool:
    """Nothing to log in to: TrackLab stores runs locally. Always succeeds."""
    return True


def setup(settings: Settings | None = None) -> Any:
    """wandb's process setup: the process-wide settings object (`settings` applied to it)."""
    state = _setup.singleton()
    if settings is not None:
        state.settings.update_from_settings(settings)
    return state


def teardown(exit_code: int | None = None) -> None:
    """Finish the current run (sweep agents call this between trials) and forget the settings
    `setup()` was given."""
    finish(exit_code=exit_code)
    _setup._singleton = None


def require(requirement: Any = None, experiment: Any = None, **kwargs: Any) -> None:
    """wandb feature flags (`require("service")`); all are on."""


def ensure_configured() -> None:
    """Kept for wandb compatibility."""


def _attach(attach_id: str | None = None, run_id: str | None = None, **kwargs: Any) -> Run | None:
    """The run `run._attach_id` names, from this or another process (Lightning's DDP spawn)."""
    from tracklab.sdk.wandb_attach import attach as attach_run

    return attach_run(attach_id, run_id)


attach = _attach


class AlertLevel:
    """Levels for `run.alert`."""

    INFO = "INFO"
    WARN = "WARN"
    ERROR = "ERROR"


_LAZY = {
    "Api": ("tracklab.apis.public", "Api"),
    "apis": ("tracklab.apis", None),
    "sdk": ("tracklab.sdk", None),
    "wandb_run": ("tracklab.sdk.wandb_run", None),
    "wandb_sdk": ("tracklab.sdk", None),
    "util": ("tracklab.util", None),
    "env": ("tracklab.env", None),
    "data_types": ("tracklab.sdk.data_types", None),
    "plot": ("tracklab.plot", None),
    "Image": ("tracklab.sdk.data_types", "Image"),
    "Table": ("tracklab.sdk.data_types", "Table"),
    "Histogram": ("tracklab.sdk.data_types", "Histogram"),
    "Audio": ("tracklab.sdk.data_types", "Audio"),
    "Video": ("tracklab.sdk.data_types", "Video"),
    "Html": ("tracklab.sdk.data_types", "Html"),
    "Object3D": ("tracklab.sdk.data_types", "Object3D"),
    "Molecule": ("tracklab.sdk.data_types", "Molecule"),
    "Plotly": ("tracklab.sdk.data_types", "Plotly"),
    "Bokeh": ("tracklab.sdk.data_types", "Bokeh"),
    "Graph": ("tracklab.sdk.data_types", "Graph"),
    "Classes": ("tracklab.sdk.data_types", "Classes"),
    "box3d": ("tracklab.sdk.data_types", "box3d"),
    "sweep": ("tracklab.sweeps", "sweep"),
    "agent": ("tracklab.sweeps", "agent"),
    "controller": ("tracklab.sweeps", "controller"),
    "Artifact": ("tracklab.sdk.artifacts", "Artifact"),
    "ArtifactTTL": ("tracklab.sdk.artifacts", "ArtifactTTL"),
    "enable_wandb_standin": ("tracklab.integration", "enable_wandb_standin"),
    "disable_wandb_standin": ("tracklab.integration", "disable_wandb_standin"),
    "integration": ("tracklab.integration", None),
    "tensorboard": ("tracklab.integration.tensorboard", None),
    "sklearn": ("tracklab.integration.sklearn", None),
    "visualize": ("tracklab.plot", "visualize"),
    "plot_table": ("tracklab.plot", "plot_table"),
    "JoinedTable": ("tracklab.sdk.data_types", "JoinedTable"),
    "restore": ("tracklab.sdk.wandb_restore", "restore"),
    "keras": ("tracklab.integration.keras", None),
    "xgboost": ("tracklab.integration.xgboost", None),
    "lightgbm": ("tracklab.integration.lightgbm", None),
}


def __getattr__(name: str) -> Any:
    target = _LAZY.get(name)
    if target is None:
        raise AttributeError(f"module 'tracklab' has no attribute {name!r}")
    module = importlib.import_module(target[0])
    value = module if target[1] is None else getattr(module, target[1])
    globals()[name] = value
    return value


__all__ = [
    "Api", "Config", "Error", "CommError", "UsageError", "Run", "Settings", "Summary", "init", "finish",
    "join", "log", "config", "summary", "run", "save", "define_metric", "watch", "unwatch", "login",
    "setup", "teardown", "tracking_uri", "errors", "sweep", "agent", "Image", "Table", "Histogram",
]
