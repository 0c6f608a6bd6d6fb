"""`run.watch` / `run.unwatch` for torch models, with wandb's keys, bins and cadence.

* parameters: a forward hook on each model logs `parameters/<prefix><name>` every `log_freq`
  forward calls;
* gradients: a hook on each parameter tensor logs `gradients/<prefix><name>` every `log_freq`
  backward passes through it;
* graph (`log_graph=True`): forward hooks on the layers build a `Graph` on the first forward
  pass, put it in `summary["graph_<idx>"]`, then remove themselves.

`<prefix>` is "" for the first watched model of the process and `graph_<idx>` after (wandb's
names). Histograms have 64 bins over [min, max] of the finite values (one bin when all values
are equal) and are logged with `commit=False`, so they join the run's next row as in wandb.
Between logging steps a hook only counts. `unwatch` removes the hooks; `Run.finish` calls
`unwatch(run)` so nothing stays hooked to a finished run.
"""

from __future__ import annotations

import logging
import weakref
from typing import Any, Callable, Sequence

from tracklab.errors import term
from tracklab.sdk.data_types.graph import Graph, Node

logger = logging.getLogger("tracklab")

NUM_BINS = 64
_LOG_CHOICES = ("gradients", "parameters", "all", None)

_global_watch_idx = 0
# run -> {hook name -> removable handle}; hook names are wandb's ("gradients/fc.weight", ...).
_handles: "weakref.WeakKeyDictionary[Any, dict[str, Any]]" = weakref.WeakKeyDictionary()


class _Every:
    """Counts calls; `due()` is true on every `freq`-th call (every call when `freq` <= 1)."""

    __slots__ = ("count", "freq")

    def __init__(self, freq: int) -> None:
        self.count = 0
        self.freq = freq

    def due(self) -> bool:
        self.count += 1
        if self.count < self.freq:
            return False
        self.count = 0
        return True


def watch(run: Any, models: Any, criterion: Any = None, log: str | None = "gradients", log_freq: int = 1000,
          idx: int | None = None, log_graph: bool = False) -> list[Graph]:
    """Hook `models` (a module or a sequence of them) so `run` gets their histograms and graph."""
    global _global_watch_idx
    import torch

    if log not in _LOG_CHOICES:
        raise ValueError("log must be one of 'gradients', 'parameters', 'all', or None")
    if not isinstance(models, (tuple, list)):
        models = (models,)
    for model in models:
        if not isinstance(model, torch.nn.Module):
            raise TypeError(f"Expected a pytorch model (torch.nn.Module). Received {type(model)}")
    if idx is None:
        idx = _global_watch_idx
    graphs = []
    for offset, model in enumerate(models):
        global_idx = idx + offset
        _global_watch_idx += 1
        prefix = f"graph_{global_idx}" if global_idx > 0 else ""
        if not hasattr(model, "_wandb_hook_names"):
            model._wandb_hook_names = []
        if log in ("parameters", "all"):
            _add_parameter_hook(run, model, prefix, log_freq)
        if log in ("gradients", "all"):
            _add_gradient_hooks(run, model, prefix, log_freq)
        if log_graph:
            graphs.append(TorchGraph.hook_torch(run, model, criterion, global_idx))
    return graphs


def unwatch(run: Any, models: Any = None) -> None:
    """Remove the hooks `watch` put on `models` (all of the run's when None)."""
    hooks = _handles.get(run)
    if models is None:
        for handle in (hooks or {}).values():
            handle.remove()
        if hooks:
            hooks.clear()
        return
    if not isinstance(models, (tuple, list)):
        models = (models,)
    for model in models:
        names = getattr(model, "_wandb_hook_names", None)
        if names is None:
            term.termwarn(f"{model} model has not been watched")
            continue
        for name in names:
            handle = (hooks or {}).pop(name, None)
            if handle is not None:
                handle.remove()
        del model._wandb_hook_names
        for module in model.modules():
            module.__dict__.pop("_wandb_watch_called", None)


def _register(run: Any, model: Any, name: str, handle: Any) -> None:
    _handles.setdefault(run, {})[name] = handle
    model._wandb_hook_names.append(name)


def _add_parameter_hook(run: Any, model: Any, prefix: str, log_freq: int) -> None:
    every = _Every(log_freq)

    def after_forward(module: Any, inputs: Any, output: Any) -> None:
        if not every.due():
            return
        for name, parameter in module.named_parameters():
            log_tensor_stats(run, parameter.detach(), "parameters/" + prefix + name)

    try:
        _register(run, model, "parameters/" + prefix, model.register_forward_hook(after_forward))
    except RuntimeError as exc:
        logger.warning("could not hook the forward pass (%s): not logging parameters", exc)


def _add_gradient_hooks(run: Any, model: Any, prefix: str, log_freq: int) -> None:
    hooks = _handles.setdefault(run, {})
    for name, parameter in model.named_parameters():
        if not parameter.requires_grad:
            continue
        key = "gradients/" + prefix + name
        old = hooks.get(key)
        if old is not None and _handle_alive(old):
            raise ValueError(f'A hook has already been set under name "{key}"')
        _register(run, model, key, parameter.register_hook(_gradient_hook(run, key, _Every(log_freq))))


def _gradient_hook(run: Any, key: str, every: _Every) -> Callable[[Any], None]:
    def on_grad(grad: Any) -> None:
        if every.due():
            log_tensor_stats(run, grad.detach(), key)

    return on_grad


def _handle_alive(handle: Any) -> bool:
    hooks = handle.hooks_dict_ref()
    return hooks is not None and handle.id in hooks


def histogram_of(tensor: Any) -> tuple[list[float], list[float]] | None:
    """wandb's (counts, edges) of a tensor's finite values; None when it has none."""
    import torch

    if tensor.is_sparse:
        tensor = tensor.cpu().coalesce()
        values = tensor._values()
        zeros = tensor.numel() - values.numel()
        flat = values.reshape(-1)
    else:
        zeros = 0
        flat = tensor.reshape(-1)
    if flat.dtype not in (torch.float32, torch.float64):
        flat = flat.float()
    finite = torch.isfinite(flat)
    if flat.numel() == 0 or not bool(finite.any()):
        return None
    if not bool(finite.all()):
        flat = flat[finite]
    tmin, tmax = flat.min().item(), flat.max().item()
    if zeros:
        tmin, tmax = min(tmin, 0.0), max(tmax, 0.0)
    if tmin > tmax:
        tmin, tmax = tmax, tmin
    if tmin == tmax:
        return [float(flat.numel() + zeros)], torch.tensor([tmin, tmax], dtype=torch.float32).tolist()
    counts = flat.histc(bins=NUM_BINS, min=tmin, max=tmax).cpu()  # on the tensor's device
    edges = torch.linspace(tmin, tmax, steps=NUM_BINS + 1)
    if zeros:
        counts[_zero_bin(edges.tolist())] += zeros
    return counts.tolist(), edges.tolist()


def _zero_bin(edges: Sequence[float]) -> int:
    last = len(edges) - 2
    for i in range(last + 1):
        if (edges[i] <= 0 < edges[i + 1]) or (i == last and edges[i + 1] == 0):
            return i
    return 0


def log_tensor_stats(run: Any, tensor: Any, key: str) -> None:
    """Log the histogram of `tensor` under `key` into the run's next row."""
    if getattr(run, "_finished", False):
        unwatch(run)
        return
    hist = histogram_of(tensor)
    if hist is None:
        return
    from tracklab.sdk.data_types import Histogram

    run.log({key: Histogram(np_histogram=hist)}, commit=False)


class TorchGraph(Graph):
    """A model's layer graph, filled in by forward hooks on the first forward pass."""

    def __init__(self) -> None:
        super().__init__("torch")
        self._pending: set[int] = set()
        self._graph_handles: list[Any] = []

    @classmethod
    def hook_torch(cls, run: Any, model: Any, criterion: Any = None, graph_idx: int = 0) -> "TorchGraph":
        if getattr(model, "_wandb_watch_called", False):
            raise ValueError("You can only call `wandb.watch` once per model. Pass a new instance of the model "
                             "if you need to call wandb.watch again in your code.")
        model._wandb_watch_called = True
        graph = cls()
        if criterion:
            graph.criterion = criterion
            graph.criterion_passed = True
        graph._hook_children(run, model, model, None, graph_idx)
        return graph

    def _hook_children(self, run: Any, module: Any, root: Any, prefix: str | None, graph_idx: int) -> None:
        import torch

        containers = (torch.nn.Sequential, torch.nn.ModuleList, torch.nn.ModuleDict)
        for layers, (name, child) in enumerate(module.named_children()):
            name = name or str(layers)
            if prefix:
                name = f"{prefix}.{name}"
            if isinstance(child, containers):
                self._hook_children(run, child, root, name, graph_idx)
                continue
            self._pending.add(id(child))
            handle = child.register_forward_hook(self._layer_hook(run, name, graph_idx))
            self._graph_handles.append(handle)
            _register(run, root, f"topology/{id(handle)}", handle)

    def _layer_hook(self, run: Any, name: str, graph_idx: int) -> Callable[[Any, Any, Any], None]:
        def after_forward(module: Any, inputs: Any, output: Any) -> None:
            if id(module) not in self._pending:
                return
            self._add_layer(module, name, output)
            self._pending.discard(id(module))
            if not self._pending:
                self._done(run, graph_idx)

        return after_forward

    def _add_layer(self, module: Any, name: str, output: Any) -> None:
        from functools import reduce
        from operator import mul

        outputs = output if isinstance(output, tuple) else (output,)
        parameters = [(pname, list(p.size())) for pname, p in module.named_parameters()]
        node = Node(id=id(module), name=name, class_name=str(module), output_shape=nested_shape(outputs),
                    parameters=parameters, num_parameters=[reduce(mul, size, 1) for _, size in parameters])
        self.nodes_by_id[id(module)] = node
        for param in module.parameters():
            self.nodes_by_id[id(param)] = node
        self.add_node(node)
        if not self.criterion_passed:
            first = outputs[0] if outputs else None
            if hasattr(first, "grad_fn"):
                self.criterion = first.grad_fn
            elif isinstance(first, list) and first and hasattr(first[0], "grad_fn"):
                self.criterion = first[0].grad_fn

    def _done(self, run: Any, graph_idx: int) -> None:
        for handle in self._graph_handles:  # the graph is complete: stop paying for the hooks
            handle.remove()
        self._graph_handles.clear()
        if not getattr(run, "_finished", True):
            run.summary[f"graph_{graph_idx}"] = self


def nested_shape(value: Any, seen: set[int] | None = None) -> Any:
    """Shapes of tensors possibly nested in tuples and lists (wandb's `nested_shape`)."""
    seen = set() if seen is None else seen
    if hasattr(value, "size") and callable(value.size):
        return list(value.size())
    if hasattr(value, "shape"):
        return list(value.shape)
    seen.add(id(value))
    try:
        return [nested_shape(item, seen) if id(item) not in seen else 0 for item in list(value)]
    except TypeError:
        return []
