"""Stand-ins for `tracklab.config`, `tracklab.summary` and `tracklab.log` before `init()`."""

from __future__ import annotations

from typing import Any, Callable

from tracklab.errors import Error, term


def _message(name: str, what: str = "") -> str:
    """wandb's words, with the name the program imported (`wandb` under the stand-in)."""
    prefix = term.prefix_name()
    local = name.split(".", 1)[1] if name.startswith("tracklab.") else name
    return f"You must call {prefix}.init() before {prefix}.{local}{what}"


class PreInitObject:
    """Raises wandb's error on any use before `init()`; `bool()` still works."""

    def __init__(self, name: str) -> None:
        object.__setattr__(self, "_name", name)

    def _fail(self, what: str) -> Error:
        return Error(_message(self._name, what))

    def __getattr__(self, key: str) -> Any:
        if key.startswith("__"):
            raise AttributeError(key)
        raise self._fail(f".{key}")

    def __setattr__(self, key: str, value: Any) -> None:
        raise self._fail(f".{key}")

    def __getitem__(self, key: Any) -> Any:
        raise self._fail(f"[{key!r}]")

    def __setitem__(self, key: Any, value: Any) -> None:
        raise self._fail(f"[{key!r}]")

    def __iter__(self):  # dict(preinit) must fail like wandb's
        raise self._fail("")

    def __len__(self) -> int:
        raise self._fail("")

    def __bool__(self) -> bool:
        return False

    def __repr__(self) -> str:
        return f"<PreInitObject {self._name}>"


def preinit_callable(name: str) -> Callable[..., Any]:
    """A function that raises wandb's 'call init first' error."""

    def call(*args: Any, **kwargs: Any) -> Any:
        raise Error(_message(name, "()"))

    call.__name__ = name.rsplit(".", 1)[-1]
    return call
