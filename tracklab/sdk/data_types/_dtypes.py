"""Column types of a `Table` (wandb's `_dtypes`), used to check rows and `cast`.

A type is assigned a value (or another type) and answers the narrowed type, or
`InvalidType` when the value does not fit. A table keeps one `TypedDictType` of
its columns; each added row must be assignable to it. The JSON form
(`{"wb_type": ..., "params": ...}`) is what wandb stores as `column_types` in a
table artifact.
"""

from __future__ import annotations

import datetime
import math
import sys
from collections.abc import Sequence
from typing import Any, ClassVar


class TypeRegistry:
    """Finds the type class for a Python class, a type name, or a dtype spec."""

    _by_name: ClassVar[dict[str, type[Type]]] = {}
    _by_class: ClassVar[dict[type, type[Type]]] = {}
    _numpy_registered: ClassVar[bool] = False

    @staticmethod
    def add(wb_type: type[Type]) -> None:
        TypeRegistry._by_name[wb_type.name] = wb_type
        for legacy in wb_type.legacy_names:
            TypeRegistry._by_name[legacy] = wb_type
        for cls in wb_type.types:
            TypeRegistry._by_class[cls] = wb_type

    @staticmethod
    def _ensure_numpy() -> None:
        # numpy's scalar classes are registered lazily: only once numpy is loaded.
        if TypeRegistry._numpy_registered or "numpy" not in sys.modules:
            return
        import numpy as np

        TypeRegistry._numpy_registered = True
        for cls in set(np.sctypeDict.values()):
            kind = np.dtype(cls).kind
            if kind in "iufc":
                TypeRegistry._by_class[cls] = NumberType
            elif kind == "b":
                TypeRegistry._by_class[cls] = BooleanType
            elif kind == "M":
                TypeRegistry._by_class[cls] = TimestampType
        TypeRegistry._by_class[np.ndarray] = NDArrayType

    @staticmethod
    def type_of(py_obj: Any) -> Type:
        """The type of one value."""
        if py_obj.__class__ is float and math.isnan(py_obj):
            return NoneType()  # wandb treats NaN as a missing value
        TypeRegistry._ensure_numpy()
        handler = TypeRegistry._by_class.get(py_obj.__class__)
        if handler is None:
            return PythonObjectType.from_obj(py_obj)
        return handler.from_obj(py_obj)

    @staticmethod
    def type_from_dict(json_dict: dict, artifact: Any = None) -> Type:
        name = json_dict.get("wb_type")
        if name is None:
            raise TypeError("json_dict must contain `wb_type` key")
        cls = TypeRegistry._by_name.get(name)
        if cls is None:
            raise TypeError(f"missing type handler for {name}")
        return cls.from_json(json_dict, artifact)

    @staticmethod
    def type_from_dtype(dtype: Any) -> Type:
        """A type from a dtype spec: a Type, a Type class, a Python class, a list
        (list of one type, or a union of several), a dict (typed dict), or a
        constant."""
        TypeRegistry._ensure_numpy()
        if isinstance(dtype, Type):
            return dtype
        if isinstance(dtype, type) and issubclass(dtype, Type):
            return dtype()
        if isinstance(dtype, type):
            handler = TypeRegistry._by_class.get(dtype)
            return handler() if handler else PythonObjectType.from_obj(dtype)
        if isinstance(dtype, list):
            if not dtype:
                return ListType()
            if len(dtype) == 1:
                return ListType(TypeRegistry.type_from_dtype(dtype[0]))
            return UnionType([TypeRegistry.type_from_dtype(d) for d in dtype])
        if isinstance(dtype, dict):
            return TypedDictType({k: TypeRegistry.type_from_dtype(v) for k, v in dtype.items()})
        return ConstType(dtype)


def _params_to_json(params: Any, artifact: Any = None) -> Any:
    if params.__class__ is dict:
        return {k: _params_to_json(v, artifact) for k, v in params.items()}
    if params.__class__ in (list, set, tuple, frozenset):
        return [_params_to_json(v, artifact) for v in list(params)]
    if isinstance(params, Type):
        return params.to_json(artifact)
    return params


def _json_to_params(obj: Any, artifact: Any = None) -> Any:
    if obj.__class__ is dict:
        if "wb_type" in obj:
            return TypeRegistry.type_from_dict(obj, artifact)
        return {k: _json_to_params(v, artifact) for k, v in obj.items()}
    if obj.__class__ is list:
        return [_json_to_params(v, artifact) for v in obj]
    return obj


class Type:
    """Base of all column types."""

    name: ClassVar[str] = ""
    legacy_names: ClassVar[list[str]] = []
    types: ClassVar[list[type]] = []

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        pass

    @property
    def params(self) -> dict[str, Any]:
        if getattr(self, "_params", None) is None:
            self._params: dict[str, Any] = {}
        return self._params

    def assign(self, py_obj: Any = None) -> Type:
        """The narrowed type after accepting `py_obj`, or InvalidType."""
        return self.assign_type(TypeRegistry.type_of(py_obj))

    def assign_type(self, wb_type: Type) -> Type:
        if isinstance(wb_type, self.__class__) and self.params == wb_type.params:
            return self
        return InvalidType()

    def to_json(self, artifact: Any = None) -> dict[str, Any]:
        res: dict[str, Any] = {"wb_type": self.name, "params": _params_to_json(self.params, artifact)}
        if not res["params"]:
            del res["params"]
        return res

    @classmethod
    def from_json(cls, json_dict: dict, artifact: Any = None) -> Type:
        return cls(**_json_to_params(json_dict.get("params", {}), artifact))

    @classmethod
    def from_obj(cls, py_obj: Any = None) -> Type:
        return cls()

    def explain(self, other: Any, depth: int = 0) -> str:
        """Why `other` does not fit this type (for error messages)."""
        other_type = TypeRegistry.type_of(other)
        gap = "\t" * depth
        if depth > 0:
            return f"{gap}{other_type} not assignable to {self}"
        return f"{gap}{other} of type {other_type} is not assignable to {self}"

    def __repr__(self) -> str:
        rep = self.name.capitalize()
        if self.params:
            rep += "(" + ", ".join(f"{k}:{v}" for k, v in self.params.items()) + ")"
        return rep

    def __eq__(self, other: object) -> bool:
        return self is other or (
            isinstance(other, Type)
            and self.name == other.name
            and self.params.keys() == other.params.keys()
            and all(self.params[k] == other.params[k] for k in self.params)
        )

    __hash__ = object.__hash__


class InvalidType(Type):
    name = "invalid"

    def assign_type(self, wb_type: Type) -> Type:
        return self


class AnyType(Type):
    """Accepts anything but None (used by `allow_mixed_types=True`)."""

    name = "any"

    def assign_type(self, wb_type: Type) -> Type:
        return self if not isinstance(wb_type, (NoneType, InvalidType)) else InvalidType()


class UnknownType(Type):
    """Becomes the type of the first value it is given."""

    name = "unknown"

    def assign_type(self, wb_type: Type) -> Type:
        return wb_type if not isinstance(wb_type, NoneType) else InvalidType()


class NoneType(Type):
    name = "none"
    types = [type(None)]


class StringType(Type):
    name = "string"
    types = [str]


class NumberType(Type):
    name = "number"
    types = [int, float]


class TimestampType(Type):
    name = "timestamp"
    types = [datetime.datetime, datetime.date]


class BooleanType(Type):
    name = "boolean"
    types = [bool]


class PythonObjectType(Type):
    """Any other Python object, known only by its class name."""

    name = "pythonObject"
    legacy_names = ["object"]

    def __init__(self, class_name: str) -> None:
        self.params.update({"class_name": class_name})

    @classmethod
    def from_obj(cls, py_obj: Any = None) -> PythonObjectType:
        return cls(py_obj.__class__.__name__)


class ConstType(Type):
    """Exactly one value (or a set of values)."""

    name = "const"

    def __init__(self, val: Any = None, is_set: bool | None = False) -> None:
        if is_set or isinstance(val, set):
            is_set = True
            assert isinstance(val, (set, list))
            val = set(val)
        self.params.update({"val": val, "is_set": is_set})

    def assign(self, py_obj: Any = None) -> Type:
        return self.assign_type(ConstType(py_obj))

    @classmethod
    def from_obj(cls, py_obj: Any = None) -> ConstType:
        return cls(py_obj)

    def __repr__(self) -> str:
        return str(self.params["val"])


def _flatten_unions(types: list[Type]) -> list[Type]:
    out: list[Type] = []
    for t in types:
        out.extend(_flatten_unions(t.params["allowed_types"]) if isinstance(t, UnionType) else [t])
    return out


def _union_assign(allowed: list[Type], obj: Any, type_mode: bool = False) -> list[Type] | InvalidType:
    """Fit `obj` (a value, or a type when `type_mode`) into the first member that takes it.

    An `UnknownType` member is a free slot that becomes the new value's type.
    """
    resolved: list[Type] = []
    placed = False
    free_slots = 0
    for member in allowed:
        if placed:
            resolved.append(member)
        elif isinstance(member, UnknownType):
            free_slots += 1
        else:
            fitted = member.assign_type(obj) if type_mode else member.assign(obj)
            if isinstance(fitted, InvalidType):
                resolved.append(member)
            else:
                resolved.append(fitted)
                placed = True
    if not placed:
        if free_slots == 0:
            return InvalidType()
        new_type = obj if type_mode else UnknownType().assign(obj)
        if isinstance(new_type, InvalidType):
            return InvalidType()
        resolved.append(new_type)
        free_slots -= 1
    resolved.extend(UnknownType() for _ in range(free_slots))
    resolved = _flatten_unions(resolved)
    resolved.sort(key=str)
    return resolved


class UnionType(Type):
    name = "union"

    def __init__(self, allowed_types: Sequence[Any] | None = None) -> None:
        assert allowed_types is None or allowed_types.__class__ is list
        members = [TypeRegistry.type_from_dtype(t) for t in (allowed_types or [])]
        members = _flatten_unions(members)
        members.sort(key=str)
        self.params.update({"allowed_types": members})

    def assign(self, py_obj: Any = None) -> Type:
        resolved = _union_assign(self.params["allowed_types"], py_obj)
        return InvalidType() if isinstance(resolved, InvalidType) else self.__class__(resolved)

    def assign_type(self, wb_type: Type) -> Type:
        incoming = wb_type.params["allowed_types"] if isinstance(wb_type, UnionType) else [wb_type]
        resolved: Any = self.params["allowed_types"]
        for t in incoming:
            resolved = _union_assign(resolved, t, type_mode=True)
            if isinstance(resolved, InvalidType):
                return InvalidType()
        return self.__class__(resolved)

    def explain(self, other: Any, depth: int = 0) -> str:
        exp = super().explain(other, depth)
        for i, member in enumerate(self.params["allowed_types"]):
            if i > 0:
                exp += "\n" + "\t" * depth + "and"
            exp += "\n" + member.explain(other, depth=depth + 1)
        return exp

    def __repr__(self) -> str:
        return " or ".join(str(t) for t in self.params["allowed_types"])


def OptionalType(dtype: Any) -> UnionType:  # noqa: N802 - wandb's name
    """`dtype` or None."""
    return UnionType([TypeRegistry.type_from_dtype(dtype), NoneType()])


class ListType(Type):
    name = "list"
    types = [list, tuple, set, frozenset]

    def __init__(self, element_type: Any = None, length: int | None = None) -> None:
        element = UnknownType() if element_type is None else TypeRegistry.type_from_dtype(element_type)
        self.params.update({"element_type": element, "length": length})

    @classmethod
    def from_obj(cls, py_obj: Any = None) -> ListType:
        if py_obj is None or not hasattr(py_obj, "__iter__"):
            raise TypeError("ListType.from_obj expects py_obj to by list-like")
        items = py_obj.tolist() if hasattr(py_obj, "tolist") else list(py_obj)
        element: Type = UnknownType() if None not in items else OptionalType(UnknownType())
        for item in items:
            element = element.assign(item)
        return cls(element, len(items))

    def assign_type(self, wb_type: Type) -> Type:
        if isinstance(wb_type, ListType):
            element = self.params["element_type"].assign_type(wb_type.params["element_type"])
            if not isinstance(element, InvalidType):
                same_len = self.params["length"] == wb_type.params["length"]
                return ListType(element, self.params["length"] if same_len else None)
        return InvalidType()

    def assign(self, py_obj: Any = None) -> Type:
        if not hasattr(py_obj, "__iter__"):
            return InvalidType()
        element = self.params["element_type"]
        items = list(py_obj)
        for item in items:
            element = element.assign(item)
            if isinstance(element, InvalidType):
                return InvalidType()
        return ListType(element, len(items))

    def explain(self, other: Any, depth: int = 0) -> str:
        exp = super().explain(other, depth)
        if isinstance(other, (list, tuple, set, frozenset)):
            element = self.params["element_type"]
            for i, item in enumerate(list(other)):
                fitted = element.assign(item)
                if isinstance(fitted, InvalidType):
                    exp += f"\n{chr(9) * depth}Index {i}:\n{element.explain(item, depth + 1)}"
                    break
                element = fitted
        return exp

    def __repr__(self) -> str:
        return f"{self.params['element_type']}[]"


class NDArrayType(Type):
    """A numpy array (or nested list) of a fixed shape."""

    name = "ndarray"

    def __init__(self, shape: Sequence[int], serialization_path: dict | None = None) -> None:
        self.params.update({"shape": list(shape)})
        self._serialization_path = serialization_path

    @classmethod
    def from_obj(cls, py_obj: Any = None) -> NDArrayType:
        if hasattr(py_obj, "shape") and hasattr(py_obj, "dtype"):
            return cls(py_obj.shape)
        if isinstance(py_obj, list):
            shape = []
            target: Any = py_obj
            while isinstance(target, list):
                shape.append(len(target))
                if target:
                    target = target[0]
                else:
                    break
            return cls(shape)
        raise TypeError(f"NDArrayType.from_obj expects py_obj to be ndarray or list, found {py_obj.__class__}")

    def assign_type(self, wb_type: Type) -> Type:
        if isinstance(wb_type, NDArrayType) and self.params["shape"] == wb_type.params["shape"]:
            return self
        if isinstance(wb_type, ListType):
            return self
        return InvalidType()

    def assign(self, py_obj: Any = None) -> Type:
        np = sys.modules.get("numpy")
        if (np is not None and isinstance(py_obj, np.ndarray)) or isinstance(py_obj, list):
            return self.assign_type(self.from_obj(py_obj))
        return InvalidType()

    def to_json(self, artifact: Any = None) -> dict[str, Any]:
        return {
            "wb_type": self.name,
            "params": {"shape": self.params["shape"], "serialization_path": self._serialization_path},
        }

    def _set_serialization_path(self, path: str, key: str) -> None:
        self._serialization_path = {"path": path, "key": key}


class TypedDictType(Type):
    """A dict with a type per key (a table's columns are one of these)."""

    name = "typedDict"
    legacy_names = ["dictionary"]
    types = [dict]

    def __init__(self, type_map: dict[str, Any] | None = None) -> None:
        self.params.update(
            {"type_map": {k: TypeRegistry.type_from_dtype(v) for k, v in (type_map or {}).items()}}
        )

    @classmethod
    def from_obj(cls, py_obj: Any = None) -> TypedDictType:
        if not isinstance(py_obj, dict):
            raise TypeError("TypedDictType.from_obj expects a dictionary")
        return cls({k: TypeRegistry.type_of(v) for k, v in py_obj.items()})

    def assign_type(self, wb_type: Type) -> Type:
        if not isinstance(wb_type, TypedDictType):
            return InvalidType()
        mine, theirs = self.params["type_map"], wb_type.params["type_map"]
        if set(theirs) - set(mine):
            return InvalidType()
        out = {}
        for k in mine:
            out[k] = mine[k].assign_type(theirs.get(k, UnknownType()))
            if isinstance(out[k], InvalidType):
                return InvalidType()
        return TypedDictType(out)

    def assign(self, py_obj: Any = None) -> Type:
        if not isinstance(py_obj, dict):
            return InvalidType()
        mine = self.params["type_map"]
        if set(py_obj) - set(mine):
            return InvalidType()
        out = {}
        for k in mine:
            out[k] = mine[k].assign(py_obj.get(k, None))
            if isinstance(out[k], InvalidType):
                return InvalidType()
        return TypedDictType(out)

    def explain(self, other: Any, depth: int = 0) -> str:
        exp = super().explain(other, depth)
        gap = "\t" * depth
        if isinstance(other, dict):
            extra = set(other) - set(self.params["type_map"])
            if extra:
                exp += f"\n{gap}Found extra keys: {','.join(list(extra))}"
            for k, t in self.params["type_map"].items():
                val = other.get(k, None)
                if isinstance(t.assign(val), InvalidType):
                    exp += f"\n{gap}Key '{k}':\n{t.explain(val, depth=depth + 1)}"
        return exp

    def __repr__(self) -> str:
        return str(self.params["type_map"])


class _MediaFileType(Type):
    """The type of a media cell: just its kind (`audio-file`, `video-file`, ...)."""


def _media_type(type_name: str, media_cls: type) -> type[Type]:
    cls = type(f"_{media_cls.__name__}FileType", (_MediaFileType,), {"name": type_name, "types": [media_cls]})
    TypeRegistry.add(cls)
    return cls


for _t in (
    InvalidType, AnyType, UnknownType, NoneType, StringType, TimestampType, NumberType,
    BooleanType, ListType, TypedDictType, UnionType, PythonObjectType, ConstType, NDArrayType,
):
    TypeRegistry.add(_t)
