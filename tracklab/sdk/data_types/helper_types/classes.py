"""`Classes`: the id -> name set that labels masks and boxes."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..base_types.media import Media


class Classes(Media):
    """A class set, e.g. ``Classes([{"id": 1, "name": "cat"}])``."""

    _log_type = "classes"

    def __init__(self, class_set: Sequence[dict]) -> None:
        super().__init__()
        for class_obj in class_set:
            assert "id" in class_obj and "name" in class_obj
        self._class_set = class_set

    @classmethod
    def from_json(cls, json_obj: dict, source_artifact: Any) -> Classes:
        return cls(json_obj.get("class_set"))  # type: ignore[arg-type]

    def to_json(self, run_or_artifact: Any) -> dict:
        json_obj: dict[str, Any] = {}
        if run_or_artifact is not None:
            json_obj = super().to_json(run_or_artifact)
        json_obj["_type"] = Classes._log_type
        json_obj["class_set"] = self._class_set
        return json_obj

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Classes) and self._class_set == other._class_set

    __hash__ = Media.__hash__
