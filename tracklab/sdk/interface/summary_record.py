"""A batch of summary changes (`wandb.sdk.interface.summary_record`): keys set and keys removed,
each key a path into nested dicts."""

from __future__ import annotations

from typing import Any


class SummaryItem:
    """One summary key (a tuple path) and its value."""

    def __init__(self) -> None:
        self.key: tuple[str, ...] = ()
        self.value: Any = None

    def __repr__(self) -> str:
        return f"SummaryItem(key={self.key!r}, value={self.value!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, SummaryItem) and (self.key, self.value) == (other.key, other.value)


class SummaryRecord:
    """What changed in a summary: `update` (set) and `remove` items."""

    def __init__(self) -> None:
        self.update: list[SummaryItem] = []
        self.remove: list[SummaryItem] = []

    def __repr__(self) -> str:
        return f"SummaryRecord(update={self.update!r}, remove={self.remove!r})"
