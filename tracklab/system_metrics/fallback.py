"""A psutil (+ pynvml) sampler used when the gpu_stats binary is unavailable.

It produces samples in the binary's JSON shape, so ``names.to_metrics`` treats both alike.
psutil and pynvml are imported here, lazily, so importing tracklab never pays for them.
"""

from __future__ import annotations

import os
import time
from typing import Any


class FallbackSampler:
    """Samples host, process-tree and NVIDIA GPU metrics in-process."""

    def __init__(self, pid: int, gpu_ids: list[int] | None = None, disk_path: str = "/") -> None:
        import psutil  # optional dependency, loaded only on this path

        self._psutil = psutil
        self._pid = pid
        self._gpu_ids = gpu_ids
        self._disk_path = disk_path
        self._procs: dict[int, Any] = {}
        # cpu_percent() measures from the previous call, so prime both counters now.
        psutil.cpu_percent()
        psutil.cpu_percent(percpu=True)
        self._disks = _real_disks()
        self._disk_base = self._disk_counters()
        net = psutil.net_io_counters()
        self._net_base = (net.bytes_recv, net.bytes_sent) if net else (0, 0)
        self._tree()  # primes cpu_percent of each process in the tree
        self._nvml, self._nvml_error = _load_nvml()

    def sample(self) -> dict[str, Any]:
        """One sample, shaped like a gpu_stats output line."""
        ps = self._psutil
        out: dict[str, Any] = {"timestamp": time.time(), "pid": self._pid}
        errors: dict[str, str] = {}
        cores = ps.cpu_percent(percpu=True)
        out["cpu"] = {
            "percent": ps.cpu_percent(),
            "count": len(cores),
            "cores": {str(i): v for i, v in enumerate(cores)},
        }
        vm = ps.virtual_memory()
        # Older psutil releases defined "used" differently; the binary reports total - available.
        used = vm.total - vm.available
        out["memory"] = {
            "total_bytes": vm.total,
            "available_bytes": vm.available,
            "used_bytes": used,
            "used_percent": used / vm.total * 100 if vm.total else 0.0,
        }
        sw = ps.swap_memory()
        out["swap"] = {"total_bytes": sw.total, "used_bytes": sw.used, "used_percent": sw.percent}
        try:
            du = ps.disk_usage(self._disk_path)
            out["disk"] = {
                "path": self._disk_path,
                "total_bytes": du.total,
                "used_bytes": du.used,
                "available_bytes": du.free,
                "used_percent": du.percent,
            }
        except OSError as e:
            errors["disk"] = f"disk_usage({self._disk_path}): {e}"
        out["disk_io"] = self._disk_io()
        net = ps.net_io_counters()
        if net:
            out["network"] = {
                "rx_bytes": max(net.bytes_recv - self._net_base[0], 0),
                "tx_bytes": max(net.bytes_sent - self._net_base[1], 0),
            }
        proc = self._process(vm.total, len(cores))
        if proc:
            out["process"] = proc
        else:
            errors["process"] = f"no such process: {self._pid}"
        out.update(self._gpus())
        if errors:
            out["errors"] = errors
        return out

    def _tree(self) -> list[Any]:
        ps = self._psutil
        try:
            root = self._procs.get(self._pid) or ps.Process(self._pid)
            procs = [root, *root.children(recursive=True)]
        except (ps.NoSuchProcess, ps.AccessDenied):
            return []
        # Reuse Process objects: cpu_percent() is relative to that object's previous call.
        current = {p.pid: self._procs.get(p.pid, p) for p in procs}
        if not self._procs:
            for p in current.values():
                _quiet(p.cpu_percent)
        self._procs = current
        return list(current.values())

    def _process(self, mem_total: int, cpu_count: int) -> dict[str, float] | None:
        ps = self._psutil
        cpu = rss = threads = 0.0
        alive = 0
        for p in self._tree():
            try:
                with p.oneshot():
                    cpu += p.cpu_percent()
                    rss += p.memory_info().rss
                    threads += p.num_threads()
                alive += 1
            except (ps.NoSuchProcess, ps.AccessDenied, ps.ZombieProcess):
                continue
        if not alive:
            return None
        return {
            "tree_size": alive,
            "cpu_core_percent": cpu,
            "cpu_percent": cpu / max(cpu_count, 1),
            "rss_bytes": rss,
            "memory_percent": rss / mem_total * 100 if mem_total else 0.0,
            "threads": threads,
        }

    def _disk_counters(self) -> dict[str, tuple[int, int]]:
        counters = _quiet(lambda: self._psutil.disk_io_counters(perdisk=True)) or {}
        return {
            name: (c.read_bytes, c.write_bytes)
            for name, c in counters.items()
            if self._disks is None or name in self._disks
        }

    def _disk_io(self) -> dict[str, Any]:
        devices: dict[str, dict[str, int]] = {}
        for name, (r, w) in self._disk_counters().items():
            r0, w0 = self._disk_base.get(name, (r, w))
            devices[name] = {"read_bytes": max(r - r0, 0), "write_bytes": max(w - w0, 0)}
        return {
            "read_bytes": sum(d["read_bytes"] for d in devices.values()),
            "write_bytes": sum(d["write_bytes"] for d in devices.values()),
            "devices": devices,
        }

    def _gpus(self) -> dict[str, Any]:
        if self._nvml is None:
            return {"gpu_count": 0, "nvml_error": self._nvml_error}
        nv = self._nvml
        try:
            count = nv.nvmlDeviceGetCount()
        except nv.NVMLError as e:
            return {"gpu_count": 0, "nvml_error": f"nvmlDeviceGetCount failed: {e}"}
        pids = set(self._procs)
        gpus = {
            str(i): _sample_gpu(nv, i, pids)
            for i in range(count)
            if self._gpu_ids is None or i in self._gpu_ids
        }
        return {"gpu_count": count, "gpu": gpus}


def _sample_gpu(nv: Any, index: int, pids: set[int]) -> dict[str, Any]:
    """The binary's per-GPU fields; each failing NVML call records its error instead."""
    gpu: dict[str, Any] = {}
    errors: dict[str, str] = {}

    def attempt(name: str, fn: Any) -> None:
        try:
            fn()
        except nv.NVMLError as e:
            errors[name] = str(e)

    try:
        h = nv.nvmlDeviceGetHandleByIndex(index)
    except nv.NVMLError as e:
        return {"errors": {"handle": str(e)}}

    def utilization() -> None:
        u = nv.nvmlDeviceGetUtilizationRates(h)
        gpu["utilization_percent"] = u.gpu
        gpu["memory_utilization_percent"] = u.memory

    def memory() -> None:
        m = nv.nvmlDeviceGetMemoryInfo(h)
        gpu.update(memory_total_bytes=m.total, memory_used_bytes=m.used)
        if m.total:
            gpu["memory_used_percent"] = m.used / m.total * 100

    def processes() -> None:
        procs = [
            *nv.nvmlDeviceGetComputeRunningProcesses(h),
            *nv.nvmlDeviceGetGraphicsRunningProcesses(h),
        ]
        ours = [p for p in procs if p.pid in pids]
        gpu["in_use_by_process"] = int(bool(ours))
        gpu["process_memory_used_bytes"] = sum(
            p.usedGpuMemory for p in ours if isinstance(p.usedGpuMemory, int)
        )

    def reading(name: str, field: str, fn: Any, scale: float = 1.0) -> None:
        attempt(name, lambda: gpu.update({field: fn() * scale}))

    attempt("utilization", utilization)
    attempt("memory", memory)
    reading("power_usage", "power_watts", lambda: nv.nvmlDeviceGetPowerUsage(h), 1e-3)
    reading("power_limit", "power_limit_watts", lambda: nv.nvmlDeviceGetEnforcedPowerLimit(h), 1e-3)
    reading("fan_speed", "fan_speed_percent", lambda: nv.nvmlDeviceGetFanSpeed(h))
    reading(
        "temperature",
        "temperature_celsius",
        lambda: nv.nvmlDeviceGetTemperature(h, nv.NVML_TEMPERATURE_GPU),
    )
    reading("sm_clock", "sm_clock_mhz", lambda: nv.nvmlDeviceGetClockInfo(h, nv.NVML_CLOCK_SM))
    reading(
        "memory_clock", "memory_clock_mhz", lambda: nv.nvmlDeviceGetClockInfo(h, nv.NVML_CLOCK_MEM)
    )
    # NVML reports PCIe throughput in KB/s.
    for name, counter in (("tx", nv.NVML_PCIE_UTIL_TX_BYTES), ("rx", nv.NVML_PCIE_UTIL_RX_BYTES)):
        reading(
            f"pcie_{name}",
            f"pcie_{name}_bytes_per_second",
            lambda c=counter: nv.nvmlDeviceGetPcieThroughput(h, c),
            1024.0,
        )
    if "power_watts" in gpu and gpu.get("power_limit_watts"):
        gpu["power_percent"] = gpu["power_watts"] / gpu["power_limit_watts"] * 100
    attempt("processes", processes)
    if errors:
        gpu["errors"] = errors
    return gpu


def _load_nvml() -> tuple[Any | None, str]:
    """(pynvml module, "") when NVML initialises, else (None, why not)."""
    try:
        import pynvml  # optional dependency
    except ImportError:
        return None, "pynvml (nvidia-ml-py) is not installed"
    try:
        pynvml.nvmlInit()
    except pynvml.NVMLError as e:
        return None, f"nvmlInit failed: {e}"
    return pynvml, ""


def _real_disks() -> set[str] | None:
    """Whole physical disks on Linux (as the binary counts them); None elsewhere = all."""
    try:
        names = os.listdir("/sys/block")
    except OSError:
        return None
    return {n for n in names if os.path.exists(f"/sys/block/{n}/device")}


def _quiet(fn: Any) -> Any:
    try:
        return fn()
    except Exception:  # a sampler must not die on one odd reading
        return None
