"""Keys and indexes of a `Table`: values that remember their table, and their column types."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from . import _dtypes

if TYPE_CHECKING:
    from .table import Table


class _TableLinkMixin:
    _table: Any = None

    def set_table(self, table: Any) -> None:
        self._table = table


class _TableKey(str, _TableLinkMixin):
    """A primary/foreign key value remembering its table and column."""

    def set_table(self, table: Any, col_name: Any = None) -> None:  # type: ignore[override]
        assert col_name in table.columns
        self._table = table
        self._col_name = col_name


class _TableIndex(int, _TableLinkMixin):
    """A row index remembering its table."""

    def get_row(self) -> dict:
        if not self._table:
            return {}
        return {c: self._table.data[self][i] for i, c in enumerate(self._table.columns)}


class _PrimaryKeyType(_dtypes.Type):
    name = "primaryKey"
    legacy_names = ["wandb.TablePrimaryKey"]

    def assign_type(self, wb_type: Any = None) -> _dtypes.Type:
        if isinstance(wb_type, (_dtypes.StringType, _PrimaryKeyType)):
            return self
        return _dtypes.InvalidType()

    @classmethod
    def from_obj(cls, py_obj: Any = None) -> _dtypes.Type:
        if not isinstance(py_obj, _TableKey):
            raise TypeError("py_obj must be a wandb.Table")
        return cls()


class _ForeignKeyType(_dtypes.Type):
    name = "foreignKey"
    legacy_names = ["wandb.TableForeignKey"]
    types = [_TableKey]

    def __init__(self, table: Table, col_name: str) -> None:
        from .table import Table

        assert isinstance(table, Table)
        assert isinstance(col_name, str)
        assert col_name in table.columns
        self.params.update({"table": table, "col_name": col_name})

    def assign_type(self, wb_type: Any = None) -> _dtypes.Type:
        if isinstance(wb_type, _dtypes.StringType):
            return self
        if (
            isinstance(wb_type, _ForeignKeyType)
            and self.params["table"] is wb_type.params["table"]
            and self.params["col_name"] == wb_type.params["col_name"]
        ):
            return self
        return _dtypes.InvalidType()

    @classmethod
    def from_obj(cls, py_obj: Any = None) -> _dtypes.Type:
        if not isinstance(py_obj, _TableKey):
            raise TypeError("py_obj must be a _TableKey")
        return cls(py_obj._table, py_obj._col_name)


class _ForeignIndexType(_dtypes.Type):
    name = "foreignIndex"
    legacy_names = ["wandb.TableForeignIndex"]
    types = [_TableIndex]

    def __init__(self, table: Table) -> None:
        from .table import Table

        assert isinstance(table, Table)
        self.params.update({"table": table})

    def assign_type(self, wb_type: Any = None) -> _dtypes.Type:
        if isinstance(wb_type, _dtypes.NumberType):
            return self
        if isinstance(wb_type, _ForeignIndexType) and self.params["table"] is wb_type.params["table"]:
            return self
        return _dtypes.InvalidType()

    @classmethod
    def from_obj(cls, py_obj: Any = None) -> _dtypes.Type:
        if not isinstance(py_obj, _TableIndex):
            raise TypeError("py_obj must be a _TableIndex")
        return cls(py_obj._table)
