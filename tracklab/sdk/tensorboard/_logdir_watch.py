"""Tailing the event files TensorFlow 2's native summary writer writes.

`tf.summary` writes events from C++, past any Python writer `patch()` could wrap. As wandb does,
`patch()` wraps the op that creates such a writer to learn its log directory; a daemon thread
then reads new events from the directory's event files (tensorboard's incremental loader) and
hands them to the same conversion as the Python writers. Events reach the run once TensorFlow
has written them to disk (`flush()`, `close()`, the end of Keras' `fit`, or every
`flush_millis`); `finish()` reads what is on disk one last time.
"""

from __future__ import annotations

import glob
import os
import threading
from typing import Any, Callable

POLL_SECONDS = 1.0


class LogdirWatcher:
    """Reads new events from every event file of the registered log directories."""

    def __init__(self, on_event: Callable[[str, Any], None]) -> None:
        self._on_event = on_event
        self._logdirs: list[str] = []
        self._loaders: dict[str, Any] = {}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def add(self, logdir: str) -> None:
        logdir = os.path.abspath(logdir)
        with self._lock:
            if logdir not in self._logdirs:
                self._logdirs.append(logdir)
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="tracklab-tensorboard", daemon=True)
            self._thread.start()

    def poll(self) -> None:
        """Hand every event written since the last poll to `on_event`, file by file."""
        from tensorboard.backend.event_processing.event_file_loader import EventFileLoader

        with self._lock:
            for logdir in self._logdirs:
                for path in sorted(glob.glob(os.path.join(glob.escape(logdir), "*tfevents*"))):
                    loader = self._loaders.get(path)
                    if loader is None:
                        loader = self._loaders[path] = EventFileLoader(path)
                    for event in loader.Load():
                        self._on_event(logdir, event)

    def event_files(self) -> list[str]:
        with self._lock:
            return list(self._loaders)

    def _run(self) -> None:
        while not self._stop.wait(POLL_SECONDS):
            try:
                self.poll()
            except Exception as exc:  # never break training over TensorBoard copying
                from tracklab.sdk._terminal import termwarn

                termwarn(f"could not read TensorBoard events: {exc!r}")

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout=5)
        self._thread = None
        self._stop = threading.Event()
