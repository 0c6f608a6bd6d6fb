"""What wandb's integration modules need and cannot get locally.

wandb's modules import their library at the top, so `import wandb.integration.sb3` fails without
stable-baselines3. TrackLab's import cleanly either way: a class that subclasses the library's own
base class is built on first access (`lazy_names`), and only then is the library required, with an
error that names the package to install. Remote-only features say what is not available locally.
"""

from __future__ import annotations

import importlib
import types
from typing import Any, Callable

from tracklab.errors import Error


class NotAvailableLocally(Error, NotImplementedError):
    """A feature that needs a remote service TrackLab does not talk to (W&B's cloud, OpenAI's API...)."""


def require(module: str, package: str, integration: str) -> types.ModuleType:
    """Import `module`, or raise ModuleNotFoundError saying which integration needs which package."""
    try:
        return importlib.import_module(module)
    except ModuleNotFoundError as exc:
        if exc.name is None or not module.startswith(exc.name.split(".")[0]):
            raise
        raise ModuleNotFoundError(f"wandb.integration.{integration} needs the `{package}` package: "
                                  f"pip install {package}", name=exc.name) from None


def not_available(integration: str, what: str, why: str) -> NotAvailableLocally:
    """The error for a feature that needs a remote service (raise it)."""
    return NotAvailableLocally(f"wandb.integration.{integration}: {what} is not available with TrackLab: {why}")


def lazy_names(namespace: dict[str, Any], builders: dict[str, Callable[[], Any]]) -> None:
    """Give the module `namespace` a `__getattr__` building each name of `builders` on first access
    (then cached) and a `__dir__` listing them."""

    def __getattr__(name: str) -> Any:  # noqa: N807 - module protocol
        builder = builders.get(name)
        if builder is None:
            raise AttributeError(f"module {namespace['__name__']!r} has no attribute {name!r}")
        value = builder()
        if isinstance(value, type):  # reads as a class of this module (repr, pickle)
            value.__module__, value.__qualname__ = namespace["__name__"], name
        namespace[name] = value
        return value

    def __dir__() -> list[str]:  # noqa: N807 - module protocol
        return sorted(set(namespace) | set(builders))

    namespace["__getattr__"] = __getattr__
    namespace["__dir__"] = __dir__
