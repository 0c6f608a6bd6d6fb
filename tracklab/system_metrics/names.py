"""The one table from sampler fields to the metric names TrackLab logs.

A sample (from the ``gpu_stats`` binary or the psutil fallback) is nested JSON. It is
flattened to dotted field paths such as ``gpu.0.power_watts``, and each path is looked up in
``METRIC_NAMES``. A field can produce several names: MLflow 3.17's own name, so MLflow's
"System metrics" tab shows it as if MLflow had sampled it, and wandb's ``system/...`` name, so
code and dashboards written for wandb find what they expect.
"""

from __future__ import annotations

import posixpath
import re
from typing import Any

MB = 1e6  # MLflow's megabyte (psutil bytes / 1e6)
MIB = 1024.0**2  # wandb's "MB"
GIB = 1024.0**3  # wandb's "GB"

# Field path template -> ((metric name template, divisor), ...).
# Placeholders: {i} GPU index, {n} CPU core, {dev} block device; {path} is the disk path of
# the sample. MLflow names come from mlflow/system_metrics/metrics/*.py (3.17.2); wandb names
# from wandb-core/wandb-symon 0.31. "TrackLab" marks names neither tool has.
METRIC_NAMES: dict[str, tuple[tuple[str, float], ...]] = {
    # CPU: MLflow's is system-wide; wandb's "cpu" is the process tree, normalised by CPU count.
    "cpu.percent": (("system/cpu_utilization_percentage", 1.0),),
    "cpu.cores.{n}": (("system/cpu.{n}.cpu_percent", 1.0),),
    "process.cpu_percent": (("system/cpu", 1.0),),
    "process.threads": (("system/proc.cpu.threads", 1.0),),
    "process.rss_bytes": (("system/proc.memory.rssMB", MIB),),
    "process.memory_percent": (("system/proc.memory.percent", 1.0),),
    # Memory: "used" is total - available for both (psutil 7 under MLflow; wandb 0.31).
    "memory.used_bytes": (("system/system_memory_usage_megabytes", MB),),
    "memory.used_percent": (
        ("system/system_memory_usage_percentage", 1.0),
        ("system/memory_percent", 1.0),
    ),
    "memory.available_bytes": (("system/proc.memory.availableMB", MIB),),
    "swap.used_bytes": (("system/swap_usage_megabytes", MB),),  # TrackLab
    "swap.used_percent": (("system/swap.used_percent", 1.0),),
    # Disk space of the monitored path (MLflow always uses "/").
    "disk.used_bytes": (
        ("system/disk_usage_megabytes", MB),
        ("system/disk.{path}.usageGB", GIB),
    ),
    "disk.available_bytes": (("system/disk_available_megabytes", MB),),
    "disk.used_percent": (
        ("system/disk_usage_percentage", 1.0),
        ("system/disk.{path}.usagePercent", 1.0),
    ),
    # Disk and network traffic since monitoring began.
    "disk_io.devices.{dev}.read_bytes": (("system/disk.{dev}.in", MIB),),
    "disk_io.devices.{dev}.write_bytes": (("system/disk.{dev}.out", MIB),),
    "network.rx_bytes": (
        ("system/network_receive_megabytes", MB),
        ("system/network.recv", 1.0),
    ),
    "network.tx_bytes": (
        ("system/network_transmit_megabytes", MB),
        ("system/network.sent", 1.0),
    ),
    # NVIDIA GPUs, by NVML index.
    "gpu.{i}.utilization_percent": (
        ("system/gpu_{i}_utilization_percentage", 1.0),
        ("system/gpu.{i}.gpu", 1.0),
    ),
    "gpu.{i}.memory_utilization_percent": (("system/gpu.{i}.memory", 1.0),),
    "gpu.{i}.memory_used_bytes": (
        ("system/gpu_{i}_memory_usage_megabytes", MB),
        ("system/gpu.{i}.memoryAllocatedBytes", 1.0),
    ),
    "gpu.{i}.memory_used_percent": (
        ("system/gpu_{i}_memory_usage_percentage", 1.0),
        ("system/gpu.{i}.memoryAllocated", 1.0),
    ),
    "gpu.{i}.temperature_celsius": (("system/gpu.{i}.temp", 1.0),),
    "gpu.{i}.power_watts": (
        ("system/gpu_{i}_power_usage_watts", 1.0),
        ("system/gpu.{i}.powerWatts", 1.0),
    ),
    "gpu.{i}.power_limit_watts": (("system/gpu.{i}.enforcedPowerLimitWatts", 1.0),),
    "gpu.{i}.power_percent": (
        ("system/gpu_{i}_power_usage_percentage", 1.0),
        ("system/gpu.{i}.powerPercent", 1.0),
    ),
    "gpu.{i}.sm_clock_mhz": (("system/gpu.{i}.smClock", 1.0),),
    "gpu.{i}.memory_clock_mhz": (("system/gpu.{i}.memoryClock", 1.0),),
    "gpu.{i}.fan_speed_percent": (("system/gpu.{i}.fanSpeed", 1.0),),
    "gpu.{i}.pcie_tx_bytes_per_second": (("system/gpu.{i}.pcieTxBytes", 1.0),),
    "gpu.{i}.pcie_rx_bytes_per_second": (("system/gpu.{i}.pcieRxBytes", 1.0),),
    "gpu.{i}.process_memory_used_bytes": (
        ("system/gpu_{i}_process_memory_usage_megabytes", MB),  # TrackLab
    ),
}

# wandb repeats these GPU metrics as system/gpu.process.{i}.<name> when the monitored
# process tree runs on GPU i.
PROCESS_COPY_FIELDS: tuple[str, ...] = (
    "gpu",
    "memory",
    "memoryAllocated",
    "memoryAllocatedBytes",
    "temp",
    "powerWatts",
    "enforcedPowerLimitWatts",
    "powerPercent",
)

_PLACEHOLDER = {"i": r"\d+", "n": r"\d+", "dev": r"[^.]+"}
_EXACT = {k: v for k, v in METRIC_NAMES.items() if "{" not in k}
_PATTERNS = [
    (
        re.compile(
            "^"
            + re.sub(
                r"\\\{(\w+)\\\}",
                lambda m: f"(?P<{m.group(1)}>{_PLACEHOLDER[m.group(1)]})",
                re.escape(k),
            )
            + "$"
        ),
        v,
    )
    for k, v in METRIC_NAMES.items()
    if "{" in k
]
# MLflow keys allow only [/\w.\- :]; a disk path or device name may hold anything else.
_UNSAFE = re.compile(r"[^/\w.\- :]")


def flatten(sample: dict[str, Any], prefix: str = "") -> dict[str, float]:
    """Numeric leaves of a nested sample as {"a.b.c": value}; strings (errors) are skipped."""
    out: dict[str, float] = {}
    for key, value in sample.items():
        path = f"{prefix}{key}"
        if isinstance(value, dict):
            out.update(flatten(value, path + "."))
        elif isinstance(value, (int, float)) and not isinstance(value, bool):
            out[path] = float(value)
    return out


def to_metrics(sample: dict[str, Any]) -> dict[str, float]:
    """Converts one sample to {metric name: value} using METRIC_NAMES."""
    raw_path = posixpath.normpath(str(sample.get("disk", {}).get("path", "/")))
    # MLflow rejects keys that normpath would change, so no "//" may survive.
    disk_path = re.sub("/{2,}", "/", _safe(raw_path))
    out: dict[str, float] = {}
    for field, value in flatten(sample).items():
        targets, params = _lookup(field)
        for template, divisor in targets:
            name = template.replace("{path}", disk_path)
            for key, val in params.items():
                name = name.replace("{" + key + "}", _safe(val))
            out[name] = value / divisor
    for index, gpu in sample.get("gpu", {}).items():
        if isinstance(gpu, dict) and gpu.get("in_use_by_process"):
            for field in PROCESS_COPY_FIELDS:
                value = out.get(f"system/gpu.{index}.{field}")
                if value is not None:
                    out[f"system/gpu.process.{index}.{field}"] = value
    return out


def _lookup(field: str) -> tuple[tuple[tuple[str, float], ...], dict[str, str]]:
    if field in _EXACT:
        return _EXACT[field], {}
    for pattern, targets in _PATTERNS:
        match = pattern.match(field)
        if match:
            return targets, match.groupdict()
    return (), {}


def _safe(part: str) -> str:
    return _UNSAFE.sub("_", part)
