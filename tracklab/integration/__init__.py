"""Integrations: `watch` for torch models, wandb's own framework helpers, and TrackLab standing in
for `wandb` so libraries that `import wandb` themselves (transformers, Lightning, accelerate,
optuna-integration, ...) log to TrackLab unchanged.

Opt in with `enable_wandb_standin()`, `TRACKLAB_AS_WANDB=1` (with `tracklab run` or the shim
folder on `PYTHONPATH`), or `tracklab run -- python train.py`; see docs/integrations.md.
"""

from __future__ import annotations

import os
import types

#: Environment variable that turns the stand-in on in processes started with the shim.
ENV_VAR = "TRACKLAB_AS_WANDB"
_TRUE = ("1", "true", "yes", "on")


def enable_wandb_standin() -> types.ModuleType:
    """Make `import wandb` give TrackLab in this process; returns the `wandb` module."""
    from tracklab.integration import wandb_standin

    return wandb_standin.enable()


def disable_wandb_standin() -> None:
    """Undo `enable_wandb_standin()` (the `wandb` name is left as it was before)."""
    from tracklab.integration import wandb_standin

    wandb_standin.disable()


def wandb_standin_enabled() -> bool:
    """Whether `import wandb` gives TrackLab in this process."""
    import sys

    module = sys.modules.get("tracklab.integration.wandb_standin")
    return bool(module and module.is_enabled())


def standin_requested(environ: "os._Environ[str] | dict[str, str] | None" = None) -> bool:
    """Whether `TRACKLAB_AS_WANDB` asks for the stand-in."""
    value = (os.environ if environ is None else environ).get(ENV_VAR, "")
    return value.strip().lower() in _TRUE


__all__ = ["ENV_VAR", "enable_wandb_standin", "disable_wandb_standin", "wandb_standin_enabled", "standin_requested"]
