"""`Classes`: the id -> name set that labels masks and boxes."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .. import _dtypes
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

    def get_type(self) -> _ClassesIdType:
        """The column type of this class set: values must be one of its ids."""
        return _ClassesIdType(self)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Classes) and self._class_set == other._class_set

    __hash__ = Media.__hash__


class _ClassesIdType(_dtypes.Type):
    """wandb's `classesId` column type: a value is valid when it is one of the class ids."""

    name = "classesId"
    legacy_names = ["wandb.Classes_id"]
    types = [Classes]

    def __init__(self, classes_obj: Classes | None = None, valid_ids: Any = None) -> None:
        if classes_obj is None:
            if isinstance(valid_ids, list):
                valid_ids = _dtypes.UnionType([_dtypes.ConstType(item) for item in valid_ids])
            elif valid_ids is None:
                valid_ids = _dtypes.UnionType()
            elif not isinstance(valid_ids, _dtypes.UnionType):
                raise TypeError("valid_ids must be None, a list or a UnionType")
            classes_obj = Classes([{"id": member.params["val"], "name": str(member.params["val"])}
                                   for member in valid_ids.params["allowed_types"]])
        elif not isinstance(classes_obj, Classes):
            raise TypeError("classes_obj must be None or a Classes")
        else:
            valid_ids = _dtypes.UnionType([_dtypes.ConstType(c["id"]) for c in classes_obj._class_set])
        self.wb_classes_obj_ref = classes_obj
        self.params.update({"valid_ids": valid_ids})

    def assign(self, py_obj: Any = None) -> _dtypes.Type:
        return self.assign_type(_dtypes.ConstType(py_obj))

    def assign_type(self, wb_type: _dtypes.Type) -> _dtypes.Type:
        if isinstance(self.params["valid_ids"].assign_type(wb_type), _dtypes.InvalidType):
            return _dtypes.InvalidType()
        return self

    @classmethod
    def from_obj(cls, py_obj: Any = None) -> _dtypes.Type:
        return cls(py_obj)

    def to_json(self, artifact: Any = None) -> dict[str, Any]:
        result = super().to_json(artifact)
        if artifact is not None:
            entry = artifact.add(self.wb_classes_obj_ref, "media/cls")
            result["params"]["classes_obj"] = {"type": "classes-file", "path": entry.path, "digest": entry.digest}
        else:
            result["params"]["classes_obj"] = self.wb_classes_obj_ref.to_json(artifact)
        return result

    @classmethod
    def from_json(cls, json_dict: dict[str, Any], artifact: Any = None) -> _ClassesIdType:
        classes_json = json_dict.get("params", {}).get("classes_obj", {})
        if classes_json.get("type") == "classes-file" and artifact is not None:
            classes = artifact.get(classes_json.get("path"))
        else:
            classes = Classes.from_json(classes_json, artifact)
        return cls(classes)


_dtypes.TypeRegistry.add(_ClassesIdType)
