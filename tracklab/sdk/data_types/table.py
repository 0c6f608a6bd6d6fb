"""`Table`: rows and columns logged as `media/table/<key>_<step>_<hash>.table.json`.

Logging a table also produces a run-table artifact (`run-<run id>-<key>`, type
`run_table`, entry `<key>.table.json` with column types and media cells stored
beside it), referenced from the descriptor's `artifact_path`; see `_run_table_artifact`.
Keys and indexes live in `_table_keys`, the artifact-only tables in `_table_joins`.
"""

from __future__ import annotations

import datetime
import functools
import logging
import os
from collections.abc import Callable, Iterator
from typing import Any, Literal

from . import _dtypes
from ._json import _is_ndarray, _is_pandas_dataframe, dumps_safer, json_friendly
from ._table_keys import _ForeignIndexType, _ForeignKeyType, _PrimaryKeyType, _TableIndex, _TableKey, _TableLinkMixin
from .base_types.media import Media, _arrays_to_lists, _media_tmp_dir, _tmp_path
from .base_types.wb_value import WBValue

LogMode = Literal["IMMUTABLE", "MUTABLE", "INCREMENTAL"]
_LOG_MODES = ["IMMUTABLE", "MUTABLE", "INCREMENTAL"]


def _warn_once(message: str) -> None:
    """A warning on the terminal, once per text (wandb's `termwarn(..., repeat=False)`)."""
    from tracklab.errors import term

    term.termwarn(message, repeat=False)


# -- mutation rules (which log modes may be re-logged after a change) ----------------


def _relog_after_mutation(method: Callable) -> Callable:
    """MUTABLE tables forget their logged file on change so the next log writes anew."""

    @functools.wraps(method)
    def wrapper(self: Table, *args: Any, **kwargs: Any) -> Any:
        if self.log_mode == "MUTABLE":
            self._run = None
            self._artifact_target = None
            self._path = None
            self._sha256 = None
        elif self.log_mode == "IMMUTABLE" and self.has_been_logged():
            _warn_once(
                "You are mutating a Table with log_mode='IMMUTABLE' that has been logged already. "
                "Subsequent log() calls will have no effect. Set log_mode='MUTABLE' to enable "
                "re-logging after mutations"
            )
        return method(self, *args, **kwargs)

    return wrapper


def _next_increment_after_append(method: Callable) -> Callable:
    """INCREMENTAL tables start a new increment after rows are added post-log."""

    @functools.wraps(method)
    def wrapper(self: Table, *args: Any, **kwargs: Any) -> Any:
        result = method(self, *args, **kwargs)
        if self.log_mode != "INCREMENTAL" or self._artifact_target is None:
            return result
        entry_url, _ = self._artifact_entry_urls()
        if entry_url is not None:
            if self._previous_increments_paths is None:
                raise ValueError(
                    "_previous_increments_paths must be set if incremental table has been logged already"
                )
            self._previous_increments_paths.append(entry_url)
        self._run = None
        self._artifact_target = None
        self._path = None
        self._sha256 = None
        if self._increment_num is None:
            raise ValueError("_increment_num must be set if incremental table has been logged already")
        self._increment_num += 1
        if self._increment_num > 99:
            _warn_once(
                "You have exceeded 100 increments for this table. Only the latest 100 increments "
                "will be visualized in the run workspace."
            )
        return result

    return wrapper


def _not_incremental(method: Callable) -> Callable:
    @functools.wraps(method)
    def wrapper(self: Table, *args: Any, **kwargs: Any) -> Any:
        if self.log_mode == "INCREMENTAL":
            from tracklab.errors import Error

            raise Error(
                f"Operation '{method.__name__}' is not supported for tables with log_mode='INCREMENTAL'. "
                "Use a different log mode like 'MUTABLE' or 'IMMUTABLE'."
            )
        return method(self, *args, **kwargs)

    return wrapper


# -- the table ------------------------------------------------------------------------


class Table(Media):
    """A table of rows; cells may be numbers, strings, arrays or other media.

    Build it from `columns` plus `data` (a list of rows, a numpy array or a
    DataFrame), `rows`, or `dataframe`. `dtype` / `optional` set column types;
    `allow_mixed_types=True` accepts anything non-null; `log_mode` is
    "IMMUTABLE" (log once), "MUTABLE" (re-log after changes) or "INCREMENTAL"
    (each log writes only the new rows).
    """

    MAX_ROWS = 10000
    MAX_ARTIFACT_ROWS = 200000
    _MAX_EMBEDDING_DIMENSIONS = 150
    _log_type = "table"

    def __init__(
        self,
        columns: list | None = None,
        data: Any = None,
        rows: list | None = None,
        dataframe: Any = None,
        dtype: Any = None,
        optional: bool | list[bool] = True,
        allow_mixed_types: bool = False,
        log_mode: LogMode | None = "IMMUTABLE",
    ) -> None:
        super().__init__()
        if log_mode not in _LOG_MODES:
            raise AssertionError(f"Invalid log_mode: {log_mode}. Must be one of {_LOG_MODES}")
        self.log_mode = log_mode
        if log_mode == "INCREMENTAL":
            self._increment_num: int | None = None
            self._last_logged_idx: int | None = None
            self._previous_increments_paths: list[str] | None = None
            self._run_target_for_increments: Any = None
        self._pk_col: Any = None
        self._fk_cols: set = set()
        self.data: list[list[Any]] = []
        self.columns: list = []
        if allow_mixed_types:
            dtype = _dtypes.AnyType
        if columns is None:
            columns = ["Input", "Output", "Expected"]

        if dataframe is not None:
            self._init_from_dataframe(dataframe, optional, dtype)
        elif data is not None:
            if _is_ndarray(data):
                self._init_from_rows(data, columns, optional, dtype, source="ndarray")
            elif _is_pandas_dataframe(data):
                self._init_from_dataframe(data, optional, dtype)
            else:
                self._init_from_rows(data, columns, optional, dtype)
        elif rows is not None:
            self._init_from_rows(rows, columns, optional, dtype)
        else:
            self._init_from_rows([], columns, optional, dtype)

    def has_been_logged(self) -> bool:
        return self._run is not None or self._artifact_target is not None

    @staticmethod
    def _assert_valid_columns(columns: Any) -> None:
        assert isinstance(columns, list), "columns argument expects a `list` object"
        assert all(type(c) in (str, int) for c in columns), (
            "columns argument expects list of strings or ints"
        )

    def _init_from_rows(self, rows: Any, columns: list, optional: Any, dtype: Any, source: str = "list") -> None:
        if source == "list":
            assert isinstance(rows, list), "data argument expects a `list` object"
        self._assert_valid_columns(columns)
        self.columns = columns
        self._make_column_types(dtype, optional)
        for row in rows:
            self.add_data(*row)

    def _init_from_dataframe(self, dataframe: Any, optional: Any, dtype: Any) -> None:
        assert _is_pandas_dataframe(dataframe), (
            "dataframe argument expects a `pandas.core.frame.DataFrame` object"
        )
        columns = list(dataframe.columns)
        self._assert_valid_columns(columns)
        self.columns = columns
        self._make_column_types(dtype, optional)
        for i in range(len(dataframe)):
            self.add_data(*(dataframe[c].values[i] for c in self.columns))

    def _per_column(self, value: Any) -> list:
        return value if isinstance(value, list) else [value] * len(self.columns)

    def _make_column_types(self, dtype: Any = None, optional: Any = True) -> None:
        if dtype is None:
            dtype = _dtypes.UnknownType()
        self._column_types = _dtypes.TypedDictType({})
        for col, dt, opt in zip(self.columns, self._per_column(dtype), self._per_column(optional)):
            self.cast(col, dt, opt)

    @_relog_after_mutation
    def cast(self, col_name: Any, dtype: Any, optional: bool = False) -> _dtypes.Type:
        """Set a column's type; existing cells must fit it (else TypeError)."""
        assert col_name in self.columns
        wbtype = _dtypes.TypeRegistry.type_from_dtype(dtype)
        if optional:
            wbtype = _dtypes.OptionalType(wbtype)
        col = self.columns.index(col_name)
        for row in self.data:
            fitted = wbtype.assign(row[col])
            if isinstance(fitted, _dtypes.InvalidType):
                raise TypeError(
                    f"Existing data {row[col]}, of type {_dtypes.TypeRegistry.type_of(row[col])} "
                    f"cannot be cast to {wbtype}"
                )
            wbtype = fitted
        is_pk = isinstance(wbtype, _PrimaryKeyType)
        is_fk = isinstance(wbtype, (_ForeignKeyType, _ForeignIndexType))
        if is_pk or is_fk:
            assert not optional, "Primary keys, foreign keys, and foreign indexes cannot be optional."
        if isinstance(wbtype, _ForeignKeyType) and wbtype.params["table"] is self:
            raise AssertionError("Cannot set a foreign table reference to same table.")
        if is_pk:
            assert self._pk_col is None, (
                f"Cannot have multiple primary keys - {self._pk_col} is already set as the primary key."
            )
        self._column_types.params["type_map"][col_name] = wbtype
        self._update_keys()
        return wbtype

    @_relog_after_mutation
    def add_row(self, *row: Any) -> None:
        """Deprecated alias of `add_data`."""
        logging.warning("add_row is deprecated, use add_data")
        self.add_data(*row)

    @_relog_after_mutation
    @_next_increment_after_append
    def add_data(self, *data: Any) -> None:
        """Append one row (one value per column); its types must fit the columns."""
        if len(data) != len(self.columns):
            raise ValueError(f"This table expects {len(self.columns)} columns: {self.columns}, found {len(data)}")
        for i, item in enumerate(data):
            if isinstance(item, _TableLinkMixin):
                self.cast(self.columns[i], _dtypes.TypeRegistry.type_of(item), optional=False)
        row_dict = {col: data[i] for i, col in enumerate(self.columns)}
        result = self._column_types.assign(row_dict)
        if isinstance(result, _dtypes.InvalidType):
            raise TypeError(
                f"Data row contained incompatible types:\n{self._column_types.explain(row_dict)}"
            )
        self._column_types = result
        self.data.append(list(data))
        self._update_keys(force_last=True)

    def _table_json(self, max_rows: int | None = None, warn: bool = True) -> dict[str, Any]:
        max_rows = Table.MAX_ROWS if max_rows is None else max_rows
        if len(self.data) > max_rows and warn:
            from tracklab.sdk import wandb_setup

            run = wandb_setup.current_run()
            if run is not None and (run.settings.table_raise_on_max_row_limit_exceeded or run.settings.strict):
                raise ValueError(f"Table row limit exceeded: table has {len(self.data)} rows, limit is {max_rows}. "
                                 "Raise it with `Table.MAX_ARTIFACT_ROWS = X` (settings.strict or "
                                 "table_raise_on_max_row_limit_exceeded asked for this error)")
            logging.warning(f"Truncating wandb.Table object to {max_rows} rows.")
        if self.log_mode == "INCREMENTAL" and self._last_logged_idx is not None:
            start = self._last_logged_idx + 1
            return {"columns": self.columns, "data": self.data[start : start + max_rows]}
        return {"columns": self.columns, "data": self.data[:max_rows]}

    _to_table_json = _table_json  # wandb's name for the same

    def bind_to_run(self, *args: Any, **kwargs: Any) -> None:
        # The run copy holds columns and (at most MAX_ROWS) rows; media cells
        # appear as their class name, as in wandb's run folder.
        payload = _arrays_to_lists(self._table_json(warn=False))
        path = _tmp_path(".table.json")
        with open(path, "w", encoding="utf-8") as f:
            f.write(dumps_safer(payload))
        self._set_file(path, is_tmp=True, extension=".table.json")
        super().bind_to_run(*args, **kwargs)

    @classmethod
    def get_media_subdir(cls) -> str:
        return os.path.join("media", "table")

    def to_json(self, run_or_artifact: Any) -> dict[str, Any]:
        json_dict = super().to_json(run_or_artifact)
        if self.log_mode == "INCREMENTAL":
            if self._previous_increments_paths is None:
                self._previous_increments_paths = []
            if self._increment_num is None:
                self._increment_num = 0
            json_dict.update(
                {
                    "increment_num": self._increment_num,
                    "previous_increments_paths": self._previous_increments_paths,
                }
            )
        from .base_types.media import _is_artifact

        if not _is_artifact(run_or_artifact):
            json_dict.update(
                {
                    "_type": "incremental-table-file" if self.log_mode == "INCREMENTAL" else "table-file",
                    "ncols": len(self.columns),
                    "nrows": len(self.data),
                    "log_mode": self.log_mode,
                }
            )
            return json_dict

        artifact = run_or_artifact
        rows = self._table_json(Table.MAX_ARTIFACT_ROWS)["data"]
        ndarray_cols: set[int] = set()
        for i, col in enumerate(self.columns):
            col_type = self._column_types.params["type_map"][col]
            nd_type = _ndarray_member(col_type)
            shape = nd_type._params.get("shape") if nd_type is not None else None
            if isinstance(shape, list) and len(shape) == 1 and shape[0] <= self._MAX_EMBEDDING_DIMENSIONS:
                # Short vectors are stored inline as lists.
                self._column_types.params["type_map"][col] = _dtypes.ListType(_dtypes.NumberType, shape[0])
            elif nd_type is not None:
                import numpy as np

                from tracklab.sdk.lib.runid import generate_id

                file_name = f"{col}_{generate_id()}.npz"
                npz = os.path.join(_media_tmp_dir(), file_name)
                np.savez_compressed(npz, **{str(col): self.get_column(col, convert_to="numpy")})
                entry = artifact.add_file(npz, "media/serialized_data/" + file_name, is_tmp=True)
                nd_type._set_serialization_path(entry.path, str(col))
                ndarray_cols.add(i)
        mapped = [
            [None if j in ndarray_cols else _cell_json(v, artifact) for j, v in enumerate(row)]
            for row in rows
        ]
        json_dict.update(
            {
                "_type": Table._log_type,
                "columns": self.columns,
                "data": mapped,
                "ncols": len(self.columns),
                "nrows": len(mapped),
                "column_types": self._column_types.to_json(artifact),
                "log_mode": self.log_mode,
            }
        )
        return json_dict

    @classmethod
    def from_json(cls, json_obj: dict, source_artifact: Any) -> Table:
        column_types = None
        if json_obj.get("column_types") is not None:
            column_types = _dtypes.TypeRegistry.type_from_dict(json_obj["column_types"], source_artifact)
        rows = []
        for row in json_obj["data"]:
            cells = []
            for item in row:
                obj = None
                if isinstance(item, dict) and "_type" in item:
                    obj = WBValue.init_from_json(item, source_artifact)
                cells.append(obj if obj is not None else item)
            rows.append(cells)
        dtypes = None
        if column_types is not None:
            dtypes = [column_types.params["type_map"][str(c)] for c in json_obj["columns"]]
        table = cls(
            columns=json_obj["columns"], data=rows, dtype=dtypes,
            log_mode=json_obj.get("log_mode", "IMMUTABLE"),
        )
        if column_types is not None:
            table._column_types = column_types
        table._update_keys()
        return table

    # -- incremental bookkeeping ---------------------------------------------------

    def _set_incremental_table_run_target(self, sink: Any) -> None:
        # A run has one sink; without a run, a files-only sink per call (equal for one folder).
        if self._run_target_for_increments is None:
            self._run_target_for_increments = sink
        elif self._run_target_for_increments is not sink and self._run_target_for_increments != sink:
            raise AssertionError("An incremental Table can only be logged to one Run.")

    # -- access ----------------------------------------------------------------------

    def iterrows(self) -> Iterator[tuple[_TableIndex, list[Any]]]:
        """Yield (index, row) pairs."""
        for i in range(len(self.data)):
            index = _TableIndex(i)
            index.set_table(self)
            yield index, self.data[i]

    @_relog_after_mutation
    def set_pk(self, col_name: Any) -> None:
        assert col_name in self.columns
        self.cast(col_name, _PrimaryKeyType())

    @_relog_after_mutation
    def set_fk(self, col_name: Any, table: Table, table_col: str) -> None:
        assert col_name in self.columns
        assert col_name != self._pk_col
        self.cast(col_name, _ForeignKeyType(table, table_col))

    def _update_keys(self, force_last: bool = False) -> None:
        types = self._column_types.params["type_map"]
        pk = None
        fks: set = set()
        for col, t in types.items():
            if isinstance(t, _PrimaryKeyType):
                pk = col
            elif isinstance(t, (_ForeignKeyType, _ForeignIndexType)):
                fks.add(col)
        changed = pk != self._pk_col or fks != self._fk_cols
        if changed:
            if pk is None and self._pk_col is not None:
                raise AssertionError(f"Cannot unset primary key (column {self._pk_col})")
            if self._fk_cols - fks:
                raise AssertionError(f"Cannot unset foreign key. Attempted to unset ({self._fk_cols - fks})")
            self._pk_col = pk
            self._fk_cols = fks
        if changed or force_last:
            self._apply_key_updates(only_last=not changed)

    def _apply_key_updates(self, only_last: bool = False) -> None:
        types = self._column_types.params["type_map"]

        def update(row: int) -> None:
            for fk in self._fk_cols:
                col = self.columns.index(fk)
                cell = self.data[row][col]
                if isinstance(types[fk], _ForeignKeyType) and not isinstance(cell, _TableKey):
                    key = _TableKey(cell)
                    key.set_table(types[fk].params["table"], types[fk].params["col_name"])
                    self.data[row][col] = key
                elif isinstance(types[fk], _ForeignIndexType) and not isinstance(cell, _TableIndex):
                    index = _TableIndex(cell)
                    index.set_table(types[fk].params["table"])
                    self.data[row][col] = index
            if self._pk_col is not None:
                col = self.columns.index(self._pk_col)
                key = _TableKey(self.data[row][col])
                key.set_table(self, self._pk_col)
                self.data[row][col] = key

        rows = [len(self.data) - 1] if only_last else range(len(self.data))
        for row in rows:
            if row >= 0:
                update(row)

    @_not_incremental
    @_relog_after_mutation
    def add_column(self, name: str, data: Any, optional: bool = False) -> None:
        """Append a column (a list or numpy array as long as the table)."""
        assert isinstance(name, str) and name not in self.columns
        is_np = _is_ndarray(data)
        assert isinstance(data, list) or is_np
        assert isinstance(optional, bool)
        first = len(self.columns) == 0
        assert first or len(data) == len(self.data), f"Expected length {len(self.data)}, found {len(data)}"
        for i in range(max(len(data), len(self.data))):
            if first:
                self.data.append([])
            self.data[i].append(data[i])
        self.columns.append(name)
        try:
            self.cast(name, _dtypes.UnknownType(), optional=optional)
        except TypeError:
            if first:
                self.data, self.columns = [], []
            else:
                self.data = [row[:-1] for row in self.data]
                self.columns = self.columns[:-1]
            raise

    def get_column(self, name: Any, convert_to: Literal["numpy"] | None = None) -> Any:
        """A column as a list, or as a numpy array with `convert_to="numpy"`."""
        assert name in self.columns
        assert convert_to is None or convert_to == "numpy"
        col = self.columns.index(name)
        values = []
        for row in self.data:
            item = row[col]
            if convert_to is not None and isinstance(item, WBValue):
                item = item.to_data_array()
            values.append(item)
        if convert_to == "numpy":
            import numpy as np

            return np.array(values)
        return values

    def get_index(self) -> list[_TableIndex]:
        """One index object per row (usable as a foreign index elsewhere)."""
        out = []
        for i in range(len(self.data)):
            index = _TableIndex(i)
            index.set_table(self)
            out.append(index)
        return out

    def get_dataframe(self) -> Any:
        """The table as a pandas DataFrame."""
        import pandas as pd

        return pd.DataFrame.from_records(self.data, columns=self.columns)

    def index_ref(self, index: int) -> _TableIndex:
        assert index < len(self.data)
        ref = _TableIndex(index)
        ref.set_table(self)
        return ref

    @_not_incremental
    @_relog_after_mutation
    def add_computed_columns(self, fn: Callable[[int, dict], dict]) -> None:
        """Add the columns `fn(index, row_dict)` returns for every row."""
        new_columns: dict[str, list] = {}
        for index, row in self.iterrows():
            computed = fn(index, {self.columns[i]: row[i] for i in range(len(self.columns))})
            assert isinstance(computed, dict)
            for key, value in computed.items():
                new_columns.setdefault(key, []).append(value)
        for key, values in new_columns.items():
            self.add_column(key, values)

    def _eq_debug(self, other: Any, should_assert: bool = False) -> bool:
        def check(ok: bool, message: str) -> bool:
            assert not should_assert or ok, message
            return ok

        if not check(isinstance(other, Table), f"Found type {other.__class__}, expected {Table}"):
            return False
        if not check(len(self.data) == len(other.data), f"Found {len(other.data)} rows, expected {len(self.data)}"):
            return False
        if not check(self.columns == other.columns, f"Found columns {other.columns}, expected {self.columns}"):
            return False
        if not check(self._column_types == other._column_types, "Found different column types"):
            return False
        for r, (mine, theirs) in enumerate(zip(self.data, other.data)):
            for c, (a, b) in enumerate(zip(mine, theirs)):
                same = a == b
                if _is_ndarray(same):
                    same = bool(same.all())
                if not check(bool(same), f"Unequal data at row_ndx {r} col_ndx {c}: found {b}, expected {a}"):
                    return False
        return True

    def __eq__(self, other: object) -> bool:
        return self._eq_debug(other)

    __hash__ = Media.__hash__


def _ndarray_member(col_type: _dtypes.Type) -> _dtypes.NDArrayType | None:
    if isinstance(col_type, _dtypes.NDArrayType):
        return col_type
    if isinstance(col_type, _dtypes.UnionType):
        found = None
        for t in col_type.params["allowed_types"]:
            if isinstance(t, _dtypes.NDArrayType):
                found = t
        return found
    return None


def _cell_json(val: Any, artifact: Any) -> Any:
    """A cell as stored in a table artifact (media become their artifact JSON)."""
    if isinstance(val, WBValue):
        return val.to_json(artifact)
    if val.__class__ is dict:
        return {k: _cell_json(v, artifact) for k, v in val.items()}
    if hasattr(val, "tolist"):
        py = val.tolist()
        if val.__class__.__name__ == "datetime64" and isinstance(py, int):
            return _cell_json(py / int(1e6), artifact)  # ns -> ms
        return _cell_json(py, artifact)
    if hasattr(val, "item"):
        return _cell_json(val.item(), artifact)
    if isinstance(val, datetime.datetime):
        if val.tzinfo is None:
            val = val.replace(tzinfo=datetime.timezone.utc)
        return int(val.timestamp() * 1000)
    if isinstance(val, datetime.date):
        midnight = datetime.datetime(val.year, val.month, val.day, tzinfo=datetime.timezone.utc)
        return int(midnight.timestamp() * 1000)
    if isinstance(val, (list, tuple)):
        return [_cell_json(v, artifact) for v in val]
    from decimal import Decimal

    if isinstance(val, Decimal):
        return float(val)
    return json_friendly(val)[0]


class _TableType(_dtypes.Type):
    name = "table"
    legacy_names = ["wandb.Table"]
    types = [Table]

    def __init__(self, column_types: Any = None) -> None:
        if column_types is None:
            column_types = _dtypes.UnknownType()
        if isinstance(column_types, dict):
            column_types = _dtypes.TypedDictType(column_types)
        elif not isinstance(column_types, (_dtypes.TypedDictType, _dtypes.UnknownType)):
            raise TypeError("column_types must be a dict or TypedDictType")
        self.params.update({"column_types": column_types})

    def assign_type(self, wb_type: Any = None) -> _dtypes.Type:
        if isinstance(wb_type, _TableType):
            merged = self.params["column_types"].assign_type(wb_type.params["column_types"])
            if not isinstance(merged, _dtypes.InvalidType):
                return _TableType(merged)
        return _dtypes.InvalidType()

    @classmethod
    def from_obj(cls, py_obj: Any = None) -> _dtypes.Type:
        if not isinstance(py_obj, Table):
            raise TypeError("py_obj must be a wandb.Table")
        return cls(py_obj._column_types)


for _t in (_TableType, _ForeignKeyType, _PrimaryKeyType, _ForeignIndexType):
    _dtypes.TypeRegistry.add(_t)


def __getattr__(name: str) -> Any:
    # wandb defines the artifact-only tables in this module (`wandb.sdk.data_types.table.JoinedTable`).
    if name in ("JoinedTable", "PartitionedTable"):
        from . import _table_joins

        return getattr(_table_joins, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _register_media_types() -> None:
    # The artifact-only tables are WBValue kinds as soon as tables are (as when they lived here).
    from . import _table_joins  # noqa: F401
    # Media kinds that are only known by name as table cells.
    from .audio import Audio
    from .html import Html
    from .object_3d import Object3D
    from .video import Video

    for name, cls in (
        ("audio-file", Audio), ("html-file", Html), ("object3D-file", Object3D), ("video-file", Video),
    ):
        _dtypes._media_type(name, cls)


_register_media_types()
