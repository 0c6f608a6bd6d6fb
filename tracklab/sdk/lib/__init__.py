"""Paths that wandb integrations import (`wandb.sdk.lib.RunDisabled`, ...)."""

from tracklab.sdk.lib import printer_asyncio  # noqa: F401 - wandb code reaches it as an attribute
from tracklab.sdk.lib.disabled import RunDisabled

__all__ = ["RunDisabled"]
