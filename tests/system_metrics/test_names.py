"""The field -> metric-name table and the sample conversion."""

from __future__ import annotations

import posixpath
import re
from pathlib import Path

from tracklab.system_metrics.names import (
    METRIC_NAMES,
    MIB,
    PROCESS_COPY_FIELDS,
    flatten,
    to_metrics,
)

MLFLOW_KEY = re.compile(r"^[/\w.\- :]*$")  # mlflow/utils/validation.py, 3.17.2

SAMPLE = {
    "timestamp": 1700000000.5,
    "pid": 42,
    "cpu": {"percent": 12.5, "count": 2, "cores": {"0": 10.0, "1": 15.0}},
    "memory": {
        "total_bytes": 8_000_000_000,
        "available_bytes": 6_000_000_000,
        "used_bytes": 2_000_000_000,
        "used_percent": 25.0,
    },
    "swap": {"total_bytes": 0, "used_bytes": 0, "used_percent": 0.0},
    "disk": {
        "path": "/",
        "total_bytes": 100_000_000_000,
        "used_bytes": 40_000_000_000,
        "available_bytes": 60_000_000_000,
        "used_percent": 40.0,
    },
    "disk_io": {
        "read_bytes": 3 * 2**20,
        "write_bytes": 0,
        "devices": {"nvme0n1": {"read_bytes": 3 * 2**20, "write_bytes": 0}},
    },
    "network": {"rx_bytes": 5_000_000, "tx_bytes": 1_000_000},
    "process": {
        "tree_size": 2,
        "cpu_core_percent": 150.0,
        "cpu_percent": 75.0,
        "rss_bytes": 512 * 2**20,
        "memory_percent": 6.7,
        "threads": 9,
    },
    "gpu_count": 1,
    "gpu": {
        "0": {
            "utilization_percent": 90.0,
            "memory_utilization_percent": 40.0,
            "memory_total_bytes": 80 * 2**30,
            "memory_used_bytes": 8_000_000_000,
            "memory_used_percent": 9.3,
            "temperature_celsius": 60.0,
            "power_watts": 200.0,
            "power_limit_watts": 400.0,
            "power_percent": 50.0,
            "in_use_by_process": 1,
            "process_memory_used_bytes": 4_000_000_000,
            "errors": {"fan_speed": "Not Supported"},
        }
    },
    "errors": {"something": "went wrong"},
}


def test_every_name_is_a_valid_mlflow_key() -> None:
    for field, targets in METRIC_NAMES.items():
        for template, divisor in targets:
            name = template.format(i=3, n=11, dev="nvme0n1", path="/")
            assert name.startswith("system/"), name
            assert MLFLOW_KEY.match(name) and posixpath.normpath(name) == name, name
            assert len(name) <= 250 and divisor > 0, (field, name)


def test_flatten_keeps_numbers_only() -> None:
    flat = flatten({"a": {"b": 1, "c": "text", "d": True, "e": {"f": 2.5}}, "g": None})
    assert flat == {"a.b": 1.0, "a.e.f": 2.5}


def test_to_metrics_names_and_units() -> None:
    m = to_metrics(SAMPLE)
    expected = {
        # MLflow 3.17.2
        "system/cpu_utilization_percentage": 12.5,
        "system/system_memory_usage_megabytes": 2000.0,
        "system/system_memory_usage_percentage": 25.0,
        "system/disk_usage_megabytes": 40_000.0,
        "system/disk_usage_percentage": 40.0,
        "system/disk_available_megabytes": 60_000.0,
        "system/network_receive_megabytes": 5.0,
        "system/network_transmit_megabytes": 1.0,
        "system/gpu_0_utilization_percentage": 90.0,
        "system/gpu_0_memory_usage_megabytes": 8000.0,
        "system/gpu_0_memory_usage_percentage": 9.3,
        "system/gpu_0_power_usage_watts": 200.0,
        "system/gpu_0_power_usage_percentage": 50.0,
        # wandb 0.31
        "system/cpu": 75.0,
        "system/cpu.1.cpu_percent": 15.0,
        "system/memory_percent": 25.0,
        "system/proc.memory.rssMB": 512.0,
        "system/proc.memory.availableMB": 6_000_000_000 / MIB,
        "system/proc.cpu.threads": 9.0,
        "system/disk./.usagePercent": 40.0,
        "system/disk./.usageGB": 40_000_000_000 / 2**30,
        "system/disk.nvme0n1.in": 3.0,
        "system/network.recv": 5_000_000.0,
        "system/network.sent": 1_000_000.0,
        "system/gpu.0.gpu": 90.0,
        "system/gpu.0.memory": 40.0,
        "system/gpu.0.memoryAllocated": 9.3,
        "system/gpu.0.memoryAllocatedBytes": 8e9,
        "system/gpu.0.temp": 60.0,
        "system/gpu.0.powerWatts": 200.0,
        "system/gpu.0.enforcedPowerLimitWatts": 400.0,
        "system/gpu.0.powerPercent": 50.0,
        "system/gpu.process.0.gpu": 90.0,
        "system/gpu.process.0.powerWatts": 200.0,
        # TrackLab additions
        "system/gpu_0_process_memory_usage_megabytes": 4000.0,
    }
    for name, value in expected.items():
        assert m[name] == value, name
    # Strings (errors, the disk path) and bookkeeping fields never become metrics.
    assert not any("errors" in k or "fan" in k or "tree_size" in k for k in m)


def test_process_copies_only_when_the_gpu_is_ours() -> None:
    sample = {"gpu": {"0": {"utilization_percent": 5.0, "in_use_by_process": 0}}}
    assert to_metrics(sample) == {
        "system/gpu_0_utilization_percentage": 5.0,
        "system/gpu.0.gpu": 5.0,
    }


def test_disk_path_and_device_are_made_safe_keys() -> None:
    sample = {
        "disk": {"path": "/mnt//data+x/", "used_percent": 1.0},
        "disk_io": {"devices": {"weird@dev": {"read_bytes": 0}}},
    }
    m = to_metrics(sample)
    assert "system/disk./mnt/data_x.usagePercent" in m
    assert "system/disk.weird_dev.in" in m
    assert all(MLFLOW_KEY.match(k) and posixpath.normpath(k) == k for k in m)


def test_docs_list_every_name() -> None:
    docs = (Path(__file__).resolve().parents[2] / "docs" / "system_metrics.md").read_text()
    for field, targets in METRIC_NAMES.items():
        assert f"`{field}`" in docs, field
        for template, _ in targets:
            assert f"`{template}`" in docs, template
    for field in PROCESS_COPY_FIELDS:
        assert f"`{field}`" in docs, field
