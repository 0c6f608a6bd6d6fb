"""`wandb.tensorboard` / `tracklab.tensorboard`: copy what TensorBoard writers log into the run.

`patch()` (or `init(sync_tensorboard=True)`) wraps `add_event` of the event-file writers that
`torch.utils.tensorboard`, `tensorboard` and `tensorboardX` use: each summary written while a run
is current is converted the way wandb converts it (scalars by tag, `histo` summaries as
histograms, images as images, plus `global_step`) and merged into the run's current row; a new
step commits the row, as wandb's TensorBoard sync does. With `save=True` the event files are saved
with the run when their writer closes. TensorFlow 2's native summary writer (`tf.summary` with the
C++ writer) is not hooked.
"""

from __future__ import annotations

import os
import threading
from typing import Any

from tracklab.integration._tb_events import summary_values

# Writer classes by module; each is patched in place (add_event, close) and restored by unpatch().
_WRITERS = {
    "tensorboard": "tensorboard.summary.writer.event_file_writer",
    "tensorboard_x": "tensorboardX.event_file_writer",
}
_patched: list[tuple[type, dict[str, Any]]] = []
_lock = threading.Lock()


class _Steps:
    """wandb's step bookkeeping: the last step per namespace, and the global step."""

    def __init__(self) -> None:
        self.run_id: str | None = None
        self.last: dict[str, int] = {}
        self.global_step = 0

    def reset_for(self, run: Any) -> None:
        if run.id != self.run_id:
            self.run_id, self.last, self.global_step = run.id, {}, 0


_steps = _Steps()


def is_patched() -> bool:
    return bool(_patched)


def patch(save: bool = True, tensorboard_x: bool | None = None, pytorch: bool | None = None,
          root_logdir: str = "") -> None:
    """Copy TensorBoard summaries into the current run from now on."""
    import importlib

    import tracklab

    if _patched:
        raise ValueError("Tensorboard already patched. Call `wandb.tensorboard.unpatch()` first; remove "
                         "`sync_tensorboard=True` from `wandb.init`; or only call `wandb.tensorboard.patch` once.")
    for module_name in _WRITERS.values():
        try:
            module = importlib.import_module(module_name)
        except ImportError:
            continue
        _patch_class(module.EventFileWriter, save, root_logdir)
    if not _patched:
        tracklab.termerror("Unsupported tensorboard configuration: install tensorboard or tensorboardX")


def unpatch() -> None:
    """Restore the writers `patch()` changed."""
    while _patched:
        cls, originals = _patched.pop()
        for name, method in originals.items():
            setattr(cls, name, method)


def _patch_class(cls: type, save: bool, root_logdir: str) -> None:
    originals = {"add_event": cls.add_event, "close": cls.close}

    def add_event(self: Any, event: Any) -> None:
        originals["add_event"](self, event)
        try:
            _on_event(self.get_logdir(), event, root_logdir)
        except Exception as exc:  # never break the user's TensorBoard logging
            import tracklab

            tracklab.termwarn(f"could not copy a TensorBoard event into the run: {exc!r}")

    def close(self: Any) -> None:
        originals["close"](self)
        if save:
            _save_event_file(self, root_logdir)

    cls.add_event = add_event  # type: ignore[attr-defined]
    cls.close = close  # type: ignore[attr-defined]
    _patched.append((cls, originals))


def _namespace(logdir: str, root_logdir: str) -> str:
    if not root_logdir:
        return ""
    rel = os.path.relpath(os.path.abspath(logdir), os.path.abspath(root_logdir))
    return "" if rel == "." or rel.startswith("..") else rel.replace(os.sep, "/")


def _on_event(logdir: str, event: Any, root_logdir: str) -> None:
    import tracklab

    run = tracklab.run
    if run is None or not event.HasField("summary"):
        return
    namespace = _namespace(logdir, root_logdir)
    values = summary_values(event.summary, namespace)
    if not values:
        return
    step = int(event.step)
    with _lock:
        _steps.reset_for(run)
        commit = _steps.last.get(namespace, 0) < step and step != _steps.global_step
        _steps.global_step = max(_steps.global_step, step)
        _steps.last[namespace] = step
        values[f"{namespace}/global_step" if namespace else "global_step"] = step
        if namespace:
            values["global_step"] = _steps.global_step
        if commit:
            run.log({})
        run.log(values, commit=False)


def _save_event_file(writer: Any, root_logdir: str) -> None:
    import tracklab

    run = tracklab.run
    path = getattr(writer, "_file_name", None) or getattr(getattr(writer, "_ev_writer", None), "_file_name", None)
    if run is None or not path or not os.path.exists(path):
        return
    logdir = os.path.abspath(writer.get_logdir())
    base = root_logdir if root_logdir and _namespace(logdir, root_logdir) else os.path.dirname(logdir)
    run.save(os.path.abspath(path), base_path=os.path.abspath(base), policy="now")


__all__ = ["patch", "unpatch", "is_patched"]
