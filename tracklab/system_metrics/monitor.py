"""SystemMonitor: runs gpu_stats as a child (or the psutil fallback) and emits metric dicts."""

from __future__ import annotations

import contextlib
import json
import logging
import os
import subprocess
import threading
from collections.abc import Callable, Mapping
from typing import Any

from tracklab.system_metrics.binary import find_binary
from tracklab.system_metrics.names import to_metrics

logger = logging.getLogger("tracklab")

Emit = Callable[[dict[str, float], float], None]
DEFAULT_INTERVAL = 15.0  # wandb's x_stats_sampling_interval default


def _discard(metrics: dict[str, float], timestamp: float) -> None:
    """Default sink: drop the sample."""


class SystemMonitor:
    """Samples system metrics every ``interval`` seconds and calls ``emit(metrics, timestamp)``.

    ``metrics`` maps MLflow/wandb ``system/...`` names to floats; ``timestamp`` is epoch
    seconds. ``emit`` runs on a background thread. ``binary`` overrides the gpu_stats lookup
    and ``nvml_path`` the NVML library the binary loads (the fallback uses pynvml's own).
    """

    def __init__(
        self,
        pid: int,
        interval: float = DEFAULT_INTERVAL,
        gpu_ids: list[int] | None = None,
        emit: Emit = _discard,
        *,
        disk_path: str = "/",
        binary: str | None = None,
        nvml_path: str | None = None,
    ) -> None:
        if interval <= 0:
            raise ValueError(f"interval must be positive, got {interval}")
        self.pid = pid
        self.interval = float(interval)
        self.gpu_ids = list(gpu_ids) if gpu_ids is not None else None
        self.disk_path = disk_path
        self._emit = emit
        self._binary = binary
        self._nvml_path = nvml_path
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._started = False
        self._proc: subprocess.Popen[bytes] | None = None
        self._threads: list[threading.Thread] = []
        self._emit_failed = False
        #: "binary", "fallback", "off" (nothing could sample), or None before start().
        self.mode: str | None = None

    def start(self) -> None:
        """Starts sampling; the first sample arrives after one interval."""
        with self._lock:
            if self._started:
                return
            self._started = True
        path = self._binary if self._binary is not None else find_binary()
        if not path:
            self._start_fallback("the gpu_stats binary was not found")
            return
        try:
            self._proc = subprocess.Popen(
                self._command(path),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
                # Own session: a Ctrl-C meant for the training script must not kill the
                # sampler first (it exits by itself once this process is gone).
                start_new_session=True,
            )
        except OSError as e:
            self._start_fallback(f"gpu_stats could not start ({path}: {e})")
            return
        self.mode = "binary"
        self._spawn(self._read_binary, self._proc)

    def stop(self) -> None:
        """Stops sampling and kills the child; safe to call more than once."""
        self._stopping.set()
        proc = self._proc
        if proc is not None and proc.poll() is None:
            proc.kill()
        if proc is not None:
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=5)
        for thread in self._threads:
            if thread is not threading.current_thread():
                thread.join(timeout=5)
        if proc is not None and proc.stdout is not None:
            proc.stdout.close()

    def _command(self, path: str) -> list[str]:
        cmd = [path, "--pid", str(self.pid), "--interval", repr(self.interval)]
        cmd += ["--disk-path", self.disk_path, "--parent-pid", str(os.getpid())]
        if self.gpu_ids is not None:
            cmd += ["--gpu-ids", ",".join(str(i) for i in self.gpu_ids)]
        if self._nvml_path:
            cmd += ["--nvml-path", self._nvml_path]
        return cmd

    def _read_binary(self, proc: subprocess.Popen[bytes]) -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            if self._stopping.is_set():
                break
            try:
                sample = json.loads(line)
            except ValueError:
                continue  # a torn line; the next sample is along shortly
            self._deliver(sample)
        code = proc.wait()
        if not self._stopping.is_set():
            self._start_fallback(f"gpu_stats exited unexpectedly with code {code}")

    def _start_fallback(self, reason: str) -> None:
        with self._lock:
            if self._stopping.is_set() or self.mode == "fallback":
                return
            try:
                from tracklab.system_metrics.fallback import FallbackSampler

                sampler = FallbackSampler(self.pid, self.gpu_ids, self.disk_path)
            except ImportError as e:
                self.mode = "off"
                logger.warning(
                    "tracklab: %s and psutil is unavailable (%s); no system metrics will be "
                    "recorded.",
                    reason,
                    e,
                )
                return
            self.mode = "fallback"
        logger.warning(
            "tracklab: %s; sampling system metrics with psutil instead "
            "(build it with `make gpu_stats` for lower overhead).",
            reason,
        )
        self._spawn(self._run_fallback, sampler)

    def _run_fallback(self, sampler: Any) -> None:
        while not self._stopping.wait(self.interval):
            try:
                sample = sampler.sample()
            except Exception:  # keep sampling; one bad reading is not fatal
                logger.debug("tracklab: system metrics sample failed", exc_info=True)
                continue
            self._deliver(sample)

    def _deliver(self, sample: dict[str, Any]) -> None:
        if self._stopping.is_set():
            return
        timestamp = float(sample.get("timestamp", 0.0))
        try:
            self._emit(to_metrics(sample), timestamp)
        except Exception:  # the sampler thread must outlive a faulty sink
            if not self._emit_failed:
                self._emit_failed = True
                logger.warning("tracklab: system metrics sink failed", exc_info=True)

    def _spawn(self, target: Callable[..., None], arg: Any) -> None:
        thread = threading.Thread(
            target=target, args=(arg,), name="tracklab-system-metrics", daemon=True
        )
        self._threads.append(thread)
        thread.start()


def visible_gpu_ids(cuda_visible_devices: str | None) -> list[int] | None:
    """The NVML indices CUDA_VISIBLE_DEVICES allows (None: all; GPU UUIDs are not mapped)."""
    if cuda_visible_devices is None:
        return None
    ids = [part.strip() for part in cuda_visible_devices.split(",") if part.strip()]
    if not ids or ids[0].startswith("-"):
        return []  # "" or "-1": the process sees no GPU
    if not all(part.isdigit() for part in ids):
        return None
    return [int(part) for part in ids]


def _with_node_prefix(emit: Emit, node_id: str) -> Emit:
    """MLflow's multi-node naming: `system/<node id>/<metric>`."""

    def prefixed(metrics: dict[str, float], timestamp: float) -> None:
        emit({f"system/{node_id}/{k[len('system/'):]}": v for k, v in metrics.items()}, timestamp)

    return prefixed


def monitor_from_settings(
    pid: int, settings: Mapping[str, Any] | Any, emit: Emit
) -> SystemMonitor | None:
    """A SystemMonitor (not started) configured from wandb settings; None when disabled.

    Reads ``x_disable_stats``, ``x_stats_sampling_interval``, ``x_stats_gpu_device_ids``,
    ``x_stats_disk_paths`` (first path only) and ``x_stats_nvml_path`` from a mapping or a
    settings object.
    """

    def get(key: str) -> Any:
        if isinstance(settings, Mapping):
            return settings.get(key)
        return getattr(settings, key, None)

    if get("x_disable_stats"):
        return None
    interval = get("x_stats_sampling_interval") or DEFAULT_INTERVAL
    gpu_ids = get("x_stats_gpu_device_ids")
    if gpu_ids is None:
        gpu_ids = visible_gpu_ids(os.environ.get("CUDA_VISIBLE_DEVICES"))
    node_id = get("x_stats_node_id") or os.environ.get("MLFLOW_SYSTEM_METRICS_NODE_ID")
    if node_id:
        emit = _with_node_prefix(emit, str(node_id))
    disk_paths = get("x_stats_disk_paths") or ("/",)
    return SystemMonitor(
        pid,
        float(interval),
        [int(i) for i in gpu_ids] if gpu_ids is not None else None,
        emit,
        disk_path=str(next(iter(disk_paths))),
        nvml_path=get("x_stats_nvml_path"),
    )
