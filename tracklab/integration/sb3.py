"""`wandb.integration.sb3`: `WandbCallback` for stable-baselines3.

The callback records the algorithm's hyperparameters as config (without overriding what the user
set), watches the policy network when `gradient_save_freq` is set, and saves the model to
`model_save_path` (every `model_save_freq` steps and at the end), adding the file to the run's files.
"""

from __future__ import annotations

import logging
import os
from typing import Any, Literal

from tracklab.integration._requires import lazy_names, require

logger = logging.getLogger(__name__)

_LOG_CHOICES = ("gradients", "parameters", "all", None)


def _config_of(model: Any, known: Any) -> dict[str, Any]:
    """The algorithm's attributes as wandb records them: numbers and strings as is, the rest as str."""
    found: dict[str, Any] = {"algo": type(model).__name__}
    for key, value in model.__dict__.items():
        if key in known:
            continue
        found[key] = value if type(value) in (float, int, str) else str(value)
    return found


def _build_callback() -> type:
    base = require("stable_baselines3.common.callbacks", "stable-baselines3", "sb3").BaseCallback

    class WandbCallback(base):  # type: ignore[misc, valid-type]
        """Log an SB3 model's hyperparameters, gradients and checkpoints to the current run.

        Args:
            verbose: SB3's verbosity.
            model_save_path: folder the model is saved to (`model.zip`); None saves nothing.
            model_save_freq: save every this many calls (needs `model_save_path`).
            gradient_save_freq: watch the policy every this many steps; 0 watches nothing.
            log: what `watch` logs: "gradients", "parameters", "all" or None.
        """

        def __init__(self, verbose: int = 0, model_save_path: str | None = None, model_save_freq: int = 0,
                     gradient_save_freq: int = 0,
                     log: Literal["gradients", "parameters", "all"] | None = "all") -> None:
            import tracklab

            super().__init__(verbose)
            if tracklab.run is None:
                raise tracklab.Error("You must call wandb.init() before WandbCallback()")
            if log not in _LOG_CHOICES:
                tracklab.termwarn("`log` must be one of `None`, 'gradients', 'parameters', or 'all', "
                                  "falling back to 'all'")
                log = "all"
            self.model_save_freq = model_save_freq
            self.model_save_path = model_save_path
            self.gradient_save_freq = gradient_save_freq
            self.log = log
            if model_save_path is not None:
                os.makedirs(model_save_path, exist_ok=True)
                self.path = os.path.join(model_save_path, "model.zip")
            elif model_save_freq != 0:
                raise AssertionError("to use the `model_save_freq` you have to set the `model_save_path` parameter")

        def _init_callback(self) -> None:
            import tracklab

            found = _config_of(self.model, tracklab.config)
            if self.gradient_save_freq > 0:
                tracklab.watch(self.model.policy, log_freq=self.gradient_save_freq, log=self.log)
            tracklab.config.setdefaults(found)

        def _on_step(self) -> bool:
            if self.model_save_freq > 0 and self.model_save_path is not None \
                    and self.n_calls % self.model_save_freq == 0:
                self.save_model()
            return True

        def _on_training_end(self) -> None:
            if self.model_save_path is not None:
                self.save_model()

        def save_model(self) -> None:
            """Save the model to `model_save_path/model.zip` and add it to the run's files."""
            import tracklab

            self.model.save(self.path)
            tracklab.save(self.path, base_path=self.model_save_path)
            if self.verbose > 1:
                logger.info(f"Saving model checkpoint to {self.path}")

    return WandbCallback


lazy_names(globals(), {"WandbCallback": _build_callback})
__all__ = ["WandbCallback"]
