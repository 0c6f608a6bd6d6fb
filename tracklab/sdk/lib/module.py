"""Point the module-level names (`wandb.run`, `wandb.config`, `wandb.log`, ...) at a run and back
(`wandb.sdk.lib.module.set_global` / `unset_globals`)."""

from __future__ import annotations

from typing import Any

from tracklab.sdk import wandb_setup


def set_global(run: Any = None, **values: Any) -> None:
    """Set `run` and any of the run-following names (config, summary, log, save, ...) given."""
    if run is not None:
        values["run"] = run
    for module in wandb_setup._targets():
        module.__dict__.update({name: value for name, value in values.items() if value is not None})


def unset_globals() -> None:
    """Back to the state before `init()`: no run, pre-init stand-ins that say to call `init()`.

    Only the module names change: a run started by `init()` is finished by `finish()`, not here."""
    values = wandb_setup.preinit_values()
    for module in wandb_setup._targets():
        module.__dict__.update(values)
