"""`RunDisabled`: the marker class wandb's integrations check against."""

from __future__ import annotations

from typing import Any


class RunDisabled:
    """A do-nothing object; any attribute is another do-nothing callable."""

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        return RunDisabled()

    def __call__(self, *args: Any, **kwargs: Any) -> "RunDisabled":
        return self

    def __bool__(self) -> bool:
        return False
