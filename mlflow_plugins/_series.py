"""Metric series for charts, downsampled on the server so long runs stay fast.

A series with more points than asked for is cut into equal step ranges; each range keeps its
minimum and its maximum point (in step order), plus the first and last point of the series,
so spikes survive at any zoom. On a local SQLite store each range is one MIN/MAX query and
a short lookup of the rows holding them, all on MLflow's `(run_uuid, key, step)` index, so a
1,000,000-point series reduces without ever crossing into Python as a whole. Other stores go
through MLflow's client and numpy.
"""

from __future__ import annotations

import math
import sqlite3
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Any

import numpy as np

# (step, value, timestamp ms)
Point = tuple[int, float, int]

_RANGE = "run_uuid = ? AND key = ? AND is_nan = 0"


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


class SqliteSeries:
    """Reads series straight from an MLflow SQLite database (read-only connections)."""

    def __init__(self, db_path: str) -> None:
        self.db_path = db_path
        self._local = threading.local()

    def _conn(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(f"file:{self.db_path}?mode=ro", uri=True, timeout=30, check_same_thread=False)
            self._local.conn = conn
        return conn

    def stats(self, run_uuid: str, key: str) -> tuple[int, int | None, int | None]:
        """(count, first step, last step) of a series."""
        row = self._conn().execute(f"SELECT count(*), min(step), max(step) FROM metrics WHERE {_RANGE}",
                                   (run_uuid, key)).fetchone()
        return int(row[0]), row[1], row[2]

    def read(self, run_uuid: str, key: str, points: int) -> Series:
        total, first, last = self.stats(run_uuid, key)
        conn = self._conn()
        if total <= 2 * points or first is None:
            rows = conn.execute(f"SELECT step, value, timestamp FROM metrics WHERE {_RANGE} ORDER BY step, timestamp",
                                (run_uuid, key)).fetchall()
            return Series.of(rows, total)
        width = (last - first + 1) / points
        edges = [first + math.ceil(i * width) for i in range(points)] + [last + 1]
        kept: dict[tuple[int, int], Point] = {}
        for lo, hi in pairwise(edges):
            if hi <= lo:
                continue
            low, high = conn.execute(f"SELECT min(value), max(value) FROM metrics WHERE {_RANGE} AND step >= ? "
                                     "AND step < ?", (run_uuid, key, lo, hi)).fetchone()
            if low is None:
                continue
            for value in {low, high}:  # the first point of the range holding each extreme
                row = conn.execute(f"SELECT step, value, timestamp FROM metrics WHERE {_RANGE} AND step >= ? "
                                   "AND step < ? AND value = ? LIMIT 1", (run_uuid, key, lo, hi, value)).fetchone()
                if row:
                    kept[(row[0], row[2])] = row
        for step in (first, last):
            row = conn.execute(f"SELECT step, value, timestamp FROM metrics WHERE {_RANGE} AND step = ? "
                               "ORDER BY timestamp DESC LIMIT 1", (run_uuid, key, step)).fetchone()
            if row:
                kept[(row[0], row[2])] = row
        return Series.of(sorted(kept.values()), total)

    def values_at(self, run_uuid: str, key: str, steps: Sequence[int]) -> dict[int, float]:
        """{step: value} of `key` at the given steps (for custom x axes)."""
        out: dict[int, float] = {}
        conn = self._conn()
        unique = sorted(set(steps))
        for start in range(0, len(unique), 500):
            chunk = unique[start:start + 500]
            rows = conn.execute(f"SELECT step, value FROM metrics WHERE {_RANGE} AND step IN "
                                f"({','.join('?' * len(chunk))}) ORDER BY timestamp", (run_uuid, key, *chunk))
            out.update((int(s), float(v)) for s, v in rows)
        return out


class ClientSeries:
    """Reads series through MLflow's client (any tracking store) and reduces them with numpy."""

    def __init__(self, client: Any) -> None:
        self.client = client

    def _all(self, run_uuid: str, key: str) -> list[Point]:
        history = self.client.get_metric_history(run_uuid, key)
        return sorted((m.step, m.value, m.timestamp) for m in history if not math.isnan(m.value))

    def read(self, run_uuid: str, key: str, points: int) -> Series:
        rows = self._all(run_uuid, key)
        if len(rows) <= 2 * points:
            return Series.of(rows, len(rows))
        return Series.of(reduce_min_max(rows, points), len(rows))

    def values_at(self, run_uuid: str, key: str, steps: Sequence[int]) -> dict[int, float]:
        wanted = set(steps)
        return {s: v for s, v, _ in self._all(run_uuid, key) if s in wanted}


def reduce_min_max(rows: Sequence[Point], points: int) -> list[Point]:
    """Keep each step range's min and max point, and the ends (rows sorted by step)."""
    data = np.asarray(rows, dtype=float)
    steps, values = data[:, 0], data[:, 1]
    first, last = steps[0], steps[-1]
    edges = first + np.ceil(np.arange(points + 1) * (last - first + 1) / points)
    starts = np.searchsorted(steps, edges[:-1], side="left")
    ends = np.searchsorted(steps, edges[1:], side="left")
    keep = {0, len(rows) - 1}
    for lo, hi in zip(starts, ends):
        if hi > lo:
            window = values[lo:hi]
            keep.add(int(lo + np.argmin(window)))
            keep.add(int(lo + np.argmax(window)))
    return [rows[i] for i in sorted(keep)]
