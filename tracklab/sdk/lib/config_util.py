"""wandb's `wandb.sdk.lib.config_util`: `ConfigError` (transformers imports it from here) and the
reader of wandb's YAML config files (`config-defaults.yaml`)."""

from __future__ import annotations

import os
from typing import Any

from tracklab.errors import Error, term


class ConfigError(Error):
    """A config value was changed without `allow_val_change=True`, or a config file is unusable."""


def dict_from_config_file(filename: str, must_exist: bool = False) -> dict[str, Any] | None:
    """The values of a wandb config file (`key: {value: ...}` entries, an optional
    `wandb_version: 1`); None when the file is missing (unless `must_exist`) or empty."""
    if not os.path.exists(filename):
        if must_exist:
            raise ConfigError(f"config file {filename} doesn't exist")
        return None
    import yaml  # only when there is a file to read

    try:
        with open(filename) as handle:
            loaded = yaml.safe_load(handle)
    except OSError as exc:
        raise ConfigError(f"Couldn't read config file: {filename} ({exc})") from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"Invalid YAML in config yaml: {filename} ({exc})") from None
    if loaded is None:
        term.termwarn(f"Found an empty default config file ({os.path.basename(filename)}). "
                      "Proceeding with no defaults.")
        return None
    if not isinstance(loaded, dict):
        raise ConfigError(f"config file {filename} must hold a mapping, not {type(loaded).__name__}")
    version = loaded.pop("wandb_version", None)
    if version not in (None, 1):
        raise ConfigError(f"Unknown config version {version!r} in {filename} (rule: wandb_version is 1)")
    return {key: entry["value"] if isinstance(entry, dict) and "value" in entry else entry
            for key, entry in loaded.items()}
