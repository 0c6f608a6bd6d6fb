"""`wandb.integration.ultralytics`: `add_wandb_callback(model)` for Ultralytics YOLO models.

The callbacks record the training arguments as config (`train`), log the trainer's metrics and
learning rates at the end of each epoch (`epoch` as x axis) and, with
`enable_model_checkpointing`, the last checkpoint as a `model` artifact (`run_<id>_model`, aliases
`latest` and `epoch_<n>`). wandb's prediction-overlay tables (boxes, masks, key points drawn on
validation images) are not produced.
"""

from __future__ import annotations

from typing import Any, Callable


class WandBUltralyticsCallback:
    """The callbacks `add_wandb_callback` attaches (see the module doc)."""

    def __init__(self, model: Any, epoch_logging_interval: int = 1, max_validation_batches: int = 1,
                 enable_model_checkpointing: bool = False, visualize_skeleton: bool = False) -> None:
        self.epoch_logging_interval = epoch_logging_interval
        self.max_validation_batches = max_validation_batches
        self.enable_model_checkpointing = enable_model_checkpointing
        self.visualize_skeleton = visualize_skeleton
        self.task = getattr(model, "task", None)
        self.train_epoch: int | None = None

    def on_train_start(self, trainer: Any) -> None:
        import tracklab

        run = tracklab.run or tracklab.init(project=getattr(trainer.args, "project", None) or "YOLOv8",
                                            job_type="train")
        run.config.update({"train": {k: v if isinstance(v, (bool, int, float, str)) or v is None else str(v)
                                     for k, v in vars(trainer.args).items()}}, allow_val_change=True)

    def on_fit_epoch_end(self, trainer: Any) -> None:
        import tracklab

        if tracklab.run is None or self.train_epoch == trainer.epoch:
            return
        self.train_epoch = trainer.epoch
        if (trainer.epoch + 1) % self.epoch_logging_interval == 0:
            row = {k: float(v) for k, v in dict(getattr(trainer, "metrics", {}) or {}).items()}
            row.update({f"lr/{k}": float(v) for k, v in dict(getattr(trainer, "lr", {}) or {}).items()})
            tracklab.log({**row, "epoch": trainer.epoch + 1})
        if self.enable_model_checkpointing:
            self._save_model(trainer)

    def _save_model(self, trainer: Any) -> None:
        import tracklab

        path = getattr(trainer, "last", None)
        if path is None or not str(path) or tracklab.run is None:
            return
        artifact = tracklab.Artifact(f"run_{tracklab.run.id}_model", type="model",
                                     metadata={"epoch": trainer.epoch + 1})
        artifact.add_file(str(path))
        tracklab.run.log_artifact(artifact, aliases=["latest", f"epoch_{trainer.epoch + 1}"])

    def on_train_end(self, trainer: Any) -> None:
        """Nothing more: the metrics were logged per epoch."""

    @property
    def callbacks(self) -> dict[str, Callable]:
        return {"on_train_start": self.on_train_start, "on_fit_epoch_end": self.on_fit_epoch_end,
                "on_train_end": self.on_train_end}


def add_wandb_callback(model: Any, epoch_logging_interval: int = 1, enable_model_checkpointing: bool = False,
                       enable_train_validation_logging: bool = True, enable_validation_logging: bool = True,
                       enable_prediction_logging: bool = True, max_validation_batches: int | None = 1,
                       visualize_skeleton: bool | None = True) -> Any:
    """Attach the callbacks to `model` (a YOLO model) and return it."""
    callback = WandBUltralyticsCallback(model, epoch_logging_interval, max_validation_batches or 1,
                                        enable_model_checkpointing, bool(visualize_skeleton))
    for event, function in callback.callbacks.items():
        model.add_callback(event, function)
    return model


__all__ = ("WandBUltralyticsCallback", "add_wandb_callback")
