"""A small streaming parquet writer, so the writer process needs neither pyarrow nor numpy.

Importing pyarrow costs a process ~50 MB of memory and numpy ~10 MB, and the writer runs once
per live run. The history copy is a flat table of required columns: strings (dictionary-encoded,
given as runs of equal values), 64-bit integers and doubles, written one row group at a time as
uncompressed PLAIN pages. The format: https://parquet.apache.org/docs/file-format/ (the file
metadata is Thrift's compact protocol); pyarrow reads the result (tests/core/test_writer.py).
"""

from __future__ import annotations

import os
import sys
from array import array
from typing import Any, Union

# Thrift compact protocol field types.
_I32, _I64, _BINARY, _LIST, _STRUCT = 5, 6, 8, 9, 12
# Parquet enums (parquet.thrift).
_BYTE_ARRAY, _INT64, _DOUBLE = 6, 2, 5
_REQUIRED = 0
_UTF8 = 0
_PLAIN, _RLE, _RLE_DICTIONARY = 0, 3, 8
_DATA_PAGE, _DICTIONARY_PAGE = 0, 2
_UNCOMPRESSED = 0
_MAGIC = b"PAR1"

STRING, INT64, DOUBLE = "string", "int64", "double"
_PHYSICAL = {STRING: _BYTE_ARRAY, INT64: _INT64, DOUBLE: _DOUBLE}

# A string column's values: the dictionary, and runs of (code into it, count) in row order.
StringRuns = tuple[list[str], list[tuple[int, int]]]
# A number column's values: arrays ("q" for INT64, "d" for DOUBLE) written one after the other.
ColumnValues = Union[StringRuns, list[array]]


def _varint(n: int) -> bytes:
    out = bytearray()
    while n > 0x7F:
        out.append((n & 0x7F) | 0x80)
        n >>= 7
    out.append(n)
    return bytes(out)


def _zigzag(n: int) -> int:
    return (n << 1) ^ (n >> 63)


def _struct(*fields: tuple[int, int, Any]) -> bytes:
    """A Thrift struct from (field id, type, value) in ascending id order; None values are left out.
    Struct and list values come encoded already (`_struct`, `_list`)."""
    out = bytearray()
    last = 0
    for field_id, kind, value in fields:
        if value is None:
            continue
        assert 0 < field_id - last <= 15  # the short field header covers every struct written here
        out.append((field_id - last) << 4 | kind)
        last = field_id
        if kind in (_I32, _I64):
            out += _varint(_zigzag(value))
        elif kind == _BINARY:
            data = value.encode("utf-8") if isinstance(value, str) else value
            out += _varint(len(data)) + data
        else:
            out += value
    out.append(0)
    return bytes(out)


def _list(kind: int, items: list[Any]) -> bytes:
    """A Thrift list of i32 values, strings or encoded structs."""
    header = bytes([len(items) << 4 | kind]) if len(items) < 15 else bytes([0xF0 | kind]) + _varint(len(items))
    if kind == _I32:
        return header + b"".join(_varint(_zigzag(item)) for item in items)
    if kind == _BINARY:
        encoded = [item.encode("utf-8") for item in items]
        return header + b"".join(_varint(len(item)) + item for item in encoded)
    return header + b"".join(items)


def _plain_strings(names: list[str]) -> bytes:
    out = bytearray()
    for name in names:
        data = name.encode("utf-8")
        out += len(data).to_bytes(4, "little") + data
    return bytes(out)


def _dictionary_indices(codes: int, runs: list[tuple[int, int]]) -> bytes:
    """Dictionary codes as the RLE / bit-packing hybrid, runs only: the bit width, then per run
    its length (shifted left once) and the code in as many bytes as the width needs."""
    width = max(1, (codes - 1).bit_length())
    size = (width + 7) // 8
    out = bytearray([width])
    for code, count in runs:
        out += _varint(count << 1) + code.to_bytes(size, "little")
    return bytes(out)


def _page_header(page_type: int, size: int, header_field: int, header: bytes) -> bytes:
    return _struct((1, _I32, page_type), (2, _I32, size), (3, _I32, size), (header_field, _STRUCT, header))


class ParquetWriter:
    """Writes a parquet file one row group at a time; the file is complete once `close()` ran."""

    def __init__(self, path: str, schema: list[tuple[str, str]]) -> None:
        self.schema = schema  # (column name, STRING | INT64 | DOUBLE)
        self._handle = open(path, "wb")
        self._handle.write(_MAGIC)
        self._offset = len(_MAGIC)
        self._row_groups: list[bytes] = []
        self._rows = 0

    def write_row_group(self, rows: int, columns: list[ColumnValues]) -> None:
        """One row group: per column of the schema, its values (see `ColumnValues`)."""
        chunks = []
        start = self._offset
        for (name, kind), values in zip(self.schema, columns):
            chunk_start = self._offset
            dictionary_offset = None
            if kind == STRING:
                names, runs = values
                dictionary_offset = chunk_start
                dictionary = _plain_strings(names)
                self._write(_page_header(_DICTIONARY_PAGE, len(dictionary), 7,
                                         _struct((1, _I32, len(names)), (2, _I32, _PLAIN))))
                self._write(dictionary)
                parts = [_dictionary_indices(len(names), runs)]
                encoding, encodings = _RLE_DICTIONARY, [_PLAIN, _RLE, _RLE_DICTIONARY]
            else:
                parts = values
                encoding, encodings = _PLAIN, [_PLAIN, _RLE]
            data_offset = self._offset
            self._write(_page_header(_DATA_PAGE, sum(len(part) * part.itemsize if isinstance(part, array) else len(part)
                                                     for part in parts), 5,
                                     _struct((1, _I32, rows), (2, _I32, encoding), (3, _I32, _RLE), (4, _I32, _RLE))))
            for part in parts:
                self._write(part)
            size = self._offset - chunk_start
            metadata = _struct((1, _I32, _PHYSICAL[kind]), (2, _LIST, _list(_I32, encodings)),
                               (3, _LIST, _list(_BINARY, [name])), (4, _I32, _UNCOMPRESSED), (5, _I64, rows),
                               (6, _I64, size), (7, _I64, size), (9, _I64, data_offset),
                               (11, _I64, dictionary_offset))
            chunks.append(_struct((2, _I64, chunk_start), (3, _STRUCT, metadata)))
        total = self._offset - start
        self._row_groups.append(_struct((1, _LIST, _list(_STRUCT, chunks)), (2, _I64, total), (3, _I64, rows),
                                        (5, _I64, start), (6, _I64, total)))
        self._rows += rows

    def _write(self, data: bytes | array) -> None:
        if isinstance(data, array):
            if sys.byteorder != "little":  # parquet is little-endian
                data = array(data.typecode, data)
                data.byteswap()
            self._offset += self._handle.write(data)  # from the array's buffer, no copy
        else:
            self._handle.write(data)
            self._offset += len(data)

    def close(self) -> None:
        root = _struct((4, _BINARY, "schema"), (5, _I32, len(self.schema)))
        leaves = [_struct((1, _I32, _PHYSICAL[kind]), (3, _I32, _REQUIRED), (4, _BINARY, name),
                          (6, _I32, _UTF8 if kind == STRING else None),
                          (10, _STRUCT, _struct((1, _STRUCT, _struct())) if kind == STRING else None))
                  for name, kind in self.schema]
        footer = _struct((1, _I32, 1), (2, _LIST, _list(_STRUCT, [root, *leaves])), (3, _I64, self._rows),
                         (4, _LIST, _list(_STRUCT, self._row_groups)), (6, _BINARY, "tracklab"))
        self._handle.write(footer + len(footer).to_bytes(4, "little") + _MAGIC)
        self._handle.close()

    def abandon(self) -> None:
        """Close without finishing the file (a failed run of the writer)."""
        self._handle.close()
        os.unlink(self._handle.name)
