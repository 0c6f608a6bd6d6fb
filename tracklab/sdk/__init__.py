"""The SDK layer: Run, Config, Summary, Settings (wandb's `wandb.sdk`).

`wandb.sdk.Config`, `wandb.sdk.Summary`, `wandb.sdk.Settings`, `wandb.sdk.init` ... are
resolved on first use, so importing this package stays cheap.
"""

from __future__ import annotations

import importlib
from typing import Any

_LAZY = {
    "Config": ("tracklab.sdk.wandb_config", "Config"),
    "Summary": ("tracklab.sdk.wandb_summary", "Summary"),
    "Settings": ("tracklab.sdk.wandb_settings", "Settings"),
    "Run": ("tracklab.sdk.wandb_run", "Run"),
    "init": ("tracklab.sdk.wandb_init", "init"),
    "Artifact": ("tracklab.sdk.artifacts.artifact", "Artifact"),
}


def __getattr__(name: str) -> Any:
    target = _LAZY.get(name)
    if target is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(target[0]), target[1])
    globals()[name] = value
    return value
