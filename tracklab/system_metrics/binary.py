"""Locating the ``gpu_stats`` sampler binary."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

ENV_VAR = "TRACKLAB_GPU_STATS_BIN"
_PACKAGE_DIR = Path(__file__).resolve().parent.parent  # .../tracklab


def find_binary() -> str | None:
    """Path of the gpu_stats binary, or None.

    Order: $TRACKLAB_GPU_STATS_BIN (taken as given, so a bad value shows up as a start
    failure), the copy installed in ``tracklab/_bin``, the repo's cargo release build, PATH.
    """
    override = os.environ.get(ENV_VAR)
    if override:
        return override
    # The binary reads /proc, so elsewhere it cannot work even if someone built it.
    if not sys.platform.startswith("linux"):
        return None
    for candidate in (
        _PACKAGE_DIR / "_bin" / "gpu_stats",
        _PACKAGE_DIR.parent / "gpu_stats" / "target" / "release" / "gpu_stats",
    ):
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return str(candidate)
    return shutil.which("gpu_stats")
