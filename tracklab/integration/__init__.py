"""Integrations: `watch` for torch models, wandb's own framework helpers, and TrackLab standing in
for `wandb` so libraries that `import wandb` themselves (transformers, Lightning, accelerate,
optuna-integration, ...) log to TrackLab unchanged.

Opt in with `enable_wandb_standin()`, `TRACKLAB_AS_WANDB=1` (with `tracklab run` or the shim
folder on `PYTHONPATH`), or `tracklab run -- python train.py`; see docs/integrations.md.
"""

from __future__ import annotations

import os
import types

#: Environment variable that turns the stand-in on in processes started with the shim
#: (`_shim/sitecustomize.py` accepts 1, true, yes, on).
ENV_VAR = "TRACKLAB_AS_WANDB"


def enable_wandb_standin(propagate: bool = True) -> types.ModuleType:
    """Make `import wandb` give TrackLab in this process; returns the `wandb` module.

    With `propagate` the environment is set too (`TRACKLAB_AS_WANDB=1`, the shim on
    `PYTHONPATH`), so Python processes started from here on (spawned DDP workers...) get it.
    """
    from tracklab.integration import wandb_standin

    return wandb_standin.enable(propagate=propagate)


def disable_wandb_standin() -> None:
    """Undo `enable_wandb_standin()` (the `wandb` name is left as it was before)."""
    from tracklab.integration import wandb_standin

    wandb_standin.disable()


def wandb_standin_enabled() -> bool:
    """Whether `import wandb` gives TrackLab in this process."""
    import sys

    module = sys.modules.get("tracklab.integration.wandb_standin")
    return bool(module and module.is_enabled())


def shim_dir() -> str:
    """The folder holding the stand-in's `sitecustomize.py`."""
    return os.path.join(os.path.dirname(os.path.abspath(__file__)), "_shim")


def standin_environment(base: "dict[str, str] | os._Environ[str] | None" = None) -> dict[str, str]:
    """`base` (default: this process's environment) with the stand-in switched on for child processes."""
    env = dict(os.environ if base is None else base)
    shim = shim_dir()
    parts = [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p and p != shim]
    env["PYTHONPATH"] = os.pathsep.join([shim, *parts])
    env[ENV_VAR] = "1"
    return env


__all__ = ["ENV_VAR", "enable_wandb_standin", "disable_wandb_standin", "wandb_standin_enabled", "shim_dir",
           "standin_environment"]
