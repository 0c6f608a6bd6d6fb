"""`WBValue`: the root of every loggable TrackLab data type.

Third-party code imports it by wandb's path
(`wandb.sdk.data_types.base_types.wb_value.WBValue`, e.g. Ray), so it lives here.
"""

from __future__ import annotations

from typing import Any, ClassVar


class WBValue:
    """A typed value that `log()` turns into a JSON descriptor with a `_type` key."""

    #: The `_type` this class writes (and reads back); None for abstract classes.
    _log_type: ClassVar[str | None] = None
    _type_mapping: ClassVar[dict[str, type[WBValue]] | None] = None

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        WBValue._type_mapping = None  # data types load lazily: a new kind must reach the mapping

    def __init__(self) -> None:
        self._artifact_source: Any = None
        self._artifact_target: Any = None

    def to_json(self, run_or_artifact: Any) -> dict:
        """Serialize into the JSON wandb stores (needs a bound run or an artifact)."""
        raise NotImplementedError

    @classmethod
    def from_json(cls, json_obj: dict, source_artifact: Any) -> WBValue:
        """Rebuild a value from its JSON form and the artifact holding its files."""
        raise NotImplementedError

    @classmethod
    def with_suffix(cls, name: str, filetype: str = "json") -> str:
        """`name` with the `.<log_type>.<filetype>` suffix wandb gives artifact entries."""
        suffix = f"{cls._log_type}.{filetype}" if cls._log_type is not None else filetype
        return name if name.endswith(suffix) else f"{name}.{suffix}"

    @staticmethod
    def type_mapping() -> dict[str, type[WBValue]]:
        """Map each `_log_type` to its class (walks the subclass tree once)."""
        if WBValue._type_mapping is None:
            # The classes are imported lazily: a fresh process reading an artifact back
            # (`Api().artifact(...).get("preds")`) may not have imported Table yet.
            import importlib

            from tracklab.sdk import data_types

            for name, module in data_types._LAZY.items():
                if name[0].isupper():
                    importlib.import_module(f"{data_types.__name__}.{module}")
            mapping: dict[str, type[WBValue]] = {}
            frontier: list[type[WBValue]] = [WBValue]
            seen: set[type[WBValue]] = set()
            while frontier:
                cls = frontier.pop()
                seen.add(cls)
                if cls._log_type is not None:
                    mapping[cls._log_type] = cls
                frontier.extend(c for c in cls.__subclasses__() if c not in seen)
            WBValue._type_mapping = mapping
        return WBValue._type_mapping

    @staticmethod
    def init_from_json(json_obj: dict, source_artifact: Any) -> WBValue | None:
        """Rebuild whichever subclass wrote `json_obj` (by its `_type`)."""
        cls = WBValue.type_mapping().get(json_obj["_type"])
        if cls is None:
            return None
        obj = cls.from_json(json_obj, source_artifact)
        obj._set_artifact_source(source_artifact)
        return obj

    def to_data_array(self) -> list[Any]:
        """The underlying data as a list of primitives."""
        raise NotImplementedError

    def _set_artifact_source(self, artifact: Any, name: str | None = None) -> None:
        self._artifact_source = _ArtifactRef(artifact, name)

    def _set_artifact_target(self, artifact: Any, name: str | None = None) -> None:
        self._artifact_target = _ArtifactRef(artifact, name)

    # wandb compares media by identity unless a subclass knows better.
    def __eq__(self, other: object) -> bool:
        return self is other

    def __ne__(self, other: object) -> bool:
        return not self.__eq__(other)

    __hash__ = object.__hash__


class _ArtifactRef:
    """Where a value came from, or is going to, inside an artifact."""

    def __init__(self, artifact: Any, name: str | None = None) -> None:
        self.artifact = artifact
        self.name = name
