"""System metrics (CPU, memory, disk, network, process tree, NVIDIA GPUs) for TrackLab runs.

``SystemMonitor`` runs the Rust ``gpu_stats`` sampler as a child process, or a psutil/pynvml
fallback thread when the binary is missing, and emits ``{name: value}`` dicts keyed by
MLflow's and wandb's ``system/...`` names (see ``names.METRIC_NAMES``).
"""

from tracklab.system_metrics.binary import find_binary
from tracklab.system_metrics.monitor import SystemMonitor, monitor_from_settings
from tracklab.system_metrics.names import METRIC_NAMES, to_metrics

__all__ = ["METRIC_NAMES", "SystemMonitor", "find_binary", "monitor_from_settings", "to_metrics"]
