"""Fixtures: the real gpu_stats binary (built once per session) and a fake NVML library."""

from __future__ import annotations

import contextlib
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from tests import helpers
from tests.helpers import wait_until

REPO = Path(__file__).resolve().parents[2]
CRATE = REPO / "gpu_stats"
BINARY = CRATE / "target" / "release" / "gpu_stats"


def _cargo() -> str | None:
    fallback = Path.home() / ".cargo" / "bin" / "cargo"  # rustup's default, often not on PATH
    return shutil.which("cargo") or (str(fallback) if fallback.exists() else None)


@pytest.fixture(scope="session")
def gpu_stats_bin() -> str:
    """The release build of gpu_stats; (re)built with cargo when cargo is available."""
    cargo = _cargo()
    if cargo:
        # A no-op in well under a second when the build is current.
        helpers.run(
            [cargo, "build", "--release", "--quiet", "--manifest-path", str(CRATE / "Cargo.toml")],
            check=True,
            timeout=600,
        )
    if not BINARY.is_file():
        pytest.fail(f"{BINARY} is missing and cargo is not available to build it")
    return str(BINARY)


@pytest.fixture(scope="session")
def fake_nvml(tmp_path_factory: pytest.TempPathFactory) -> str:
    """Path of a fake libnvidia-ml.so.1 (two GPUs) compiled from fake_nvml.c."""
    cc = shutil.which("cc") or shutil.which("gcc")
    assert cc is not None, "no C compiler to build the fake NVML library (cargo's linker needs one too)"
    out = tmp_path_factory.mktemp("fake_nvml") / "libnvidia-ml.so.1"
    src = Path(__file__).with_name("fake_nvml.c")
    helpers.run([cc, "-shared", "-fPIC", "-O1", "-o", str(out), str(src)], check=True)
    return str(out)


@pytest.fixture
def no_binary_override(monkeypatch: pytest.MonkeyPatch) -> None:
    """Makes sure a developer's TRACKLAB_GPU_STATS_BIN does not leak into a test."""
    monkeypatch.delenv("TRACKLAB_GPU_STATS_BIN", raising=False)


def _gone(pid: int) -> bool:
    """True once pid has exited (a zombie nobody has reaped yet counts as exited)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] == "Z"
    except FileNotFoundError:
        return True


@pytest.fixture
def wait_gone() -> Callable[[int], bool]:
    """wait_gone(pid) polls for up to 5 s and says whether pid has exited."""

    def wait(pid: int, timeout: float = 5.0) -> bool:
        with contextlib.suppress(AssertionError):
            wait_until(lambda: _gone(pid), timeout, interval=0.05)
        return _gone(pid)

    return wait
