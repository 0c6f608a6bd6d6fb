"""`wandb.integration.sacred`: `WandbObserver`, a Sacred run observer logging to a TrackLab run.

`WandbObserver(**init_kwargs)` starts the run (`wandb.init(**init_kwargs)`); the experiment's config
becomes the run's config (plus `resources: []`), metrics logged with `_run.log_scalar` become
history rows, numeric results `result_<i>`, dict results are logged as they are, other results
and `add_artifact` files become artifacts.
"""

from __future__ import annotations

import os
import pickle
import tempfile
import warnings
from typing import Any

from tracklab.integration._requires import lazy_names, require


def _build_observer() -> type:
    require("sacred", "sacred", "sacred")
    from sacred.dependencies import get_digest
    from sacred.observers import RunObserver

    class WandbObserver(RunObserver):  # type: ignore[misc]
        """Log a Sacred experiment to a run; accepts every argument of `wandb.init()`."""

        def __init__(self, **kwargs: Any) -> None:
            import tracklab

            self.run = tracklab.init(**kwargs)
            self.resources: dict[str, str] = {}

        def started_event(self, ex_info: Any, command: Any, host_info: Any, start_time: Any, config: Any,
                          meta_info: Any, _id: Any) -> None:
            for key, value in config.items():
                self.run.config[key] = value
            self.run.config["resources"] = []

        def completed_event(self, stop_time: Any, result: Any) -> None:
            if not result:
                return
            results = result if isinstance(result, tuple) else (result,)
            for i, value in enumerate(results):
                if isinstance(value, (float, int)):
                    self.run.log({f"result_{i}": float(value)})
                elif isinstance(value, dict):
                    self.run.log(value)
                else:
                    self._log_result_artifact(i, value)

        def _log_result_artifact(self, i: int, value: Any) -> None:
            import tracklab

            try:
                payload = pickle.dumps(value)
            except Exception:  # noqa: BLE001 - what pickle raises varies by object
                warnings.warn(f"logging results does not support type '{type(value)}' results. "
                              "Ignoring this result", stacklevel=3)
                return
            artifact = tracklab.Artifact(f"result_{i}.pkl", type="result")
            with tempfile.TemporaryDirectory() as folder:
                path = os.path.join(folder, f"result_{i}.pkl")
                with open(path, "wb") as f:
                    f.write(payload)
                artifact.add_file(path)
                self.run.log_artifact(artifact)

        def artifact_event(self, name: str, filename: str, metadata: Any = None, content_type: Any = None) -> None:
            import tracklab

            artifact = tracklab.Artifact(name, type=content_type or "file")
            artifact.add_file(filename)
            self.run.log_artifact(artifact)

        def resource_event(self, filename: str) -> None:
            if filename not in self.resources:
                self.resources[filename] = get_digest(filename)

        def log_metrics(self, metrics_by_name: dict[str, Any], info: Any) -> None:
            import numpy
            import tracklab

            for name, pointer in metrics_by_name.items():
                for _step, value in zip(pointer["steps"], pointer["values"], strict=False):
                    self.run.log({name: tracklab.Image(value) if isinstance(value, numpy.ndarray) else value})

    return WandbObserver


lazy_names(globals(), {"WandbObserver": _build_observer})
__all__ = ["WandbObserver"]
