"""A columnar copy of a run's numeric history (`tracklab/history.parquet`), written by the
writer next to MLflow's metrics so `Api().run(...).history()` reads a million points in a
fraction of a second (MLflow's metrics table gives them back at ~40 k points/s per key).

Long format, one row per point: key (MLflow's, escaped), step, value, timestamp (ms); within a
row group the points are grouped by key, each key's in logged order. The writer streams row
groups with `parquet_file` (no pyarrow or numpy in the writer process), so its memory stays
bounded; every writer session rebuilds the file from the whole run log. Exact values MLflow
cannot hold (inf, big ints) come from the history-objects file.
"""

from __future__ import annotations

import os
from array import array
from typing import Any

from tracklab.backend.parquet_file import DOUBLE, INT64, STRING, ParquetWriter
from tracklab.backend.points import HistoryPoints

ARTIFACT = "tracklab/history.parquet"
_ROW_GROUP = 131_072  # points: ~3 MB of arrays while a row group is built
# Below this many points MLflow's metrics table reads back fast enough; skipping the file spares
# short runs the work at finish.
MIN_POINTS = 50_000
_SCHEMA = [("key", STRING), ("step", INT64), ("value", DOUBLE), ("timestamp", INT64)]


class HistoryColumnsWriter:
    """Collects the writer's history points and streams them to parquet."""

    def __init__(self, path: str) -> None:
        self.path = path
        self._pending: list[HistoryPoints] = []
        self._pending_count = 0
        self._writer: ParquetWriter | None = None
        self._broken = False  # the copy could not be written (a full disk): readers use the metrics

    def add_points(self, points: HistoryPoints) -> None:
        """Take a chunk's points (kept by reference: the writer never adds to a chunk it handed on)."""
        count = len(points)
        if not count or self._broken:
            return
        self._pending.append(points)
        self._pending_count += count
        if self._pending_count >= _ROW_GROUP:
            self._flush_or_drop()

    def _flush_or_drop(self) -> None:
        """The copy is only faster reading: a disk that cannot take it drops it, never the run."""
        try:
            self._flush()
        except OSError:
            self._broken = True
            self._pending, self._pending_count = [], 0
            writer, self._writer = self._writer, None
            for action in ((writer.close if writer is not None else None),
                           lambda: os.remove(self.path + ".tmp")):
                try:
                    if action is not None:
                        action()
                except OSError:
                    pass

    def _flush(self) -> None:
        if not self._pending_count:
            return
        by_key: dict[str, tuple[array, array, array]] = {}  # key -> steps, values, timestamps
        for chunk in self._pending:
            odd: dict[str, list[tuple[int, float, int, int]]] = {}  # key -> (row, value, step, ts)
            for row, (key, value, ts_ms, step, is_nan) in zip(chunk.odd_rows, chunk.odd):
                odd.setdefault(key, []).append((row, float("nan") if is_nan else value, step, ts_ms))
            for key in {**chunk.by_key, **odd}:
                steps, values, times = by_key.get(key) or by_key.setdefault(key, (array("q"), array("d"), array("q")))
                rows, kept = chunk.by_key.get(key) or ((), ())
                if key not in odd:
                    steps.extend(map(chunk.steps.__getitem__, rows))
                    times.extend(map(chunk.times.__getitem__, rows))
                    values.extend(kept)
                    continue
                # Odd values (NaN, clamped inf, bools) go between the key's numbers in logged order.
                points = sorted([*((row, value, chunk.steps[row], chunk.times[row]) for row, value in zip(rows, kept)),
                                 *odd[key]], key=lambda point: point[0])
                values.extend(point[1] for point in points)
                steps.extend(point[2] for point in points)
                times.extend(point[3] for point in points)
        if self._writer is None:
            os.makedirs(os.path.dirname(self.path) or ".", exist_ok=True)
            self._writer = ParquetWriter(self.path + ".tmp", _SCHEMA)
        names = [key for key, (steps, _, _) in by_key.items() if steps]
        columns = [by_key[key] for key in names]
        self._writer.write_row_group(sum(len(steps) for steps, _, _ in columns), [
            (names, [(code, len(steps)) for code, (steps, _, _) in enumerate(columns)]),
            [steps for steps, _, _ in columns],
            [values for _, values, _ in columns],
            [times for _, _, times in columns],
        ])
        self._pending = []
        self._pending_count = 0

    def close(self) -> str | None:
        """Finish the file; return its path (None for short runs, which need none)."""
        if self._broken or (self._writer is None and self._pending_count < MIN_POINTS):
            return None
        self._flush_or_drop()
        if self._writer is None:
            return None
        try:
            self._writer.close()
            os.replace(self.path + ".tmp", self.path)
        except OSError:
            self._writer = None
            self._broken = True
            return None
        self._writer = None
        return self.path


def read_frame(data: bytes | str) -> Any:
    """The history (wide: one column per key, indexed by step) and the per-step timestamps (ms).

    Built a key at a time from the grouped points rather than with a pivot: for the usual run,
    where every key has the same steps, the frame is assembled from arrays without realigning
    (a pivot factorizes and sorts a million (key, step) pairs: 3x the time).
    """
    import io

    import numpy as np
    import pandas as pd
    import pyarrow.parquet as pq

    source = io.BytesIO(data) if isinstance(data, bytes) else data
    table = pq.read_table(source, read_dictionary=["key"])
    keys = table.column("key").combine_chunks()
    names = [str(name) for name in keys.dictionary.to_pylist()]
    codes = keys.indices.to_numpy(zero_copy_only=False)
    steps = table.column("step").to_numpy()
    values = table.column("value").to_numpy()
    stamps = table.column("timestamp").to_numpy()
    order = np.argsort(codes, kind="stable")  # grouped by key, each key's points in logged order
    bounds = np.flatnonzero(np.diff(codes[order])) + 1
    series: dict[str, tuple[Any, Any, Any]] = {}
    for part in np.split(order, bounds) if len(order) else []:
        key_steps = steps[part]
        if len(key_steps) > 1 and not bool((np.diff(key_steps) > 0).all()):
            # A step logged twice keeps its last value, as the metric's history does.
            last = ~pd.Index(key_steps).duplicated(keep="last")
            part = part[last]
            part = part[np.argsort(steps[part], kind="stable")]
            key_steps = steps[part]
        series[names[codes[part[0]]]] = (key_steps, values[part], stamps[part])
    columns = sorted(series)
    if not columns:
        return pd.DataFrame(index=pd.Index([], dtype=np.int64, name="step")), pd.Series(dtype=float)
    first = series[columns[0]][0]
    if all(np.array_equal(series[name][0], first) for name in columns):
        index = pd.Index(first, name="step")
        wide = pd.DataFrame({name: series[name][1] for name in columns}, index=index)
        times = pd.Series(np.maximum.reduce([series[name][2] for name in columns]), index=index)
        return wide, times
    wide = pd.DataFrame({name: pd.Series(series[name][1], index=series[name][0]) for name in columns})
    wide.index.name = "step"
    all_steps = np.concatenate([series[name][0] for name in columns])
    all_stamps = np.concatenate([series[name][2] for name in columns])
    times = pd.Series(all_stamps).groupby(all_steps).max()
    return wide, times
