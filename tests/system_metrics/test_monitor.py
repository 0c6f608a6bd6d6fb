"""SystemMonitor end to end: real binary, psutil fallback, settings."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from tests import helpers
from tracklab.system_metrics import SystemMonitor, find_binary, monitor_from_settings
from tracklab.system_metrics.binary import ENV_VAR

REPO = Path(__file__).resolve().parents[2]

# Every name MLflow 3.17.2's SystemMetricsMonitor logs on a machine without GPUs.
MLFLOW_HOST_NAMES = {
    "system/cpu_utilization_percentage",
    "system/system_memory_usage_megabytes",
    "system/system_memory_usage_percentage",
    "system/disk_usage_percentage",
    "system/disk_usage_megabytes",
    "system/disk_available_megabytes",
    "system/network_receive_megabytes",
    "system/network_transmit_megabytes",
}
MLFLOW_GPU0_NAMES = {
    "system/gpu_0_utilization_percentage",
    "system/gpu_0_memory_usage_megabytes",
    "system/gpu_0_memory_usage_percentage",
    "system/gpu_0_power_usage_watts",
    "system/gpu_0_power_usage_percentage",
}
WANDB_HOST_NAMES = {
    "system/cpu",
    "system/memory_percent",
    "system/proc.memory.rssMB",
    "system/proc.memory.percent",
    "system/proc.memory.availableMB",
    "system/proc.cpu.threads",
    "system/disk./.usagePercent",
    "system/disk./.usageGB",
    "system/network.sent",
    "system/network.recv",
    "system/cpu.0.cpu_percent",
}


class Collector:
    """An emit callback that records what it gets and can wait for n samples."""

    def __init__(self) -> None:
        self.samples: list[tuple[dict[str, float], float]] = []
        self._cond = threading.Condition()

    def __call__(self, metrics: dict[str, float], timestamp: float) -> None:
        with self._cond:
            self.samples.append((metrics, timestamp))
            self._cond.notify_all()

    def wait_for(self, n: int, timeout: float = 10.0) -> None:
        with self._cond:
            assert self._cond.wait_for(lambda: len(self.samples) >= n, timeout), (
                f"got {len(self.samples)} samples, wanted {n}"
            )


def run_monitor(n: int = 2, **kwargs: object) -> tuple[SystemMonitor, Collector]:
    sink = Collector()
    monitor = SystemMonitor(os.getpid(), 0.2, emit=sink, **kwargs)  # type: ignore[arg-type]
    monitor.start()
    try:
        sink.wait_for(n)
    finally:
        monitor.stop()
    return monitor, sink


def test_binary_monitor_emits_mlflow_and_wandb_names(gpu_stats_bin: str) -> None:
    before = time.time()
    monitor, sink = run_monitor(3, binary=gpu_stats_bin)
    assert monitor.mode == "binary"
    metrics, _timestamp = sink.samples[-1]
    assert set(metrics) >= MLFLOW_HOST_NAMES, MLFLOW_HOST_NAMES - set(metrics)
    assert set(metrics) >= WANDB_HOST_NAMES, WANDB_HOST_NAMES - set(metrics)
    assert all(isinstance(v, float) for v in metrics.values())
    assert all(k.startswith("system/") for k in metrics)
    stamps = [t for _, t in sink.samples]
    assert before < stamps[0] < stamps[1] < stamps[2] <= time.time()
    # 0.2 s apart, give or take scheduling on a loaded machine.
    assert 0.1 < stamps[2] - stamps[1] < 2.0


def test_stop_kills_the_child_and_silences_emit(gpu_stats_bin: str) -> None:
    monitor, sink = run_monitor(1, binary=gpu_stats_bin)
    assert monitor._proc is not None and monitor._proc.poll() is not None
    count = len(sink.samples)
    time.sleep(0.5)  # an absence: nothing to wait for, give a stray sample (there must be none) time to come
    assert len(sink.samples) == count
    monitor.stop()  # idempotent


def test_stop_is_quick_and_idempotent(gpu_stats_bin: str) -> None:
    never_started = SystemMonitor(os.getpid(), 0.2)
    never_started.stop()
    monitor = SystemMonitor(os.getpid(), 60.0, binary=gpu_stats_bin)
    monitor.start()
    monitor.start()  # a second start is a no-op
    started = time.monotonic()
    monitor.stop()
    monitor.stop()
    assert time.monotonic() - started < 2.0


def test_binary_monitor_with_fake_gpu(
    gpu_stats_bin: str, fake_nvml: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FAKE_NVML_PID", str(os.getpid()))
    _, sink = run_monitor(1, binary=gpu_stats_bin, nvml_path=fake_nvml, gpu_ids=[0])
    metrics = sink.samples[-1][0]
    assert set(metrics) >= MLFLOW_GPU0_NAMES
    assert metrics["system/gpu_0_utilization_percentage"] == 42
    assert metrics["system/gpu_0_memory_usage_megabytes"] == (20 << 30) / 1e6
    assert metrics["system/gpu_0_power_usage_percentage"] == 50
    assert metrics["system/gpu.0.memoryAllocated"] == 25
    assert metrics["system/gpu.process.0.gpu"] == 42  # our pid runs on GPU 0
    assert metrics["system/gpu_0_process_memory_usage_megabytes"] == (512 << 20) / 1e6
    assert not any(k.startswith("system/gpu_1_") for k in metrics)  # gpu_ids=[0]


def test_fallback_when_binary_path_is_bogus_warns_once(
    caplog: pytest.LogCaptureFixture, no_binary_override: None
) -> None:
    with caplog.at_level(logging.WARNING, logger="tracklab"):
        monitor, sink = run_monitor(3, binary="/nonexistent/gpu_stats")
    assert monitor.mode == "fallback"
    warnings = [r for r in caplog.records if r.name == "tracklab" and r.levelno >= logging.WARNING]
    assert len(warnings) == 1, [r.getMessage() for r in warnings]
    assert (
        "psutil" in warnings[0].getMessage()
        and "/nonexistent/gpu_stats" in warnings[0].getMessage()
    )
    metrics = sink.samples[-1][0]
    assert set(metrics) >= MLFLOW_HOST_NAMES
    assert set(metrics) >= WANDB_HOST_NAMES


def test_fallback_via_env_override(
    caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(ENV_VAR, "/nonexistent/from-env")
    assert find_binary() == "/nonexistent/from-env"
    with caplog.at_level(logging.WARNING, logger="tracklab"):
        monitor, _ = run_monitor(1)
    assert monitor.mode == "fallback"
    assert sum("from-env" in r.getMessage() for r in caplog.records) == 1


def test_fallback_when_binary_dies(caplog: pytest.LogCaptureFixture) -> None:
    false = "/bin/false" if os.path.exists("/bin/false") else "/usr/bin/false"
    with caplog.at_level(logging.WARNING, logger="tracklab"):
        monitor, sink = run_monitor(1, binary=false)
    assert monitor.mode == "fallback"
    assert next(r.getMessage() for r in caplog.records if r.name == "tracklab").startswith(
        "tracklab: gpu_stats exited unexpectedly with code 1"
    )
    assert set(sink.samples[-1][0]) >= MLFLOW_HOST_NAMES


def test_fallback_gpu_metrics_through_pynvml(fake_nvml: str) -> None:
    # pynvml dlopens "libnvidia-ml.so.1", so point the loader at the fake in a fresh process.
    code = (
        "import json, os, time\n"
        "from tracklab.system_metrics.fallback import FallbackSampler\n"
        "from tracklab.system_metrics.names import to_metrics\n"
        "s = FallbackSampler(os.getpid()); time.sleep(0.1)\n"
        "print(json.dumps(to_metrics(s.sample())))\n"
    )
    env = {
        **os.environ,
        "LD_LIBRARY_PATH": os.path.dirname(fake_nvml),
        "FAKE_NVML_PID": "1",  # the fake's "other" pid: GPU 0 is not ours
        "PYTHONPATH": str(REPO),
    }
    out = helpers.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    metrics = json.loads(out.stdout)
    assert set(metrics) >= MLFLOW_GPU0_NAMES
    assert metrics["system/gpu_0_utilization_percentage"] == 42
    assert metrics["system/gpu_0_power_usage_watts"] == 150
    assert metrics["system/gpu.1.gpu"] == 7
    assert "system/gpu_1_power_usage_watts" not in metrics
    assert not any(k.startswith("system/gpu.process.") for k in metrics)


def test_monitor_from_settings() -> None:
    def emit(metrics: dict[str, float], timestamp: float) -> None:
        pass

    assert monitor_from_settings(1, {"x_disable_stats": True}, emit) is None
    default = monitor_from_settings(1, {}, emit)
    assert default is not None
    assert (default.interval, default.gpu_ids, default.disk_path) == (15.0, None, "/")
    tuned = monitor_from_settings(
        7,
        {
            "x_stats_sampling_interval": 2,
            "x_stats_gpu_device_ids": [1, 3],
            "x_stats_disk_paths": ("/tmp",),
        },
        emit,
    )
    assert tuned is not None
    assert (tuned.pid, tuned.interval, tuned.gpu_ids, tuned.disk_path) == (7, 2.0, [1, 3], "/tmp")

    class Settings:
        x_disable_stats = False
        x_stats_sampling_interval = 5.0

    from_object = monitor_from_settings(1, Settings(), emit)
    assert from_object is not None and from_object.interval == 5.0


def test_find_binary_prefers_installed_copy_then_repo_build(
    gpu_stats_bin: str, no_binary_override: None
) -> None:
    found = find_binary()
    installed = REPO / "tracklab" / "_bin" / "gpu_stats"
    expected = installed if installed.is_file() else Path(gpu_stats_bin)
    assert found == str(expected)


def test_child_exits_when_the_training_process_is_killed(
    gpu_stats_bin: str, wait_gone: Callable[[int], bool]
) -> None:
    code = (
        "import os, sys, time\n"
        "from tracklab.system_metrics import SystemMonitor\n"
        f"m = SystemMonitor(os.getpid(), 0.2, binary={gpu_stats_bin!r}); m.start()\n"
        "print(m._proc.pid, flush=True); time.sleep(60)\n"
    )
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    trainer = helpers.spawn([sys.executable, "-c", code], stdout=subprocess.PIPE, env=env)
    assert trainer.stdout is not None
    child = int(trainer.stdout.readline())
    trainer.kill()  # SIGKILL: no atexit, no stop()
    trainer.wait()
    assert wait_gone(child), f"gpu_stats {child} outlived the killed training process"
