"""Console capture into the run's `output.log` (wandb's console="wrap"): stdout and stderr
still reach the terminal; a copy of each write is appended to the file."""

from __future__ import annotations

import sys
import threading
from typing import Any, Callable, TextIO


class _Tee:
    """Wraps a text stream; writes go to the stream and to a shared file."""

    def __init__(self, stream: TextIO, sink: "ConsoleCapture") -> None:
        self._stream = stream
        self._sink = sink

    def write(self, text: str) -> int:
        written = self._stream.write(text)
        self._sink.write(text)
        return written

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


class ConsoleCapture:
    """Installs the tees on `sys.stdout`/`sys.stderr` until `stop()`."""

    def __init__(self, path: str, on_fault: Callable[[OSError], None] | None = None) -> None:
        self.path = path
        # Line-buffered: each finished line reaches the file at once, so the writer's periodic
        # upload carries it and the run page can tail a live run (a terminal shows lines as printed).
        self._file = open(path, "a", encoding="utf-8", errors="replace", buffering=1)
        self._lock = threading.RLock()  # on_fault prints, which comes back through write()
        self._saved: tuple[TextIO, TextIO] | None = None
        # A full or read-only disk: the copy stops (said once by `on_fault`); print() never fails.
        self._on_fault = on_fault
        self._broken = False

    def start(self) -> None:
        self._saved = (sys.stdout, sys.stderr)
        sys.stdout = _Tee(sys.stdout, self)  # type: ignore[assignment]
        sys.stderr = _Tee(sys.stderr, self)  # type: ignore[assignment]

    def write(self, text: str) -> None:
        with self._lock:
            if not self._file.closed and not self._broken:
                try:
                    self._file.write(text)
                except OSError as exc:
                    self._fail(exc)

    def flush(self) -> None:
        with self._lock:
            if not self._file.closed and not self._broken:
                try:
                    self._file.flush()
                except OSError as exc:
                    self._fail(exc)

    def _fail(self, exc: OSError) -> None:
        self._broken = True
        if self._on_fault is not None:
            self._on_fault(exc)

    def stop(self) -> None:
        """Put the original streams back (only if nobody replaced ours since) and close."""
        if self._saved is not None:
            if isinstance(sys.stdout, _Tee) and sys.stdout._sink is self:
                sys.stdout = self._saved[0]
            if isinstance(sys.stderr, _Tee) and sys.stderr._sink is self:
                sys.stderr = self._saved[1]
            self._saved = None
        with self._lock:
            try:
                self._file.close()
            except OSError as exc:  # the last buffered text did not fit on the disk
                if not self._broken:
                    self._fail(exc)
