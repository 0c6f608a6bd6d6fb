"""`wandb.integration.fastai`: the fast.ai **v1** `WandbCallback` (and `FastaiError`).

This is wandb's callback for fastai 1.x Learners (`fastai.callbacks.TrackerCallback`). fastai 2
ships its own `fastai.callback.wandb.WandbCallback`, which imports `wandb` itself and logs to
TrackLab through the stand-in; with fastai 2 installed, taking `WandbCallback` from here raises an
ImportError that says so.
"""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any, Literal

from tracklab.errors import Error
from tracklab.integration._requires import lazy_names


class FastaiError(Error):
    """A fastai step the callback needs (e.g. `learn.predict` for sample predictions) failed."""


def _tracker_callback() -> type:
    try:
        from fastai.callbacks import TrackerCallback  # fastai 1.x only
    except ModuleNotFoundError as exc:
        fastai2 = exc.name == "fastai.callbacks"
        hint = ("fastai 2 is installed: use its own `from fastai.callback.wandb import WandbCallback`, which "
                "logs to TrackLab through the wandb stand-in" if fastai2 else "pip install 'fastai<2'")
        raise ImportError(f"wandb.integration.fastai.WandbCallback is the fastai 1.x callback; {hint}",
                          name=exc.name) from None
    return TrackerCallback


def _build_callback() -> type:
    base = _tracker_callback()

    class WandbCallback(base):  # type: ignore[misc, valid-type]
        """Log a fastai 1.x Learner's losses and metrics each epoch, watch its model, keep the best model.

        Args:
            learn: the Learner. log: what `watch` logs ("gradients", "parameters", "all", None).
            save_model: save the best model (by `monitor`, `mode`) into the run folder and reload it at the end.
            input_type: "images" logs sample predictions on `validation_data` (or `predictions`
                random validation items, drawn with `seed`) as `Prediction Samples`.
        """

        _watch_called = False

        def __init__(self, learn: Any, log: Literal["gradients", "parameters", "all"] | None = "gradients",
                     save_model: bool = True, monitor: str | None = None,
                     mode: Literal["auto", "min", "max"] = "auto", input_type: Literal["images"] | None = None,
                     validation_data: list | None = None, predictions: int = 36, seed: int = 12345) -> None:
            import tracklab

            if tracklab.run is None:
                raise ValueError("You must call wandb.init() before WandbCallback()")
            if monitor is None:
                super().__init__(learn, mode=mode)
            else:
                super().__init__(learn, monitor=monitor, mode=mode)
            self.save_model = save_model
            self.model_path = Path(tracklab.run.dir) / "bestmodel.pth"
            self.log = log
            self.input_type = input_type
            self.best = None
            self.validation_data = validation_data
            if input_type and not validation_data:
                count = min(predictions, len(learn.data.valid_ds))
                picked = random.Random(seed).sample(range(len(learn.data.valid_ds)), count)
                self.validation_data = [learn.data.valid_ds[i] for i in picked]

        def on_train_begin(self, **kwargs: Any) -> None:
            import tracklab

            super().on_train_begin()
            if not WandbCallback._watch_called:  # once per process, as wandb does
                WandbCallback._watch_called = True
                tracklab.watch(self.learn.model, log=self.log)

        def on_epoch_end(self, epoch: int, smooth_loss: float, last_metrics: list, **kwargs: Any) -> None:
            import tracklab

            if self.save_model:
                current = self.get_monitor_value()
                if current is not None and self.operator(current, self.best):
                    tracklab.termlog(f"Better model found at epoch {epoch} with {self.monitor} value: {current}.")
                    self.best = current
                    with self.model_path.open("wb") as model_file:
                        self.learn.save(model_file)
            if self.validation_data:
                try:
                    self._log_predictions()
                except Exception as exc:  # noqa: BLE001 - wandb warns and stops trying
                    tracklab.termwarn(f"Unable to log prediction samples.\n{exc}")
                    self.validation_data = None
            values = [epoch, smooth_loss] + list(last_metrics)
            tracklab.log(dict(zip(self.learn.recorder.names, values, strict=False)))

        def on_train_end(self, **kwargs: Any) -> None:
            import tracklab

            if self.save_model and self.model_path.is_file():
                with self.model_path.open("rb") as model_file:
                    self.learn.load(model_file, purge=False)
                    tracklab.termlog(f"Loaded best saved model from {self.model_path}")

        def _log_predictions(self) -> None:
            import tracklab

            images = []
            for x, y in self.validation_data or []:
                try:
                    prediction = self.learn.predict(x)
                except Exception:  # noqa: BLE001
                    raise FastaiError('Unable to run "predict" method from Learner to log prediction samples.') \
                        from None
                images.append(tracklab.Image(x.data, caption=f"Ground Truth: {y}\nPrediction: {prediction[0]}"))
            tracklab.log({"Prediction Samples": images}, commit=False)

    return WandbCallback


lazy_names(globals(), {"WandbCallback": _build_callback})
__all__ = ["WandbCallback", "FastaiError"]
