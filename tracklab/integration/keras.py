"""`wandb.integration.keras`: `WandbMetricsLogger`, `WandbModelCheckpoint`, `WandbEvalCallback`.

Built on Keras 3 (`keras.callbacks`), so they work with any Keras backend (TensorFlow, torch,
JAX), with wandb's keys: `epoch/<metric>` stepped by `epoch/epoch` (or `batch/<metric>` by
`batch/batch_step`), checkpoints as `run_<id>_model` artifacts aliased `latest` / `epoch_<n>`,
and the evaluation tables as `val` / `run_<id>_pred` artifacts.
"""

from __future__ import annotations

import abc
import os
import string
from typing import Any, Literal

import keras

from tracklab.errors import Error

LogStrategy = Literal["epoch", "batch"]


def _run(what: str) -> Any:
    import tracklab

    if tracklab.run is None:
        raise Error(f"You must call `wandb.init()` before {what}")
    return tracklab.run


class WandbMetricsLogger(keras.callbacks.Callback):
    """Log the metrics Keras reports, per epoch or every `log_freq` batches, with the learning rate."""

    def __init__(self, log_freq: LogStrategy | int = "epoch", initial_global_step: int = 0, *args: Any,
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        run = _run("WandbMetricsLogger()")
        if log_freq == "batch":
            log_freq = 1
        self.logging_batch_wise = isinstance(log_freq, int)
        self.log_freq: Any = log_freq if self.logging_batch_wise else None
        self.global_batch = 0
        self.global_step = initial_global_step
        prefix = "batch" if self.logging_batch_wise else "epoch"
        step_key = "batch/batch_step" if self.logging_batch_wise else "epoch/epoch"
        run.define_metric(step_key)
        run.define_metric(f"{prefix}/*", step_metric=step_key)

    def _get_lr(self) -> float | None:
        rate = getattr(self.model.optimizer, "learning_rate", None)
        try:
            if callable(rate) and not hasattr(rate, "shape"):
                rate = rate(self.global_step)
            return float(keras.ops.convert_to_numpy(rate))
        except Exception as exc:  # a schedule or optimizer Keras cannot evaluate here
            import tracklab

            tracklab.termerror(f"Unable to log learning rate: {exc}")
            return None

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        row = {f"epoch/{k}": v for k, v in (logs or {}).items()}
        row["epoch/epoch"] = epoch
        lr = self._get_lr()
        if lr is not None:
            row["epoch/learning_rate"] = lr
        _run("logging").log(row)

    def on_batch_end(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        self.global_step += 1
        if not (self.logging_batch_wise and batch % self.log_freq == 0):
            return
        row = {f"batch/{k}": v for k, v in (logs or {}).items()}
        row["batch/batch_step"] = self.global_batch
        lr = self._get_lr()
        if lr is not None:
            row["batch/learning_rate"] = lr
        _run("logging").log(row)
        self.global_batch += self.log_freq

    def on_train_batch_end(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        self.on_batch_end(batch, logs or {})


class WandbModelCheckpoint(keras.callbacks.ModelCheckpoint):
    """Keras' `ModelCheckpoint`, each saved checkpoint also logged as artifact `run_<id>_model`."""

    def __init__(self, filepath: str | os.PathLike, monitor: str = "val_loss", verbose: int = 0,
                 save_best_only: bool = False, save_weights_only: bool = False, mode: str = "auto",
                 save_freq: Literal["epoch"] | int = "epoch", initial_value_threshold: float | None = None,
                 **kwargs: Any) -> None:
        super().__init__(filepath=os.fspath(filepath), monitor=monitor, verbose=verbose,
                         save_best_only=save_best_only, save_weights_only=save_weights_only, mode=mode,
                         save_freq=save_freq, initial_value_threshold=initial_value_threshold, **kwargs)
        _run("`WandbModelCheckpoint()`")
        if self.save_best_only and not any(f[1] is not None for f in string.Formatter().parse(self.filepath)):
            import tracklab

            tracklab.termwarn("When using `save_best_only`, ensure that the `filepath` argument contains formatting "
                              "placeholders like `{epoch:02d}` or `{batch:02d}`. This ensures correct "
                              "interpretation of the logged artifacts.")

    @property
    def is_old_tf_keras_version(self) -> bool:
        """Whether this is tf.keras before 2.6 (wandb's check): never, with the Keras 3 this supports."""
        return False

    def on_train_batch_end(self, batch: int, logs: dict[str, float] | None = None) -> None:
        if self._should_save_on_batch(batch):
            self._save_model(epoch=self._current_epoch, batch=batch, logs=logs)
            path = self._get_file_path(epoch=self._current_epoch, batch=batch, logs=logs)
            self._log_checkpoint(path, ["latest", f"epoch_{self._current_epoch}_batch_{batch}"])

    def on_epoch_end(self, epoch: int, logs: dict[str, float] | None = None) -> None:
        super().on_epoch_end(epoch, logs)
        if self.save_freq == "epoch":
            self._log_checkpoint(self._get_file_path(epoch=epoch, batch=None, logs=logs),
                                 ["latest", f"epoch_{epoch}"])

    def _log_checkpoint(self, path: str, aliases: list[str]) -> None:
        if not os.path.exists(path):  # save_best_only and no improvement yet
            return
        from tracklab.sdk.artifacts import Artifact

        run = _run("logging a checkpoint")
        artifact = Artifact(f"run_{run.id}_model", type="model")
        if os.path.isdir(path):
            artifact.add_dir(path)
        else:
            artifact.add_file(path)
        run.log_artifact(artifact, aliases=aliases)


class WandbEvalCallback(keras.callbacks.Callback, abc.ABC):
    """Base class for model-prediction tables: ground truth once (`val` dataset artifact), then
    predictions each epoch (`run_<id>_pred` evaluation artifact). Subclass and fill the tables in
    `add_ground_truth` and `add_model_predictions`."""

    def __init__(self, data_table_columns: list[str], pred_table_columns: list[str], *args: Any,
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _run("using this callback")
        self.data_table_columns = data_table_columns
        self.pred_table_columns = pred_table_columns

    def on_train_begin(self, logs: dict[str, float] | None = None) -> None:
        self.init_data_table(column_names=self.data_table_columns)
        self.add_ground_truth(logs)
        self.log_data_table()

    def on_epoch_end(self, epoch: int, logs: dict[str, float] | None = None) -> None:
        self.init_pred_table(column_names=self.pred_table_columns)
        self.add_model_predictions(epoch, logs)
        self.log_pred_table()

    @abc.abstractmethod
    def add_ground_truth(self, logs: dict[str, float] | None = None) -> None:
        """Fill `self.data_table` with the validation data."""

    @abc.abstractmethod
    def add_model_predictions(self, epoch: int, logs: dict[str, float] | None = None) -> None:
        """Fill `self.pred_table` with this epoch's predictions."""

    def init_data_table(self, column_names: list[str]) -> None:
        from tracklab.sdk.data_types import Table

        self.data_table = Table(columns=column_names, allow_mixed_types=True)

    def init_pred_table(self, column_names: list[str]) -> None:
        from tracklab.sdk.data_types import Table

        self.pred_table = Table(columns=column_names)

    def log_data_table(self, name: str = "val", type: str = "dataset", table_name: str = "val_data") -> None:
        from tracklab.sdk.artifacts import Artifact

        artifact = Artifact(name, type=type)
        artifact.add(self.data_table, table_name)
        _run("logging a table").use_artifact(artifact)
        artifact.wait()
        self.data_table_ref = artifact.get(table_name)

    def log_pred_table(self, type: str = "evaluation", table_name: str = "eval_data",
                       aliases: list[str] | None = None) -> None:
        from tracklab.sdk.artifacts import Artifact

        run = _run("logging a table")
        artifact = Artifact(f"run_{run.id}_pred", type=type)
        artifact.add(self.pred_table, table_name)
        run.log_artifact(artifact, aliases=aliases or ["latest"])


__all__ = ["WandbMetricsLogger", "WandbModelCheckpoint", "WandbEvalCallback"]
