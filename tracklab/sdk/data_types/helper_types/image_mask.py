"""`ImageMask`: a per-pixel class map drawn over an image, stored as `.mask.png`."""

from __future__ import annotations

import numbers
import os
from typing import Any

from ..base_types.media import Media, _is_artifact, _tmp_path
from .._media_sink import as_sink


class ImageMask(Media):
    """A named mask for one image (``Image(masks={"predictions": {...}})``).

    `val` holds ``mask_data`` (a 2-D integer array, values 0..255) or ``path``
    (an existing mask image), and optionally ``class_labels`` ({id: name}).
    """

    _log_type = "mask"

    def __init__(self, val: dict, key: str) -> None:
        super().__init__()
        if "path" in val:
            self._set_file(val["path"])
            return
        import numpy as np

        data = val["mask_data"]
        if type(data).__module__.startswith("torch"):
            val["mask_data"] = data = data.cpu().numpy()
        if "class_labels" not in val:
            ids = np.unique(data).astype(np.int32).tolist()
            val["class_labels"] = {c: f"class_{c}" for c in ids}
        self.validate(val)
        self._val = val
        self._key = key

        from PIL import Image as PILImage

        ext = "." + self.type_name() + ".png"
        path = _tmp_path(ext)
        # Same pixel pipeline as wandb (int8, then "L") so the PNG bytes match.
        PILImage.fromarray(val["mask_data"].astype(np.int8)).convert("L").save(
            path, transparency=None
        )
        self._set_file(path, is_tmp=True, extension=ext)

    def bind_to_run(
        self,
        run: Any,
        key: int | str,
        step: int | str,
        id_: int | str | None = None,
        ignore_copy_err: bool | None = None,
    ) -> None:
        run = as_sink(run)  # a Run given where a sink is expected
        super().bind_to_run(run, key, step, id_=id_, ignore_copy_err=ignore_copy_err)
        if hasattr(self, "_val") and "class_labels" in self._val:
            run.record_class_labels(
                "mask/class_labels", f"{key}_wandb_delimeter_{self._key}", self._val["class_labels"]
            )

    @classmethod
    def get_media_subdir(cls) -> str:
        return os.path.join("media", "images", cls.type_name())

    @classmethod
    def from_json(cls, json_obj: dict, source_artifact: Any) -> ImageMask:
        return cls({"path": source_artifact.get_entry(json_obj["path"]).download()}, key="")

    def to_json(self, run_or_artifact: Any) -> dict:
        json_dict = super().to_json(run_or_artifact)
        if not _is_artifact(run_or_artifact):
            json_dict["_type"] = self.type_name()
        return json_dict

    @classmethod
    def type_name(cls) -> str:
        return cls._log_type  # type: ignore[return-value]

    def validate(self, val: dict) -> bool:
        if "mask_data" not in val:
            raise TypeError(
                'Missing key "mask_data": An image mask requires mask data: a 2D array representing the predictions'
            )
        data = val["mask_data"]
        if len(data.shape) != 2:
            raise TypeError("mask_data must be a 2D array")
        if not ((data >= 0).all() and (data <= 255).all()):
            raise TypeError("Mask data must be integers between 0 and 255")
        if "class_labels" in val:
            for k, v in list(val["class_labels"].items()):
                if not isinstance(k, numbers.Number) or not isinstance(v, str):
                    raise TypeError("Class labels must be a dictionary of numbers to strings")
        return True
