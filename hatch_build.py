"""Wheel build hook: compile the Rust ``gpu_stats`` sampler and ship it as ``tracklab/_bin/gpu_stats``.

With cargo on the build machine (PATH or ``~/.cargo/bin``) the wheel carries the binary and is
tagged for this platform. Without cargo, off Linux (the sampler reads /proc), or with
``TRACKLAB_BUILD_GPU_STATS=0``, the wheel is pure Python and runs use the psutil fallback;
``tracklab verify`` reports which one an install has. A binary already built into
``tracklab/_bin`` by ``make gpu_stats`` is shipped when cargo is missing.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import tempfile
from pathlib import Path
from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface

_WHEEL_PATH = "tracklab/_bin/gpu_stats"
_SWITCH = "TRACKLAB_BUILD_GPU_STATS"


def _find_cargo() -> str | None:
    found = shutil.which("cargo")
    if found:
        return found
    # rustup installs cargo here without always putting it on PATH.
    home_cargo = Path.home() / ".cargo" / "bin" / "cargo"
    return str(home_cargo) if home_cargo.is_file() else None


class GpuStatsBuildHook(BuildHookInterface):
    PLUGIN_NAME = "custom"
    _scratch: Path | None = None  # a cargo target folder this hook made and removes

    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        # Editable installs find the checkout's cargo build directly (see system_metrics/binary.py).
        if self.target_name != "wheel" or version == "editable":
            return
        binary = self._binary()
        if binary is None:
            return
        build_data["force_include"][str(binary)] = _WHEEL_PATH
        build_data["pure_python"] = False
        # A native program, not an extension module: any Python 3 on this platform can use it.
        build_data["tag"] = "py3-none-" + sysconfig.get_platform().replace("-", "_").replace(".", "_")

    def finalize(self, version: str, build_data: dict[str, Any], artifact_path: str) -> None:
        if self._scratch is not None:
            shutil.rmtree(self._scratch, ignore_errors=True)

    def _binary(self) -> Path | None:
        if os.environ.get(_SWITCH, "1") == "0":
            self.app.display_info(f"{_SWITCH}=0: building without gpu_stats (psutil fallback)")
            return None
        if not sys.platform.startswith("linux"):
            self.app.display_info("gpu_stats reads /proc and is built on Linux only: psutil fallback")
            return None
        cargo = _find_cargo()
        if cargo is None:
            prebuilt = Path(self.root) / _WHEEL_PATH
            if prebuilt.is_file():
                return prebuilt
            self.app.display_warning("cargo not found: the wheel has no gpu_stats binary (psutil fallback)")
            return None
        return self._compile(cargo)

    def _compile(self, cargo: str) -> Path | None:
        manifest = Path(self.root) / "gpu_stats" / "Cargo.toml"
        # CARGO_TARGET_DIR (when set) lets repeated builds reuse one cargo cache.
        shared = os.environ.get("CARGO_TARGET_DIR")
        if shared:
            target_dir = Path(shared)
        else:
            target_dir = self._scratch = Path(tempfile.mkdtemp(prefix="tracklab-gpu-stats-"))
        command = [cargo, "build", "--release", "--offline", "--manifest-path", str(manifest),
                   "--target-dir", str(target_dir)]
        self.app.display_info("building gpu_stats: " + " ".join(command))
        result = subprocess.run(command, capture_output=True, text=True)
        if result.returncode != 0:
            # A broken toolchain must not block installing the Python package.
            self.app.display_warning("gpu_stats did not build; the wheel uses the psutil fallback:\n"
                                     + result.stderr[-2000:])
            return None
        return target_dir / "release" / "gpu_stats"
