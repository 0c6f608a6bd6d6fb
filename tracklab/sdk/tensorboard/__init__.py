"""`wandb.tensorboard` / `tracklab.tensorboard`: copy what TensorBoard writers log into the run.

`patch()` (or `init(sync_tensorboard=True)`) wraps `add_event` of the event-file writers that
`torch.utils.tensorboard`, `tensorboard` and `tensorboardX` use: each summary written while a run
is current is converted the way wandb converts it (scalars by tag, `histo` summaries as
histograms, images as images, plus `global_step`) and merged into the run's current row; a new
step commits the row, as wandb's TensorBoard sync does. With `save=True` the event files are saved
with the run when their writer closes. TensorFlow 2's native writer (`tf.summary`, Keras'
TensorBoard callback) writes from C++: its log directories are learned by wrapping the op that
creates it, and their event files are tailed (`_logdir_watch`); TensorFlow is patched when it is
imported, never imported by `patch()` itself.
"""

from __future__ import annotations

import importlib.abc
import importlib.util
import os
import sys
import threading
from typing import Any

from tracklab.sdk.tensorboard.events import summary_values

# Writer classes by module; each is patched in place (add_event, close) and restored by unpatch().
_WRITERS = {
    "tensorboard": "tensorboard.summary.writer.event_file_writer",
    "tensorboard_x": "tensorboardX.event_file_writer",
}
_patched: list[tuple[type, dict[str, Any]]] = []
_lock = threading.Lock()
# TensorFlow 2's C++ writer: the op module whose `create_summary_file_writer` learns log dirs.
_TF_WRITER_OPS = "tensorflow.python.ops.gen_summary_ops"
_tf: dict[str, Any] = {}  # module, original op, watcher, import hook, save, root_logdir


class _Steps:
    """The row being filled: wandb gives each (log directory, step) a row of its own."""

    def __init__(self) -> None:
        self.run_id: str | None = None
        self.pending: tuple[str, int] | None = None

    def reset_for(self, run: Any) -> None:
        if run.id != self.run_id:
            self.run_id, self.pending = run.id, None


_steps = _Steps()


def is_patched() -> bool:
    return bool(_patched or _tf)


def patch(save: bool = True, tensorboard_x: bool | None = None, pytorch: bool | None = None,
          root_logdir: str = "") -> None:
    """Copy TensorBoard summaries into the current run from now on."""
    import importlib

    from tracklab.sdk._terminal import termerror

    if _patched:
        raise ValueError("Tensorboard already patched. Call `wandb.tensorboard.unpatch()` first; remove "
                         "`sync_tensorboard=True` from `wandb.init`; or only call `wandb.tensorboard.patch` once.")
    for module_name in _WRITERS.values():
        try:
            module = importlib.import_module(module_name)
        except ImportError:
            continue
        _patch_class(module.EventFileWriter, save, root_logdir)
    if not pytorch and not tensorboard_x and importlib.util.find_spec("tensorflow") is not None:
        _tf.update(save=save, root_logdir=root_logdir)
        if _TF_WRITER_OPS in sys.modules:
            _patch_tensorflow(sys.modules[_TF_WRITER_OPS])
        else:  # patch it when (if ever) the script imports TensorFlow
            _tf["hook"] = _AfterImport(_TF_WRITER_OPS, _patch_tensorflow)
            sys.meta_path.insert(0, _tf["hook"])
    if not _patched and not _tf:
        termerror("Unsupported tensorboard configuration: install tensorboard or tensorboardX")


def unpatch() -> None:
    """Restore the writers `patch()` changed."""
    while _patched:
        cls, originals = _patched.pop()
        for name, method in originals.items():
            setattr(cls, name, method)
    if "hook" in _tf and _tf["hook"] in sys.meta_path:
        sys.meta_path.remove(_tf["hook"])
    if "module" in _tf:
        _tf["module"].create_summary_file_writer = _tf["original"]
    if "watcher" in _tf:
        _tf["watcher"].stop()
    _tf.clear()


def flush_pending() -> None:
    """Copy what TensorFlow's writers have on disk now (the run calls this as it finishes)."""
    watcher = _tf.get("watcher")
    if watcher is None:
        return
    from tracklab.sdk import wandb_setup

    watcher.poll()
    run = wandb_setup.current_run()
    if run is not None and _tf.get("save"):
        for path in watcher.event_files():
            _save_events(run, path, os.path.dirname(path), _tf.get("root_logdir", ""))


class _AfterImport(importlib.abc.MetaPathFinder):
    """Calls `callback(module)` once the module `name` has been imported."""

    def __init__(self, name: str, callback: Any) -> None:
        self.name = name
        self.callback = callback

    def find_spec(self, fullname: str, path: Any, target: Any = None) -> Any:
        if fullname != self.name:
            return None
        sys.meta_path.remove(self)
        spec = importlib.util.find_spec(fullname)
        if spec is None or spec.loader is None:
            return spec
        loader_exec = spec.loader.exec_module
        callback = self.callback

        def exec_module(module: Any) -> None:
            loader_exec(module)
            callback(module)

        spec.loader.exec_module = exec_module  # type: ignore[method-assign]
        return spec


def _patch_tensorflow(ops: Any) -> None:
    from tracklab.sdk.tensorboard._logdir_watch import LogdirWatcher

    original = ops.create_summary_file_writer
    root_logdir = _tf.get("root_logdir", "")
    watcher = LogdirWatcher(lambda logdir, event: _on_event(logdir, event, root_logdir))

    def create_summary_file_writer(*args: Any, **kwargs: Any) -> Any:
        logdir = kwargs.get("logdir", args[1] if len(args) > 1 else None)
        logdir = logdir.numpy().decode("utf8") if hasattr(logdir, "numpy") else logdir
        if isinstance(logdir, (str, bytes)) and logdir:
            watcher.add(logdir.decode("utf8") if isinstance(logdir, bytes) else logdir)
        return original(*args, **kwargs)

    ops.create_summary_file_writer = create_summary_file_writer
    _tf.update(module=ops, original=original, watcher=watcher)


def _patch_class(cls: type, save: bool, root_logdir: str) -> None:
    originals = {"add_event": cls.add_event, "close": cls.close}

    def add_event(self: Any, event: Any) -> None:
        originals["add_event"](self, event)
        try:
            _on_event(self.get_logdir(), event, root_logdir)
        except Exception as exc:  # never break the user's TensorBoard logging
            from tracklab.sdk._terminal import termwarn

            termwarn(f"could not copy a TensorBoard event into the run: {exc!r}")

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
    from tracklab.sdk import wandb_setup

    run = wandb_setup.current_run()
    if run is None or not event.HasField("summary"):
        return
    namespace = _namespace(logdir, root_logdir)
    values = summary_values(event.summary, namespace)
    if not values:
        return
    step = int(event.step)
    values["global_step"] = step
    with _lock:
        _steps.reset_for(run)
        if _steps.pending is not None and _steps.pending != (namespace, step):
            run.log({})
        _steps.pending = (namespace, step)
        run.log(values, commit=False)


def _save_event_file(writer: Any, root_logdir: str) -> None:
    from tracklab.sdk import wandb_setup

    run = wandb_setup.current_run()
    path = getattr(writer, "_file_name", None) or getattr(getattr(writer, "_ev_writer", None), "_file_name", None)
    if run is None or not path or not os.path.exists(path):
        return
    _save_events(run, path, os.path.abspath(writer.get_logdir()), root_logdir)


def _save_events(run: Any, path: str, logdir: str, root_logdir: str) -> None:
    """Save an event file with the run under the path wandb gives it: relative to the root log
    dir when one is given and holds it, else to the working folder when the log dir is inside it
    (`SummaryWriter("runs/x")` -> `runs/x/events...`), else to its own log dir's parent."""
    cwd = os.getcwd()
    if root_logdir and _namespace(logdir, root_logdir):
        base = root_logdir
    elif os.path.commonpath([cwd, os.path.abspath(logdir)]) == cwd:
        base = cwd
    else:
        base = os.path.dirname(logdir)
    run.save(os.path.abspath(path), base_path=os.path.abspath(base), policy="now")


__all__ = ["patch", "unpatch", "is_patched", "flush_pending"]
