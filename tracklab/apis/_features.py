"""`Api` methods whose work lives in a feature package above apis: `Api().sweep()` and
`Project.sweeps()` (tracklab.sweeps).

apis never imports those packages; `tracklab._wiring` (loaded by `import tracklab`, which every
`tracklab.*` import runs first) provides them here.
"""

from __future__ import annotations

from typing import Any, Callable

_provided: dict[str, Callable[..., Any]] = {}


def provide(**features: Callable[..., Any]) -> None:
    """Register the functions behind the feature methods (by name)."""
    _provided.update(features)


def call(name: str, *args: Any, **kwargs: Any) -> Any:
    """Run feature `name` (a RuntimeError names it when nothing provides it)."""
    found = _provided.get(name)
    if found is None:
        raise RuntimeError(f"tracklab.Api: nothing provides {name!r} (tracklab._wiring registers it on import)")
    return found(*args, **kwargs)
