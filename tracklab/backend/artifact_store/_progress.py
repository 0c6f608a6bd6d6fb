"""A one-line progress bar for big file transfers, shown only on a terminal."""

from __future__ import annotations

import os
import sys
import time
from typing import TextIO

# Transfers smaller than this finish too fast to be worth a bar.
MIN_BYTES = 64 * 1024 * 1024
_FORCE_ENV = "TRACKLAB_PROGRESS"


class Progress:
    """Counts bytes and redraws `label [####    ] 45% 450/1000 MB` at most every 0.2 s."""

    def __init__(self, total: int, label: str, stream: TextIO | None = None) -> None:
        self.total = max(int(total), 1)
        self.label = label
        self.stream = stream if stream is not None else sys.stderr
        self.done = 0
        self._last = 0.0
        self.enabled = _wanted(self.stream, total)

    def update(self, count: int) -> None:
        self.done += count
        if self.enabled and (time.monotonic() - self._last > 0.2 or self.done >= self.total):
            self._draw()

    def close(self) -> None:
        if self.enabled:
            self._draw()
            self.stream.write("\n")
            self.stream.flush()

    def _draw(self) -> None:
        self._last = time.monotonic()
        share = min(self.done / self.total, 1.0)
        bar = "#" * int(share * 30)
        mb = 1024 * 1024
        self.stream.write(f"\r{self.label} [{bar:<30}] {share:4.0%} {self.done // mb}/{self.total // mb} MB")
        self.stream.flush()


def _wanted(stream: TextIO, total: int) -> bool:
    forced = os.environ.get(_FORCE_ENV)
    if forced is not None:
        return forced not in ("0", "false", "")
    try:
        return total >= MIN_BYTES and stream.isatty()
    except (AttributeError, ValueError):
        return False
