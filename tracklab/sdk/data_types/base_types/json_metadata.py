"""`JSONMetadata`: a value written as a small JSON file (boxes, for instance)."""

from __future__ import annotations

import os
from typing import Any

from .._json import dumps_uncompressed
from .media import Media, _tmp_path


class JSONMetadata(Media):
    """Media whose file is `val` as JSON; subclasses validate `val`."""

    def __init__(self, val: dict) -> None:
        super().__init__()
        self.validate(val)
        self._val: Any = val
        ext = "." + self.type_name() + ".json"
        path = _tmp_path(ext)
        with open(path, "w", encoding="utf-8") as f:
            f.write(dumps_uncompressed(val))
        self._set_file(path, is_tmp=True, extension=ext)

    @classmethod
    def get_media_subdir(cls) -> str:
        return os.path.join("media", "metadata", cls.type_name())

    def to_json(self, run_or_artifact: Any) -> dict:
        json_dict = super().to_json(run_or_artifact)
        json_dict["_type"] = self.type_name()
        return json_dict

    @classmethod
    def type_name(cls) -> str:
        return "metadata"

    def validate(self, val: dict) -> bool:
        return True
