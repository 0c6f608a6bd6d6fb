"""Paths that wandb integrations import (`wandb.sdk.lib.RunDisabled`, ...)."""

from tracklab.sdk.lib.disabled import RunDisabled

__all__ = ["RunDisabled"]
