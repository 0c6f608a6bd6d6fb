"""Tables that live in artifacts only: `PartitionedTable` (parts under one folder) and
`JoinedTable` (two tables joined on a key column)."""

from __future__ import annotations

from typing import Any

from .base_types.media import Media
from .table import Table


class PartitionedTable(Media):
    """A table stored as many part tables under one folder of an artifact."""

    _log_type = "partitioned-table"

    def __init__(self, parts_path: str) -> None:
        super().__init__()
        self.parts_path = parts_path

    def to_json(self, artifact_or_run: Any) -> dict:
        from .base_types.media import _is_artifact

        json_obj: dict[str, Any] = {"_type": PartitionedTable._log_type}
        if _is_artifact(artifact_or_run):
            json_obj["parts_path"] = self.parts_path
            return json_obj
        entry_url, _ = self._artifact_entry_urls()
        if entry_url is None:
            raise ValueError("PartitionedTables must first be added to an Artifact before logging to a Run")
        json_obj["artifact_path"] = entry_url
        return json_obj

    def bind_to_run(self, *args: Any, **kwargs: Any) -> None:
        raise ValueError("PartitionedTables cannot be bound to runs")

    def parts(self) -> list[Any]:
        """The part tables, in name order, from the artifact this table was read from (none
        before it is in one)."""
        source = self._artifact_source
        artifact = getattr(source, "artifact", None)
        if artifact is None:
            return []
        prefix = self.parts_path.rstrip("/") + "/"
        names = sorted(p for p in artifact.manifest.entries if p.startswith(prefix) and p.endswith(".table.json"))
        return [artifact.get(name[: -len(".table.json")]) for name in names]

    def iterrows(self) -> Any:
        """`(index, row)` over the rows of every part, the index running on across parts."""
        index = 0
        for part in self.parts():
            for _, row in part.iterrows():
                yield index, row
                index += 1

    def __eq__(self, other: object) -> bool:
        return isinstance(other, PartitionedTable) and self.parts_path == other.parts_path

    __hash__ = Media.__hash__


class JoinedTable(Media):
    """Two tables joined on a key column (lives in an artifact)."""

    _log_type = "joined-table"

    def __init__(self, table1: Any, table2: Any, join_key: str | list) -> None:
        super().__init__()
        if not isinstance(join_key, str) and (not isinstance(join_key, list) or len(join_key) != 2):
            raise ValueError("JoinedTable join_key should be a string or a list of two strings")
        for i, table in ((1, table1), (2, table2)):
            if not self._valid_table(table):
                raise ValueError(
                    f"JoinedTable table{i} should be an artifact path to a table or wandb.Table object"
                )
        self._table1 = table1
        self._table2 = table2
        self._join_key = join_key

    @staticmethod
    def _valid_table(table: Any) -> bool:
        return (
            (isinstance(table, str) and table.endswith(".table.json"))
            or isinstance(table, (Table, PartitionedTable))
            or (hasattr(table, "ref_url") and table.ref_url().endswith(".table.json"))
        )

    def to_json(self, artifact_or_run: Any) -> dict:
        from .base_types.media import _is_artifact

        json_obj: dict[str, Any] = {"_type": JoinedTable._log_type}
        if not _is_artifact(artifact_or_run):
            entry_url, _ = self._artifact_entry_urls()
            if entry_url is None:
                raise ValueError("JoinedTables must first be added to an Artifact before logging to a Run")
            json_obj["artifact_path"] = entry_url
            return json_obj
        artifact = artifact_or_run
        names = []
        for i, table in ((1, self._table1), (2, self._table2)):
            if isinstance(table, (Table, PartitionedTable)):
                table = artifact.add(table, f"t{i}_{id(self)}").path
            names.append(table)
        json_obj.update({"table1": names[0], "table2": names[1], "join_key": self._join_key})
        return json_obj

    def bind_to_run(self, *args: Any, **kwargs: Any) -> None:
        raise ValueError("JoinedTables cannot be bound to runs")

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, JoinedTable)
            and self._join_key == other._join_key
            and self._table1 == other._table1
            and self._table2 == other._table2
        )

    __hash__ = Media.__hash__
