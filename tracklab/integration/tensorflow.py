"""`wandb.integration.tensorflow`: `WandbHook`, a TF1-style `SessionRunHook` for Estimators and
`MonitoredSession`s: every `steps_per_log` global steps it logs the merged summaries' values
(scalars, histograms, images) as TrackLab's TensorBoard sync does."""

from __future__ import annotations

from typing import Any

from tracklab.integration._requires import lazy_names, require


def _log_summary(serialized: Any) -> None:
    import tracklab
    from tracklab.sdk.tensorboard.events import summary_values

    if serialized is None:
        return
    from tensorboard.compat.proto.summary_pb2 import Summary

    summary = Summary.FromString(serialized) if isinstance(serialized, bytes) else serialized
    values = summary_values(summary)
    values.update(_histo_values(summary))
    if values:
        tracklab.log(values)  # wandb logs each summary as the next row (not at the global step)


def _histo_values(summary: Any) -> dict[str, Any]:
    """TF1 `histo` summaries as wandb's hook converts them (unlike TensorBoard sync): every bucket
    kept, the outer edges extrapolated from their neighbours' widths."""
    import tracklab

    found = {}
    for value in summary.value:
        if value.WhichOneof("value") != "histo" or len(value.histo.bucket_limit) < 3:
            continue
        limits = list(value.histo.bucket_limit)
        edges = [2 * limits[0] - limits[1], *limits[:-1], 2 * limits[-2] - limits[-3]]
        found[value.tag] = tracklab.Histogram(np_histogram=(list(value.histo.bucket), edges))
    return found


def _build_hook() -> type:
    tf = require("tensorflow", "tensorflow", "tensorflow")

    class WandbHook(tf.compat.v1.train.SessionRunHook):  # type: ignore[misc, name-defined]
        """Log the merged summary op (or `summary_op`) every `steps_per_log` steps."""

        def __init__(self, summary_op: Any = None, steps_per_log: int = 1000, history: Any = None) -> None:
            self._summary_op = summary_op
            self._steps_per_log = steps_per_log
            self._history = history

        def begin(self) -> None:
            import tracklab

            if tracklab.run is None:
                raise tracklab.Error("You must call `wandb.init()` before calling `WandbHook`")
            if self._summary_op is None:
                self._summary_op = tf.compat.v1.summary.merge_all()
            self._step = -1

        def before_run(self, run_context: Any) -> Any:
            return tf.compat.v1.train.SessionRunArgs({"summary": self._summary_op,
                                                      "global_step": tf.compat.v1.train.get_global_step()})

        def after_run(self, run_context: Any, run_values: Any) -> None:
            step = run_values.results["global_step"]
            if step % self._steps_per_log == 0:
                _log_summary(run_values.results["summary"])

    return WandbHook


lazy_names(globals(), {"WandbHook": _build_hook})
__all__ = ["WandbHook"]
