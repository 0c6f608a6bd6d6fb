"""Run-log records into store batches.

The translator folds each chunk of records into a `Batch` (points, params, tags) and keeps what
the end of the run needs: the header, config, summary, metric definitions, exit record, the
history-objects file and the parquet copy of the history.
"""

from __future__ import annotations

import itertools
import operator
import os
from typing import Any

from tracklab.backend import mapping, native_media, runlog
from tracklab.backend.history_columns import HistoryColumnsWriter
from tracklab.backend.points import HistoryPoints
from tracklab.backend.run_folder import RunFolder
from tracklab.backend.store import Batch

OBJECTS_NAME = "history-objects.jsonl"
_EXACT_INT = 2**53
_ROW_FIELDS = ("_step", "_timestamp", "_runtime")
_NUMERIC_TYPES = frozenset((float, int))


class _Missing:
    """A key a history row does not have (None is a value: it goes to the history objects)."""


_MISSING = _Missing()


class RecordTranslator:
    """Turns run-log records into store batches and keeps what the end of the run needs."""

    def __init__(self, folder: RunFolder, keymap: dict[str, str], logged_params: dict[str, str | None]) -> None:
        self.folder = folder
        self.header: dict[str, Any] | None = None
        self.config: dict[str, Any] = {}
        self._snapshot: dict[str, Any] = {}
        self._since_snapshot: dict[str, Any] = {}
        self.replayed = HistoryPoints()  # points of rows the store already holds (for the parquet copy)
        self.metrics_defs: dict[str, dict[str, Any]] = {}
        self.exit: runlog.ExitRecord | None = None
        self.files_now: list[str] = []
        self.escaped: dict[str, str] = {}  # original -> MLflow key
        self.keymap = keymap                # MLflow key -> original, for escaped keys only
        self.keymap_dirty = False
        self.escaped_keys: set[str] = set()  # MLflow keys that differ from the logged key
        self.chunk_plain = True  # no value of the chunk converted (NaN, inf, a huge int)
        self.logged_params = logged_params  # param key -> the value last sent (None: sent, value unknown)
        self.object_keys: set[str] = set()
        self.images: list[tuple[str, int, int, list[str]]] = []  # to copy into MLflow's image layout
        self.tables: set[str] = set()  # table files, registered for MLflow's table view
        self.system_step = 0
        self.last_step = -1
        self.columns = HistoryColumnsWriter(os.path.join(folder.path, "history.parquet"))
        self._objects_path = os.path.join(folder.path, OBJECTS_NAME)
        self._objects = open(self._objects_path, "w", encoding="utf-8")

    def key(self, original: str) -> str:
        escaped = self.escaped.get(original)
        if escaped is None:
            escaped = self.escaped[original] = mapping.escape_key(original)
            if escaped != original and self.keymap.get(escaped) != original:
                self.keymap[escaped] = original
                self.keymap_dirty = True
            if escaped != original:
                self.escaped_keys.add(escaped)
        return escaped

    def rows_are_points(self, points: HistoryPoints) -> bool:
        """Whether reading the last chunk's history rows as JSON gives exactly its points (no key
        escaped, no value converted), so a store may read them from the rows' text itself."""
        return self.chunk_plain and not (self.escaped_keys and self.escaped_keys & points.keys())

    def add(self, records: list[tuple[str, Any]], batch: Batch | None) -> None:
        """Fold records in; with `batch` None (replaying what the store already has) only the
        state the end of the run needs is rebuilt."""
        self.chunk_plain = True
        points = batch.history if batch is not None else self.replayed
        rows: list[dict[str, Any]] = []  # consecutive history rows, translated together
        for kind, payload in records:
            if kind == runlog.HISTORY:
                rows.append(payload)
                continue
            if rows:
                self._history_rows(rows, points, batch is not None)
                rows = []
            if kind == runlog.SYSTEM:
                self._system(runlog.SystemSample.decode(payload), batch)
            elif kind == runlog.CONFIG:
                self.config = payload
                if batch is not None:
                    # Params follow the config: a changed value is sent again (the store updates it).
                    for key, value in mapping.params_for_config(payload).items():
                        if self.logged_params.get(key) != value:
                            batch.params[key] = value
                            self.logged_params[key] = value
            elif kind == runlog.SUMMARY:
                self._snapshot = payload
                self._since_snapshot = {}
            elif kind == runlog.HEADER:
                header = runlog.decode_header(payload)
                self.header = header if self.header is None else {**self.header, **header}
                self.exit = None
                if batch is not None:
                    batch.tags.update(mapping.run_tags(self.header))
            elif kind == runlog.UPDATE:
                self._update(payload, batch)
            elif kind == runlog.METRIC:
                self.metrics_defs[payload["name"]] = payload
            elif kind == runlog.FILE:
                file = runlog.FileRecord.decode(payload)
                if batch is not None and file.policy in ("now", "live"):
                    self.files_now.append(file.path)
            elif kind == runlog.EXIT:
                self.exit = runlog.ExitRecord.decode(payload)
        if rows:
            self._history_rows(rows, points, batch is not None)

    def _history_rows(self, rows: list[dict[str, Any]], points: HistoryPoints, live: bool) -> None:
        if not self._numeric_rows(rows, points):
            for row in rows:
                self._history(row, points, live)

    def _numeric_rows(self, rows: list[dict[str, Any]], points: HistoryPoints) -> bool:
        """Translate rows whose every value is a finite number (ints a double holds exactly) a
        key at a time; False, with nothing touched, when some value is not (the row-by-row path
        handles it). Training loops log such rows almost always, and C-level list passes per key
        cost a fraction of a Python step per point (bench/)."""
        keys = dict.fromkeys(itertools.chain.from_iterable(rows))
        for name in _ROW_FIELDS:
            keys.pop(name, None)
        columns = []
        for original in keys:
            try:
                column = list(map(operator.itemgetter(original), rows))
            except KeyError:  # not in every row
                column = [row.get(original, _MISSING) for row in rows]
            kinds = set(map(type, column))
            partial = _Missing in kinds
            kinds.discard(_Missing)
            values = [v for v in column if v is not _MISSING] if partial else column
            if not kinds <= _NUMERIC_TYPES:
                return False
            if int in kinds and not (-_EXACT_INT <= min(values) and max(values) <= _EXACT_INT):
                return False
            total = sum(values)  # NaN or inf (or an overflowing sum: then the slow path) fail this
            if total - total != 0.0:
                return False
            columns.append((original, column if partial else None, values))
        first = len(points.steps)
        steps = [row.pop("_step", 0) for row in rows]
        points.steps.extend(steps)
        points.times.extend([int(row.pop("_timestamp", 0.0) * 1000) for row in rows])
        since = self._since_snapshot
        for row in rows:
            row.pop("_runtime", None)
            since.update(row)
        since["_step"] = self.last_step = steps[-1]
        every_row = range(first, first + len(rows))
        for original, column, values in columns:
            numbers, kept = points.column(self.escaped.get(original) or self.key(original))
            numbers.extend(every_row if column is None else
                           [first + i for i, v in enumerate(column) if v is not _MISSING])
            kept.extend(values)
        return True

    def _history(self, row: dict[str, Any], points: HistoryPoints, live: bool) -> None:
        step = row.pop("_step", 0)
        ts = row.pop("_timestamp", 0.0)
        row.pop("_runtime", None)
        since = self._since_snapshot
        since.update(row)  # the summary is the training process's snapshot plus rows after it
        since["_step"] = step
        self.last_step = step
        ts_ms = int(ts * 1000)
        number = points.new_row(step, ts_ms)
        columns = points.by_key
        escaped = self.escaped
        exact = False
        for original, value in row.items():
            kind = type(value)
            if (kind is float and value - value == 0.0) or (kind is int and -_EXACT_INT <= value <= _EXACT_INT):
                # A finite float or an int a double holds exactly: the common case.
                key = escaped.get(original) or self.key(original)
                column = columns.get(key) or points.column(key)
                column[0].append(number)
                column[1].append(value)
                continue
            if mapping.needs_exact_copy(value):
                exact = True
                if kind is dict:
                    images = native_media.image_files(value)
                    if images and live:
                        self.images.append((original, step, ts_ms, images))
                    table = native_media.table_file(value)
                    if table is not None:
                        self.tables.add(table)
            converted = mapping.metric_value(value)
            if converted is not None:
                if kind is not bool:
                    self.chunk_plain = False  # NaN, inf or a huge int: not plain JSON numbers
                points.add_odd(number, (escaped.get(original) or self.key(original), converted[0], ts_ms, step,
                                        int(converted[1])))
        if exact:
            self._object(step, ts, row)

    @property
    def summary(self) -> dict[str, Any]:
        """The run's summary: the last snapshot the training process wrote, plus later rows
        (those matter only when the process died before its final snapshot)."""
        later = {k: v for k, v in self._since_snapshot.items() if v is not None}
        return {**self._snapshot, **later} if later else dict(self._snapshot)

    def _object(self, step: int, ts: float, row: dict[str, Any]) -> None:
        """Keep the values a metric cannot hold exactly in the history-objects file."""
        objects = {k: v for k, v in row.items() if mapping.needs_exact_copy(v)}
        self.object_keys.update(objects)
        try:
            self._objects.write(runlog.encode({"_step": step, "_timestamp": ts, **objects}) + "\n")
        except OSError as exc:  # a full run folder: name the file (the writer's message shows it)
            raise OSError(exc.errno, exc.strerror, self._objects_path) from None

    def _system(self, sample: runlog.SystemSample, batch: Batch | None) -> None:
        step = self.system_step
        self.system_step += 1
        if batch is None:
            return
        ts_ms = int(sample.timestamp * 1000)
        for name, value in (sample.metrics or {}).items():
            converted = mapping.metric_value(value)
            if converted is not None:
                batch.system.append((self.key(name), converted[0], ts_ms, step, int(converted[1])))

    def _update(self, changes: dict[str, Any], batch: Batch | None) -> None:
        if self.header is not None:
            self.header.update({k: v for k, v in changes.items() if k in mapping.UPDATABLE})
        if batch is None:
            return
        if changes.get("name"):
            batch.run_name = changes["name"]
        batch.tags.update(mapping.update_tags(changes))

    def close(self) -> None:
        try:
            self._objects.close()
        except OSError:  # a full run folder: the copy is rebuilt from the run log by the next sync
            pass

    @property
    def objects_path(self) -> str:
        try:
            self._objects.flush()
        except OSError as exc:
            raise OSError(exc.errno, exc.strerror, self._objects_path) from None
        return self._objects_path
