"""`BoundingBoxes2D`: boxes drawn over an image, stored as a `.boxes2D.json` file."""

from __future__ import annotations

import numbers
from typing import Any

from ..base_types.json_metadata import JSONMetadata
from ..base_types.media import _is_artifact
from .._media_sink import as_sink

_POSITION_ERROR = (
    "Each box must contain a position with: middle, width, and height or \
                    \nminX, maxX, minY, maxY."
)


def _has_num(mapping: Any, key: str) -> bool:
    return key in mapping and isinstance(mapping[key], numbers.Number)


def _tensor_middles_to_lists(box_data: list) -> None:
    # A torch tensor cannot go into JSON; wandb converts "middle" in place.
    for box in box_data:
        middle = box.get("position", {}).get("middle") if isinstance(box, dict) else None
        if middle is not None and type(middle).__module__.startswith("torch"):
            box["position"]["middle"] = middle.tolist()


class BoundingBoxes2D(JSONMetadata):
    """A named set of boxes for one image (``Image(boxes={"predictions": {...}})``).

    `val` is ``{"box_data": [...], "class_labels": {id: name}}``; each box has a
    ``position`` ({minX, maxX, minY, maxY} or {middle: [x, y], width, height}),
    optional ``domain="pixel"`` (else fractions of the image), ``class_id``,
    ``scores`` and ``box_caption``.
    """

    _log_type = "bounding-boxes"

    def __init__(self, val: dict, key: str) -> None:
        _tensor_middles_to_lists(val.get("box_data", []))
        super().__init__(val)
        self._val = val["box_data"]
        self._key = key
        if "class_labels" in val:
            self._class_labels = val["class_labels"]
        else:
            # Unlabelled ids get the default names wandb shows ("class_<id>").
            import numpy as np

            ids = np.unique([box["class_id"] for box in val["box_data"]]).astype(np.int32).tolist()
            self._class_labels = {c: f"class_{c}" for c in ids}

    def bind_to_run(
        self,
        run: Any,
        key: int | str,
        step: int | str,
        id_: int | str | None = None,
        ignore_copy_err: bool | None = None,
    ) -> None:
        # `key` is the image's key; self._key names this box set.
        run = as_sink(run)  # a Run given where a sink is expected
        super().bind_to_run(run, key, step, id_=id_, ignore_copy_err=ignore_copy_err)
        run.record_class_labels(
            "bounding_box/class_labels", f"{key}_wandb_delimeter_{self._key}", self._class_labels
        )

    @classmethod
    def type_name(cls) -> str:
        return "boxes2D"

    def validate(self, val: dict) -> bool:
        if "class_labels" in val:
            for k, v in list(val["class_labels"].items()):
                if not isinstance(k, numbers.Number) or not isinstance(v, str):
                    raise TypeError("Class labels must be a dictionary of numbers to string")
        boxes = val["box_data"]
        if not isinstance(boxes, list):
            raise TypeError("Boxes must be a list")
        for box in boxes:
            if "position" not in box:
                raise TypeError(_POSITION_ERROR)
            pos = box["position"]
            by_middle = (
                "middle" in pos
                and len(pos["middle"]) == 2
                and _has_num(pos, "width")
                and _has_num(pos, "height")
            )
            by_corners = all(_has_num(pos, k) for k in ("minX", "maxX", "minY", "maxY"))
            if not (by_middle or by_corners):
                raise TypeError(_POSITION_ERROR)
            if "scores" in box and not isinstance(box["scores"], dict):
                raise TypeError("Box scores must be a dictionary")
            if "scores" in box:
                for k, v in list(box["scores"].items()):
                    if not isinstance(k, str):
                        raise TypeError("A score key must be a string")
                    if not isinstance(v, numbers.Number):
                        raise TypeError("A score value must be a number")
            if "class_id" in box and not isinstance(box["class_id"], int):
                raise TypeError("A box's class_id must be an integer")
            if "box_caption" in box and not isinstance(box["box_caption"], str):
                raise TypeError("A box's caption must be a string")
        return True

    def to_json(self, run_or_artifact: Any) -> dict:
        if _is_artifact(run_or_artifact):
            # Inside an artifact wandb stores the bare box list.
            return self._val
        return super().to_json(run_or_artifact)

    @classmethod
    def from_json(cls, json_obj: Any, source_artifact: Any) -> BoundingBoxes2D:
        return cls({"box_data": json_obj}, "")
