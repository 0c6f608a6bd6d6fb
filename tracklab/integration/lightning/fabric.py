"""`wandb.integration.lightning.fabric`: `WandbLogger` for Lightning Fabric.

`Fabric(loggers=[WandbLogger(project=...)])`, then `fabric.log_dict(metrics, step)`: metrics are
logged with `trainer/global_step` (the x axis every metric is defined against), hyperparameters
go to config, and `log_table` / `log_text` / `log_image` / `log_audio` / `log_video` / `log_html`
log media lists. The run starts on first use of `logger.experiment` (or joins the current one).
"""

from __future__ import annotations

import os
from argparse import Namespace
from typing import Any, Literal, Mapping

from tracklab.integration._requires import lazy_names, require


def _media_list(kind: str, items: list[Any], kwargs: dict[str, list[Any]]) -> list[Any]:
    """One `wandb.<kind>` per item, each with its share of the per-item keyword lists."""
    import tracklab

    if not isinstance(items, list):
        raise TypeError(f'Expected a list as "{kind.lower()}s", found {type(items)}')
    for key, values in kwargs.items():
        if len(values) != len(items):
            raise ValueError(f"Expected {len(items)} items but only found {len(values)} for {key}")
    make = getattr(tracklab, kind)
    return [make(item, **{k: v[i] for k, v in kwargs.items()}) for i, item in enumerate(items)]


def _build_logger() -> type:
    require("lightning", "lightning", "lightning")
    from lightning.fabric.loggers.logger import Logger, rank_zero_experiment
    from lightning.fabric.utilities.exceptions import MisconfigurationException
    from lightning.fabric.utilities.logger import _add_prefix, _convert_params, _sanitize_callable_params
    from lightning.fabric.utilities.rank_zero import rank_zero_only, rank_zero_warn

    class WandbLogger(Logger):  # type: ignore[misc]
        """Log a Fabric program to a TrackLab run; the arguments are wandb's (extra ones go to `wandb.init`)."""

        LOGGER_JOIN_CHAR = "-"

        def __init__(self, name: str | None = None, save_dir: Any = ".", version: str | None = None,
                     offline: bool = False, dir: Any = None, id: str | None = None, anonymous: bool | None = None,
                     project: str | None = None, log_model: Literal["all"] | bool = False, experiment: Any = None,
                     prefix: str = "", checkpoint_name: str | None = None,
                     log_checkpoint_on: Literal["success", "all"] = "success", **kwargs: Any) -> None:
            if offline and log_model:
                raise MisconfigurationException(
                    f"Providing log_model={log_model} and offline={offline} is an invalid configuration"
                    " since model checkpoints cannot be uploaded in offline mode.\n"
                    "Hint: Set `offline=False` to log your model.")
            super().__init__()
            self._offline = offline
            self._log_model = log_model
            self._prefix = prefix
            self._experiment = experiment
            save_dir = os.fspath(save_dir) if save_dir is not None else (os.fspath(dir) if dir is not None else None)
            self._wandb_init: dict[str, Any] = {
                "name": name, "project": project or os.environ.get("WANDB_PROJECT", "lightning_fabric_logs"),
                "dir": save_dir, "id": version or id, "resume": "allow",
                "anonymous": "allow" if anonymous else None, **kwargs}
            self._project = self._wandb_init["project"]
            self._save_dir = self._wandb_init["dir"]
            self._name = self._wandb_init["name"]
            self._id = self._wandb_init["id"]
            self._checkpoint_name = checkpoint_name
            self._log_checkpoint_on = log_checkpoint_on

        def __getstate__(self) -> dict[str, Any]:
            _ = self.experiment  # spawned workers attach to the run made here
            state = self.__dict__.copy()
            if self._experiment is not None:
                state["_id"] = getattr(self._experiment, "id", None)
                state["_attach_id"] = getattr(self._experiment, "_attach_id", None)
                state["_name"] = self._experiment.name
            state["_experiment"] = None
            return state

        @property
        @rank_zero_experiment
        def experiment(self) -> Any:
            """The run (started on first use)."""
            import tracklab

            if self._experiment is None:
                if self._offline:
                    os.environ["WANDB_MODE"] = "dryrun"
                attach_id = getattr(self, "_attach_id", None)
                if tracklab.run is not None:
                    rank_zero_warn("There is a wandb run already in progress and newly created instances of "
                                   "`WandbLogger` will reuse this run. If this is not desired, call `wandb.finish()` "
                                   "before instantiating `WandbLogger`.")
                    self._experiment = tracklab.run
                elif attach_id is not None:
                    self._experiment = tracklab._attach(attach_id)
                else:
                    self._experiment = tracklab.init(**self._wandb_init)
                    self._experiment.define_metric("trainer/global_step")
                    self._experiment.define_metric("*", step_metric="trainer/global_step", step_sync=True)
            return self._experiment

        def watch(self, model: Any, log: str = "gradients", log_freq: int = 100, log_graph: bool = True) -> None:
            self.experiment.watch(model, log=log, log_freq=log_freq, log_graph=log_graph)

        @rank_zero_only
        def log_hyperparams(self, params: dict[str, Any] | Namespace) -> None:  # type: ignore[override]
            params = _sanitize_callable_params(_convert_params(params))
            self.experiment.config.update(params, allow_val_change=True)

        @rank_zero_only
        def log_metrics(self, metrics: Mapping[str, Any], step: int | None = None) -> None:
            metrics = _add_prefix(metrics, self._prefix, self.LOGGER_JOIN_CHAR)
            self.experiment.log(dict(metrics, **{"trainer/global_step": step}) if step is not None else metrics)

        @rank_zero_only
        def log_table(self, key: str, columns: list[str] | None = None, data: list[list[Any]] | None = None,
                      dataframe: Any = None, step: int | None = None) -> None:
            import tracklab

            self.log_metrics({key: tracklab.Table(columns=columns, data=data, dataframe=dataframe)}, step)

        @rank_zero_only
        def log_text(self, key: str, columns: list[str] | None = None, data: list[list[str]] | None = None,
                     dataframe: Any = None, step: int | None = None) -> None:
            self.log_table(key, columns, data, dataframe, step)

        @rank_zero_only
        def log_html(self, key: str, htmls: list[Any], step: int | None = None, **kwargs: Any) -> None:
            self.log_metrics({key: _media_list("Html", htmls, kwargs)}, step)

        @rank_zero_only
        def log_image(self, key: str, images: list[Any], step: int | None = None, **kwargs: Any) -> None:
            self.log_metrics({key: _media_list("Image", images, kwargs)}, step)

        @rank_zero_only
        def log_audio(self, key: str, audios: list[Any], step: int | None = None, **kwargs: Any) -> None:
            self.log_metrics({key: _media_list("Audio", audios, kwargs)}, step)

        @rank_zero_only
        def log_video(self, key: str, videos: list[Any], step: int | None = None, **kwargs: Any) -> None:
            self.log_metrics({key: _media_list("Video", videos, kwargs)}, step)

        @property
        def save_dir(self) -> str | None:
            return self._save_dir

        @property
        def name(self) -> str | None:
            """The project (not the run's name, as in wandb)."""
            return self._project

        @property
        def version(self) -> str | None:
            return self._experiment.id if self._experiment else self._id

        @property
        def log_dir(self) -> str | None:
            return self.save_dir

        @property
        def group_separator(self) -> str:
            return self.LOGGER_JOIN_CHAR

        @property
        def root_dir(self) -> str | None:
            return os.path.dirname(self.save_dir) if self.save_dir else None

        def log_graph(self, model: Any, input_array: Any = None) -> None:
            """Does nothing (as in wandb): use `watch(model, log_graph=True)`."""

        @staticmethod
        @rank_zero_only
        def download_artifact(artifact: str, save_dir: Any = None, artifact_type: str | None = None,
                              use_artifact: bool | None = True) -> str:
            import tracklab

            if tracklab.run is not None and use_artifact:
                found = tracklab.run.use_artifact(artifact)
            else:
                found = tracklab.Api().artifact(artifact, type=artifact_type)
            return found.download(root=None if save_dir is None else os.fspath(save_dir))

        def use_artifact(self, artifact: str, artifact_type: str | None = None) -> Any:
            return self.experiment.use_artifact(artifact, type=artifact_type)

        @rank_zero_only
        def save(self) -> None:
            self.experiment.log({}, commit=True)

        @rank_zero_only
        def finalize(self, status: str) -> None:
            """Nothing to flush: the run is finished by `wandb.finish()` or at exit, as in wandb."""

    return WandbLogger


lazy_names(globals(), {"WandbLogger": _build_logger})
__all__ = ["WandbLogger"]
