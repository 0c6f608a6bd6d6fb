"""The gpu_stats binary itself: output format, errors as data, and when it exits."""

from __future__ import annotations

import json
import os
import subprocess
import time
from collections.abc import Callable

import pytest

from tests import helpers


def run_samples(binary: str, *args: str, count: int = 2, env: dict | None = None) -> list[dict]:
    """Runs gpu_stats for `count` samples at 0.1 s and returns the parsed lines."""
    cmd = [binary, "--pid", str(os.getpid()), "--interval", "0.1", "--count", str(count), *args]
    proc = helpers.run(cmd, capture_output=True, text=True, timeout=30, env=env)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert len(lines) == count
    return [json.loads(line) for line in lines]


def test_prints_json_lines_with_host_metrics(gpu_stats_bin: str) -> None:
    before = time.time()
    samples = run_samples(gpu_stats_bin, count=3)
    stamps = [s["timestamp"] for s in samples]
    assert before <= stamps[0] < stamps[1] < stamps[2] <= time.time()
    s = samples[-1]
    assert s["pid"] == os.getpid()
    assert 0.0 <= s["cpu"]["percent"] <= 100.0
    assert s["cpu"]["count"] == len(s["cpu"]["cores"]) >= 1
    mem = s["memory"]
    assert 0 < mem["used_bytes"] <= mem["total_bytes"]
    assert 0 < mem["used_percent"] <= 100
    assert s["disk"]["path"] == "/"
    assert 0 < s["disk"]["used_bytes"] < s["disk"]["total_bytes"]
    assert s["network"]["rx_bytes"] >= 0 and s["network"]["tx_bytes"] >= 0
    assert s["disk_io"]["read_bytes"] >= 0
    proc = s["process"]
    assert proc["rss_bytes"] > 1_000_000 and proc["threads"] >= 1 and proc["tree_size"] >= 1
    assert "errors" not in s, s.get("errors")


def test_no_gpu_is_reported_as_data(gpu_stats_bin: str) -> None:
    s = run_samples(gpu_stats_bin, count=1)[0]
    if "nvml_error" in s:  # this machine: no NVIDIA driver
        assert s["gpu_count"] == 0 and "gpu" not in s
        assert isinstance(s["nvml_error"], str) and s["nvml_error"]
    else:  # a GPU machine
        assert s["gpu_count"] >= 1 and len(s["gpu"]) == s["gpu_count"]


def test_missing_nvml_path_is_an_error_value(gpu_stats_bin: str) -> None:
    s = run_samples(gpu_stats_bin, "--nvml-path", "/nonexistent/libnvidia-ml.so.1", count=1)[0]
    assert s["gpu_count"] == 0
    assert "/nonexistent/libnvidia-ml.so.1" in s["nvml_error"]
    assert s["memory"]["total_bytes"] > 0  # host metrics are unaffected


def test_failing_host_readings_are_error_values(gpu_stats_bin: str) -> None:
    cmd = [gpu_stats_bin, "--pid", "999999999", "--interval", "0.1", "--count", "1"]
    out = helpers.run([*cmd, "--disk-path", "/nonexistent"], capture_output=True, text=True)
    s = json.loads(out.stdout)
    assert "no such process" in s["errors"]["process"] and "process" not in s
    assert "/nonexistent" in s["errors"]["disk"] and "disk" not in s
    assert s["cpu"]["count"] >= 1


def test_fake_nvml_gpu_metrics(gpu_stats_bin: str, fake_nvml: str) -> None:
    env = {**os.environ, "FAKE_NVML_PID": str(os.getpid())}
    s = run_samples(gpu_stats_bin, "--nvml-path", fake_nvml, count=1, env=env)[0]
    assert s["gpu_count"] == 2 and "nvml_error" not in s
    g0, g1 = s["gpu"]["0"], s["gpu"]["1"]
    assert g0["utilization_percent"] == 42 and g0["memory_utilization_percent"] == 17
    assert g0["memory_used_bytes"] == 20 << 30 and g0["memory_used_percent"] == 25
    assert g0["temperature_celsius"] == 55
    assert g0["power_watts"] == 150 and g0["power_limit_watts"] == 300
    assert g0["power_percent"] == 50
    assert g0["sm_clock_mhz"] == 1410 and g0["memory_clock_mhz"] == 1593
    assert g0["pcie_tx_bytes_per_second"] == 1000 * 1024
    # Our pid holds 512 MiB on GPU 0; the foreign pid 1 does not count.
    assert g0["in_use_by_process"] == 1 and g0["process_memory_used_bytes"] == 512 << 20
    # A failing call omits its field and records why, without hiding the rest.
    assert "fan_speed_percent" not in g0 and g0["errors"] == {"fan_speed": "Not Supported"}
    assert "power_watts" not in g1 and "power_percent" not in g1
    assert g1["errors"]["power_usage"] == "Not Supported"
    assert g1["power_limit_watts"] == 300 and g1["in_use_by_process"] == 0


def test_gpu_ids_select_devices(gpu_stats_bin: str, fake_nvml: str) -> None:
    s = run_samples(gpu_stats_bin, "--nvml-path", fake_nvml, "--gpu-ids", "1", count=1)[0]
    assert s["gpu_count"] == 2 and list(s["gpu"]) == ["1"]


def test_exits_when_parent_dies(gpu_stats_bin: str, wait_gone: Callable[[int], bool]) -> None:
    # sh starts gpu_stats in the background, prints its pid and exits after 0.5 s.
    script = '"$0" --pid "$1" --interval 0.1 >/dev/null & echo $!; sleep 0.5'
    sh = helpers.run(
        ["sh", "-c", script, gpu_stats_bin, str(os.getpid())],
        capture_output=True,
        text=True,
        timeout=10,
    )
    child = int(sh.stdout.split()[0])
    assert wait_gone(child), f"gpu_stats {child} outlived its parent"


def test_exits_when_parent_pid_dies(gpu_stats_bin: str) -> None:
    watched = helpers.spawn(["sleep", "0.4"])
    proc = helpers.spawn(
        [
            gpu_stats_bin,
            "--pid",
            str(os.getpid()),
            "--interval",
            "0.1",
            "--parent-pid",
            str(watched.pid),
        ],
        stdout=subprocess.DEVNULL,
    )
    try:
        watched.wait()  # reaped, so the pid is really gone
        assert proc.wait(timeout=5) == 0
    finally:
        proc.kill()


def test_exits_when_stdout_is_closed(gpu_stats_bin: str) -> None:
    proc = helpers.spawn(
        [gpu_stats_bin, "--pid", str(os.getpid()), "--interval", "0.1"], stdout=subprocess.PIPE
    )
    try:
        assert proc.stdout is not None
        json.loads(proc.stdout.readline())
        proc.stdout.close()
        assert proc.wait(timeout=5) == 0
    finally:
        proc.kill()


@pytest.mark.parametrize(
    "args, message",
    [
        ([], "--pid is required"),
        (["--pid", "1", "--interval", "0"], "--interval"),
        (["--bogus"], "unknown argument --bogus"),
    ],
)
def test_bad_arguments_exit_2_with_usage(gpu_stats_bin: str, args: list[str], message: str) -> None:
    proc = helpers.run([gpu_stats_bin, *args], capture_output=True, text=True, timeout=10)
    assert proc.returncode == 2 and proc.stdout == ""
    assert message in proc.stderr and "usage: gpu_stats" in proc.stderr
