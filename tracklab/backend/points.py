"""The history points of one writer chunk, kept by column.

The writer turns ~15,000 logged rows at a time into points. Keeping them as columns (one step
and timestamp per row, and per key the row numbers and values) costs two array appends per
point instead of a tuple each, and lets the parquet copy be built with numpy instead of
transposing a million tuples. Tuples are made only for the stores that need them.
"""

from __future__ import annotations

from array import array
from typing import Iterator

Point = tuple[str, float, int, int, int]  # MLflow key, value, timestamp ms, step, is_nan


class HistoryPoints:
    """Points of consecutive history rows: finite numbers by column, the rest as tuples."""

    __slots__ = ("steps", "times", "by_key", "odd", "odd_rows")

    def __init__(self) -> None:
        self.steps = array("q")   # per row
        self.times = array("q")   # per row, ms
        self.by_key: dict[str, tuple[array, array]] = {}  # MLflow key -> (row numbers, values)
        self.odd: list[Point] = []         # converted values: bools, NaN, +-inf clamped, big ints
        self.odd_rows = array("q")          # the row of each odd point

    def new_row(self, step: int, ts_ms: int) -> int:
        """Start a row; return its number."""
        self.steps.append(step)
        self.times.append(ts_ms)
        return len(self.steps) - 1

    def column(self, key: str) -> tuple[array, array]:
        """The (row numbers, values) arrays of a key, created on first use."""
        column = self.by_key.get(key)
        if column is None:
            column = self.by_key[key] = (array("q"), array("d"))
        return column

    def add_odd(self, row: int, point: Point) -> None:
        self.odd.append(point)
        self.odd_rows.append(row)

    def __len__(self) -> int:
        return sum(len(rows) for rows, _ in self.by_key.values()) + len(self.odd)

    def __bool__(self) -> bool:
        return bool(self.odd) or any(rows for rows, _ in self.by_key.values())

    def keys(self) -> set[str]:
        return set(self.by_key) | {point[0] for point in self.odd}

    def tuples(self) -> Iterator[Point]:
        """Every point as (key, value, ts ms, step, is_nan), in logged order within each key."""
        steps, times = self.steps, self.times
        for key, (rows, values) in self.by_key.items():
            for row, value in zip(rows, values):
                yield key, value, times[row], steps[row], 0
        yield from self.odd

    def latest(self) -> dict[str, Point]:
        """Per key, the point of its last row (MLflow's latest_metrics candidate)."""
        last: dict[str, tuple[int, Point]] = {}
        steps, times = self.steps, self.times
        for key, (rows, values) in self.by_key.items():
            if rows:
                row = rows[-1]
                last[key] = (row, (key, values[-1], times[row], steps[row], 0))
        for row, point in zip(self.odd_rows, self.odd):
            if point[0] not in last or last[point[0]][0] <= row:
                last[point[0]] = (row, point)
        return {key: point for key, (_, point) in last.items()}
