"""A columnar copy of a run's numeric history (`tracklab/history.parquet`), written by the
writer next to MLflow's metrics so `Api().run(...).history()` reads a million points in a
fraction of a second (MLflow's metrics table gives them back at ~40 k points/s per key).

Long format, one row per point: key (MLflow's, escaped), step, value, timestamp (ms). The writer
streams row groups, so its memory stays bounded; every writer session rebuilds the file from the
whole run log. Exact values MLflow cannot hold (inf, big ints) come from the history-objects file.
"""

from __future__ import annotations

import os
from typing import Any

ARTIFACT = "tracklab/history.parquet"
_ROW_GROUP = 262_144
# Below this many points MLflow's metrics table reads back fast enough; skipping the file spares
# short runs the pyarrow import at finish.
MIN_POINTS = 50_000


class HistoryColumnsWriter:
    """Collects (MLflow key, value, ts ms, step, is_nan) points and streams them to parquet."""

    def __init__(self, path: str) -> None:
        self.path = path
        self._pending: list[list[tuple[str, float, int, int, int]]] = []
        self._pending_count = 0
        self._writer: Any = None
        self.count = 0

    def add_points(self, points: list[tuple[str, float, int, int, int]]) -> None:
        """Take a batch's points (kept by reference: the batch never changes after it is built)."""
        if not points:
            return
        self._pending.append(points)
        self._pending_count += len(points)
        if self._pending_count >= _ROW_GROUP:
            self._flush()

    def _flush(self) -> None:
        if not self._pending_count:
            return
        import numpy as np
        import pyarrow as pa
        import pyarrow.parquet as pq

        keys, values, times, steps, nans = zip(*(p for chunk in self._pending for p in chunk))
        value_array = np.asarray(values, dtype=np.float64)
        value_array[np.asarray(nans, dtype=bool)] = np.nan
        table = pa.table({
            "key": pa.array(keys, type=pa.string()).dictionary_encode(),
            "step": pa.array(np.asarray(steps, dtype=np.int64)),
            "value": pa.array(value_array),
            "timestamp": pa.array(np.asarray(times, dtype=np.int64)),
        })
        if self._writer is None:
            os.makedirs(os.path.dirname(self.path) or ".", exist_ok=True)
            self._writer = pq.ParquetWriter(self.path + ".tmp", table.schema)
        elif not table.schema.equals(self._writer.schema):
            table = table.cast(self._writer.schema)
        self._writer.write_table(table)
        self.count += self._pending_count
        self._pending = []
        self._pending_count = 0

    def close(self) -> str | None:
        """Finish the file; return its path (None for short runs, which need none)."""
        if self._writer is None and self._pending_count < MIN_POINTS:
            return None
        self._flush()
        if self._writer is None:
            return None
        self._writer.close()
        self._writer = None
        os.replace(self.path + ".tmp", self.path)
        return self.path


def read_frame(data: bytes | str) -> Any:
    """The history (wide: one column per key, indexed by step) and the per-step timestamps (ms)."""
    import io

    import pyarrow.parquet as pq

    source = io.BytesIO(data) if isinstance(data, bytes) else data
    long = pq.read_table(source).to_pandas()
    long = long.drop_duplicates(["key", "step"], keep="last")
    wide = long.pivot(index="step", columns="key", values="value")
    wide.columns = [str(c) for c in wide.columns]
    times = long.groupby("step")["timestamp"].max()
    return wide, times
