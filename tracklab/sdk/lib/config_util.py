"""`ConfigError` at wandb's import path (transformers imports it from here)."""

from tracklab.errors import Error


class ConfigError(Error):
    """A config value was changed without `allow_val_change=True`."""
