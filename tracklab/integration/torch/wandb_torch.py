"""`wandb.integration.torch.wandb_torch`: the torch helpers behind `wandb.watch()`.

`TorchHistory` hooks a module's parameters or gradients and logs their histograms every
`log_freq` calls into the current run; `TorchGraph.hook_torch(model)` records the layer graph on
the first forward pass; `nested_shape` gives the shapes of nested tensors; `log_track_init` /
`log_track_update` are wandb's every-n-th-call counters. They run on TrackLab's `watch`.
"""

from __future__ import annotations

from typing import Any

from tracklab.sdk import wandb_watch


def nested_shape(array_or_tuple: Any, seen: set[int] | None = None) -> Any:
    """The shape of a tensor, or the nested shapes of tuples/lists/dicts of them."""
    return wandb_watch.nested_shape(array_or_tuple, seen)


def log_track_init(log_freq: int) -> list[int]:
    """A counter for `log_track_update`: [calls so far, log every `log_freq`]."""
    return [0, log_freq]


def log_track_update(log_track: list[int]) -> bool:
    """Count one call; True when this call is one to log."""
    log_track[0] += 1
    if log_track[0] < log_track[1]:
        return False
    log_track[0] = 0
    return True


def _run() -> Any:
    import tracklab

    if tracklab.run is None:
        raise tracklab.Error("You must call `wandb.init()` before using the torch helpers")
    return tracklab.run


def _hook_names(module: Any) -> None:
    """The list wandb keeps on a hooked module (`_wandb_hook_names`); `watch` checks it too."""
    if not hasattr(module, "_wandb_hook_names"):
        module._wandb_hook_names = []


class TorchHistory:
    """Hooks that log a module's parameter and gradient histograms to the current run."""

    def __init__(self) -> None:
        self._hooked: list[Any] = []
        self._is_cuda_histc_supported: bool | None = None
        self.hook_torch = TorchGraph.hook_torch

    def add_log_parameters_hook(self, module: Any, name: str = "", prefix: str = "", log_freq: int = 0) -> None:
        """Log the histograms of `module`'s parameters every `log_freq` forward passes."""
        _hook_names(module)
        wandb_watch._add_parameter_hook(_run(), module, prefix + name, max(log_freq, 1))
        self._hooked.append(module)

    def add_log_gradients_hook(self, module: Any, name: str = "", prefix: str = "", log_freq: int = 0) -> None:
        """Log the histograms of `module`'s gradients every `log_freq` backward passes."""
        _hook_names(module)
        wandb_watch._add_gradient_hooks(_run(), module, prefix + name, max(log_freq, 1))
        self._hooked.append(module)

    def log_tensor_stats(self, tensor: Any, name: str) -> None:
        """Log the histogram of `tensor` under `name` into the current run's next row."""
        wandb_watch.log_tensor_stats(_run(), tensor, name)

    def unhook_all(self) -> None:
        """Remove every hook this object added."""
        import tracklab

        if tracklab.run is not None:
            for module in self._hooked:
                tracklab.run.unwatch(module)
        self._hooked.clear()

    def unhook(self, name: str) -> None:
        """Remove the hooks of the module hooked under `name` (all of them, as TrackLab keys hooks by model)."""
        self.unhook_all()


class TorchGraph(wandb_watch.TorchGraph):
    """A model's layer graph; `hook_torch(model)` records it on the current run's first forward pass."""

    @classmethod
    def hook_torch(cls, model: Any, criterion: Any = None, graph_idx: int = 0) -> "TorchGraph":  # type: ignore[override]
        return wandb_watch.TorchGraph.hook_torch(_run(), model, criterion, graph_idx)


__all__ = ["TorchHistory", "TorchGraph", "nested_shape", "log_track_init", "log_track_update"]
