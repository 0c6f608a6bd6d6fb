"""TrackLab standing in for `wandb`, by opt-in.

`enable()` puts a finder at the front of `sys.meta_path`. From then on:

* `import wandb` gives a facade module that shares TrackLab's namespace (`wandb.init is
  tracklab.init`, `wandb.run` follows the current run through `wandb_setup._targets()`);
* `import wandb.<path>` gives the TrackLab module at the same path (`wandb.sdk.wandb_run` is
  `tracklab.sdk.wandb_run`), or the one `_ALIASES` names (`wandb.wandb_run`, `wandb.sklearn`, ...);
  a path TrackLab lacks is not found (parents are TrackLab packages: a real wandb never answers);
* `importlib.util.find_spec("wandb")` answers, and `importlib.metadata` finds a `wandb`
  distribution (a dist-info shipped in `_dist/`) ahead of any installed one.

Nothing here runs unless `enable()` is called (directly, through `TRACKLAB_AS_WANDB=1` with the
`_shim` folder on `PYTHONPATH`, or through `tracklab run`).
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import importlib.metadata
import importlib.util
import os
import sys
import types
import warnings
from pathlib import Path
from typing import Any, Iterable, Sequence

#: The wandb release whose surface TrackLab implements; what `version("wandb")` answers.
WANDB_VERSION = "0.31.0"

DIST_INFO = Path(__file__).with_name("_dist") / f"wandb-{WANDB_VERSION}.dist-info"

#: wandb paths whose TrackLab module is not at the same path.
_ALIASES = {
    "wandb.wandb_run": "tracklab.sdk.wandb_run",
    "wandb.wandb_sdk": "tracklab.sdk",
    "wandb.data_types": "tracklab.sdk.data_types",
    "wandb.sklearn": "tracklab.integration.sklearn",
    "wandb.tensorboard": "tracklab.integration.tensorboard",
    "wandb.catboost": "tracklab.integration.catboost",
    "wandb.gym": "tracklab.integration.gym",
    "wandb.sacred": "tracklab.integration.sacred",
    "wandb.tensorflow": "tracklab.integration.tensorflow",
}

#: Attributes of the facade that TrackLab's top-level module does not carry: (module, attribute).
_FACADE_LAZY: dict[str, tuple[str, str | None]] = {
    "integration": ("tracklab.integration", None),
    "sklearn": ("tracklab.integration.sklearn", None),
    "tensorboard": ("tracklab.integration.tensorboard", None),
    "wandb_run": ("tracklab.sdk.wandb_run", None),
    # wandb's top-level shortcuts to its integrations (`wandb.sacred.WandbObserver`, ...)
    "catboost": ("tracklab.integration.catboost", None),
    "gym": ("tracklab.integration.gym", None),
    "sacred": ("tracklab.integration.sacred", None),
    "tensorflow": ("tracklab.integration.tensorflow", None),
    "wandb_torch": ("tracklab.integration.torch.wandb_torch", None),
    "sagemaker_auth": ("tracklab.integration.sagemaker", "sagemaker_auth"),
    "visualize": ("tracklab.plot", "visualize"),
    "plot_table": ("tracklab.plot", "plot_table"),
}

#: TrackLab's own names (and packages): reachable through the facade, but not listed by
#: `dir(wandb)`, so code that compares wandb's public names sees wandb's.
_TRACKLAB_ONLY = frozenset({"tracking_uri", "Summary", "log_code", "enable_wandb_standin", "disable_wandb_standin", "demo",
                            "backend", "importlib", "cli", "ui", "sweeps", "system_metrics", "wandb_import"})

_SKIP = frozenset({"__name__", "__spec__", "__loader__", "__package__", "__path__", "__file__",
                   "__cached__", "__getattr__", "__dir__", "__version__", "__builtins__", "__doc__"})


def target_name(fullname: str) -> str | None:
    """The TrackLab module that stands for the wandb module `fullname`, if any."""
    if fullname in _ALIASES:
        return _ALIASES[fullname]
    if fullname.startswith("wandb."):
        return "tracklab." + fullname[len("wandb."):]
    return None


class _Api:
    """`wandb.api`: Ray reads `wandb.api.api_key`; there is no key locally."""

    api_key: str | None = None

    def __repr__(self) -> str:
        return "<tracklab local api>"


def _make_facade(spec: importlib.machinery.ModuleSpec) -> types.ModuleType:
    """The `wandb` module: TrackLab's namespace plus wandb's version and a few extra names."""
    import tracklab

    facade = types.ModuleType("wandb", tracklab.__doc__)
    for name, value in vars(tracklab).items():
        if name not in _SKIP:
            facade.__dict__[name] = value
    facade.__dict__.update(__version__=WANDB_VERSION, __tracklab__=True, __path__=[], __file__=tracklab.__file__,
                           __spec__=spec, __loader__=spec.loader, __package__="wandb", api=_Api())

    def __getattr__(name: str) -> Any:  # noqa: N807 - module protocol
        if name in _FACADE_LAZY:
            module_name, attribute = _FACADE_LAZY[name]
            value: Any = importlib.import_module(module_name)
            value = value if attribute is None else getattr(value, attribute)
        else:
            value = getattr(tracklab, name)  # tracklab's own lazy names; AttributeError otherwise
        facade.__dict__[name] = value
        return value

    def __dir__() -> list[str]:  # noqa: N807 - module protocol
        return sorted(name for name in facade.__dict__ if name not in _TRACKLAB_ONLY)

    facade.__getattr__ = __getattr__  # type: ignore[method-assign]
    facade.__dir__ = __dir__  # type: ignore[method-assign]
    return facade


class _AliasLoader(importlib.abc.Loader):
    """Loads a wandb name as an existing TrackLab module (or the facade for `wandb` itself)."""

    def __init__(self, target: str | None) -> None:
        self.target = target
        self._own_spec: Any = None

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> types.ModuleType:
        if self.target is None:
            return _make_facade(spec)
        module = importlib.import_module(self.target)
        self._own_spec = module.__spec__
        return module

    def exec_module(self, module: types.ModuleType) -> None:
        if self.target is not None:  # the import system set our spec on it: give it its own back
            module.__spec__ = self._own_spec

    def get_code(self, fullname: str) -> Any:
        """The code of the TrackLab module (runpy asks for it: `python -m wandb` runs `tracklab.__main__`)."""
        spec = importlib.util.find_spec(self.target) if self.target else None
        loader = spec.loader if spec else None
        return loader.get_code(self.target) if loader is not None and hasattr(loader, "get_code") else None


class WandbStandinFinder(importlib.abc.MetaPathFinder):
    """Answers `wandb` and `wandb.*` imports and `wandb` distribution look-ups with TrackLab."""

    def find_spec(self, fullname: str, path: Sequence[str] | None = None,
                  target: types.ModuleType | None = None) -> importlib.machinery.ModuleSpec | None:
        if fullname == "wandb":
            spec = importlib.machinery.ModuleSpec("wandb", _AliasLoader(None), origin="tracklab", is_package=True)
            spec.submodule_search_locations = []
            return spec
        name = target_name(fullname)
        if name is None:
            return None
        try:
            own = importlib.util.find_spec(name)
        except ImportError:
            own = None
        if own is None:  # the parent is a TrackLab module, so no real wandb file can answer either
            return None
        return importlib.machinery.ModuleSpec(fullname, _AliasLoader(name), origin=own.origin,
                                              is_package=own.submodule_search_locations is not None)

    def find_distributions(self, context: Any = None) -> Iterable[Any]:
        name = getattr(context, "name", None)
        if name is not None and _normalize(name) != "wandb":
            return []
        # Answer with the caller's own Distribution class (stdlib importlib.metadata or the backport).
        module = sys.modules.get(type(context).__module__.split(".")[0]) if context is not None else None
        dist_cls = getattr(module, "PathDistribution", None) or importlib.metadata.PathDistribution
        return [dist_cls(DIST_INFO)]

    def invalidate_caches(self) -> None:
        """Nothing cached."""


def _normalize(name: str) -> str:
    return name.lower().replace("-", "_").replace(".", "_")


_finder: WandbStandinFinder | None = None


def is_enabled() -> bool:
    """Whether `import wandb` gives TrackLab in this process."""
    return _finder is not None and _finder in sys.meta_path


def enable(propagate: bool = True) -> types.ModuleType:
    """Make `import wandb` (and its submodules, `find_spec` and package metadata) give TrackLab.

    Call it before the libraries that use wandb are imported. A real wandb imported earlier is
    dropped from `sys.modules` (with a warning): objects already taken from it stay real wandb's.
    With `propagate`, child Python processes get the stand-in too (through the environment).
    Returns the `wandb` module.
    """
    global _finder

    if propagate:
        _propagate()
    if is_enabled():
        return importlib.import_module("wandb")
    real = [name for name, mod in sys.modules.items()
            if (name == "wandb" or name.startswith("wandb.")) and not _is_ours(name, mod)]
    if real:
        warnings.warn("tracklab: a real `wandb` was imported before the stand-in was enabled; modules that already "
                      "hold it keep using it. Enable the stand-in earlier (TRACKLAB_AS_WANDB=1 with `tracklab run`).",
                      RuntimeWarning, stacklevel=2)
        for name in real:
            del sys.modules[name]
    _finder = WandbStandinFinder()
    sys.meta_path.insert(0, _finder)
    importlib.invalidate_caches()
    return importlib.import_module("wandb")


_saved_environ: dict[str, str | None] | None = None


def _propagate() -> None:
    global _saved_environ
    from tracklab.integration import standin_environment

    wanted = standin_environment()
    changed = {k: v for k, v in wanted.items() if os.environ.get(k) != v}
    if _saved_environ is None:
        _saved_environ = {k: os.environ.get(k) for k in changed}
    os.environ.update(changed)


def _restore_environ() -> None:
    global _saved_environ
    for key, value in (_saved_environ or {}).items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value
    _saved_environ = None


def disable() -> None:
    """Undo `enable()`: remove the finder, every `wandb` module it made and its environment."""
    global _finder
    _restore_environ()
    if _finder is not None and _finder in sys.meta_path:
        sys.meta_path.remove(_finder)
    _finder = None
    for name, module in list(sys.modules.items()):
        if (name == "wandb" or name.startswith("wandb.")) and _is_ours(name, module):
            del sys.modules[name]
    importlib.invalidate_caches()


def _is_ours(name: str, module: Any) -> bool:
    if name == "wandb":
        return getattr(module, "__tracklab__", False) is True
    return getattr(module, "__name__", "").startswith("tracklab")
