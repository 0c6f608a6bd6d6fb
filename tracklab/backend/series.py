"""Metric series for charts, downsampled where they are read so long runs stay fast.

A series with more points than asked for is cut into equal step ranges; each range keeps its
minimum and its maximum point (in step order), plus the first and last point of the series,
so spikes survive at any zoom. The SQLite reader does this in SQL (`SqliteReader.series`);
every other store reads the points through MLflow's client and reduces them here.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

# (step, value, timestamp ms)
Point = tuple[int, float, int]


@dataclass
class Series:
    """One metric of one run, possibly downsampled."""

    steps: list[int] = field(default_factory=list)
    values: list[float] = field(default_factory=list)
    timestamps: list[int] = field(default_factory=list)
    total: int = 0

    @property
    def sampled(self) -> bool:
        return len(self.steps) < self.total

    @classmethod
    def of(cls, points: Iterable[Point], total: int) -> Series:
        series = cls(total=total)
        for step, value, ts in points:
            series.steps.append(int(step))
            series.values.append(float(value))
            series.timestamps.append(int(ts))
        return series


def reduce_min_max(rows: Sequence[Point], points: int) -> list[Point]:
    """Keep each step range's min and max point, and the ends (rows sorted by step)."""
    import numpy as np

    data = np.asarray(rows, dtype=float)
    return [rows[i] for i in min_max_indices(data[:, 0], data[:, 1], points)]


def min_max_indices(steps: Any, values: Any, points: int) -> list[int]:
    """The indices `reduce_min_max` keeps, for numpy arrays of steps (sorted) and values."""
    import numpy as np

    first, last = steps[0], steps[-1]
    edges = first + np.ceil(np.arange(points + 1) * (last - first + 1) / points)
    starts = np.searchsorted(steps, edges[:-1], side="left")
    ends = np.searchsorted(steps, edges[1:], side="left")
    keep = {0, len(steps) - 1}
    for lo, hi in zip(starts, ends):
        if hi > lo:
            window = values[lo:hi]
            keep.add(int(lo + np.argmin(window)))
            keep.add(int(lo + np.argmax(window)))
    return sorted(keep)


def sample(points: Sequence[Point], wanted: int) -> Series:
    """All of `points` (sorted by step) when they are few, else their min/max reduction."""
    if len(points) <= 2 * wanted:
        return Series.of(points, len(points))
    return Series.of(reduce_min_max(points, wanted), len(points))
