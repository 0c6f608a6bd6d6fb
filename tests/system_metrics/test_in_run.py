"""System metrics in a real run: sampled from init to finish and stored under MLflow's names."""

from __future__ import annotations

import time

import tracklab
from tests.helpers import mlflow_client, stored_run, wait_until


def _wait_for_samples(run: tracklab.Run, *names: str, count: int = 1) -> None:
    """Wait until the monitor has emitted `count` samples of each metric (x_stats_buffer_size keeps them)."""
    wait_until(lambda: all(len(run._system_metrics.get(name, [])) >= count for name in names), timeout=60,
               what=lambda: f"{count} samples of {names}; have {sorted(run._system_metrics)[:20]}")


def test_run_stores_gpu_and_host_metrics(tl_dir, gpu_stats_bin, fake_nvml, monkeypatch):
    monkeypatch.setenv("TRACKLAB_GPU_STATS_BIN", gpu_stats_bin)
    run = tracklab.init(project="sys", id="sysrun01", settings={
        "x_stats_sampling_interval": 0.2, "x_stats_nvml_path": fake_nvml, "x_stats_buffer_size": 100})
    for step in range(20):
        run.log({"loss": 1.0 / (step + 1)})
    _wait_for_samples(run, "system/gpu_0_utilization_percentage", count=3)
    run.finish()
    stored = stored_run(tl_dir, "sys", "sysrun01")
    metrics = stored.data.metrics
    for name in ("system/cpu_utilization_percentage", "system/system_memory_usage_megabytes",
                 "system/gpu_0_utilization_percentage", "system/gpu_1_memory_usage_megabytes",
                 "system/gpu_0_power_usage_watts", "system/gpu.0.gpu", "system/gpu.1.temp"):
        assert name in metrics, f"{name} missing; have {sorted(metrics)[:40]}"
    history = mlflow_client(tl_dir).get_metric_history(stored.info.run_id, "system/gpu_0_utilization_percentage")
    assert len(history) >= 3
    assert [m.step for m in history] == sorted(m.step for m in history)
    # System metrics stay out of the run's own history, as in wandb.
    assert not any(k.startswith("system/") for k in tracklab.Api().run("sys/sysrun01").history().columns)


def test_disabled_stats_log_nothing(tl_dir, gpu_stats_bin, monkeypatch):
    monkeypatch.setenv("TRACKLAB_GPU_STATS_BIN", gpu_stats_bin)
    run = tracklab.init(project="sys", id="sysrun02", settings={"x_stats_sampling_interval": 0.1,
                                                                 "x_disable_stats": True})
    time.sleep(0.5)  # an absence: nothing to wait for, give a monitor (there must be none) time to sample
    run.finish()
    assert not any(k.startswith("system/") for k in stored_run(tl_dir, "sys", "sysrun02").data.metrics)


def test_cuda_visible_devices_and_node_prefix(tl_dir, gpu_stats_bin, fake_nvml, monkeypatch):
    from tracklab.system_metrics.monitor import visible_gpu_ids

    assert visible_gpu_ids(None) is None and visible_gpu_ids("") == [] and visible_gpu_ids("-1") == []
    assert visible_gpu_ids("1, 0") == [1, 0] and visible_gpu_ids("GPU-abc") is None
    monkeypatch.setenv("TRACKLAB_GPU_STATS_BIN", gpu_stats_bin)
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "1")
    run = tracklab.init(project="sys", id="sysrun03", settings={
        "x_stats_sampling_interval": 0.2, "x_stats_nvml_path": fake_nvml, "x_stats_node_id": "node_3",
        "x_stats_buffer_size": 100})
    _wait_for_samples(run, "system/node_3/gpu_1_utilization_percentage", "system/node_3/cpu_utilization_percentage")
    run.finish()
    metrics = stored_run(tl_dir, "sys", "sysrun03").data.metrics
    assert "system/node_3/gpu_1_utilization_percentage" in metrics
    assert "system/node_3/cpu_utilization_percentage" in metrics
    assert not any("gpu_0_" in k for k in metrics)
    assert not any(k.startswith("system/gpu") for k in metrics)
