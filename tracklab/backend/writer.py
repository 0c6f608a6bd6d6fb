"""The writer: follows a run log and moves its records into an MLflow store.

It runs as its own process next to each live run (`python -m tracklab.backend.writer FOLDER`),
and in-process for `tracklab sync`. Progress (the log offset the store holds) is kept per
tracking URI in the run folder, so a writer that dies, a store that is down, or a second
sync never duplicates or loses rows. See docs/architecture.md.
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import itertools
import json
import logging
import operator
import os
import sys
import threading
import time
from typing import Any, Iterator

from tracklab.backend import location, mapping, native_media, runlog
from tracklab.backend.history_columns import ARTIFACT as HISTORY_COLUMNS_ARTIFACT
from tracklab.backend.history_columns import HistoryColumnsWriter
from tracklab.backend.liveness import process_alive
from tracklab.backend.points import HistoryPoints
from tracklab.backend.run_folder import RunFolder
from tracklab.backend.store import Batch, Store, open_store

logger = logging.getLogger("tracklab.writer")

WRITER_LOCK = "writer.lock"
OBJECTS_NAME = "history-objects.jsonl"
_EXACT_INT = 2**53
_ROW_FIELDS = ("_step", "_timestamp", "_runtime")
_NUMERIC_TYPES = frozenset((float, int))


class _Missing:
    """A key a history row does not have (None is a value: it goes to the history objects)."""


_MISSING = _Missing()
READ_CHUNK = 2 * 1024 * 1024  # ~15k rows: bounded writer memory, transactions still large
POLL_INTERVAL = 0.1  # the longest wait between looks at an idle log
_FIRST_POLL = 0.01  # right after new records: a busy loop's next flush is already on its way
UPLOAD_INTERVAL = 10.0
MAX_BACKOFF = 10.0
ORPHAN_LINGER = 600.0


class _Translator:
    """Turns run-log records into store batches and keeps what the end of the run needs."""

    def __init__(self, folder: RunFolder, keymap: dict[str, str], logged_params: set[str]) -> None:
        self.folder = folder
        self.header: dict[str, Any] | None = None
        self.config: dict[str, Any] = {}
        self._snapshot: dict[str, Any] = {}
        self._since_snapshot: dict[str, Any] = {}
        self.replayed = HistoryPoints()  # points of rows the store already holds (for the parquet copy)
        self.metrics_defs: dict[str, dict[str, Any]] = {}
        self.exit: dict[str, Any] | None = None
        self.files_now: list[str] = []
        self.escaped: dict[str, str] = {}  # original -> MLflow key
        self.keymap = keymap                # MLflow key -> original, for escaped keys only
        self.keymap_dirty = False
        # MLflow keys SQLite cannot take from the JSON rows as they are (escaped or non-ASCII).
        self.keys_not_in_json: set[str] = set()
        self.chunk_json_readable = True
        self.logged_params = logged_params
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
            if escaped != original or not original.isascii() or '"' in original or "\\" in original:
                self.keys_not_in_json.add(escaped)
        return escaped

    def json_readable(self, points: HistoryPoints) -> bool:
        """Whether SQLite may read the last chunk's points from its JSON rows itself."""
        return self.chunk_json_readable and not (self.keys_not_in_json and self.keys_not_in_json & points.keys())

    def add(self, records: list[tuple[str, Any]], batch: Batch | None) -> None:
        """Fold records in; with `batch` None (replaying what the store already has) only the
        state the end of the run needs is rebuilt."""
        self.chunk_json_readable = True
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
                self._system(payload, batch)
            elif kind == runlog.CONFIG:
                self.config = payload
                if batch is not None:
                    for key, value in mapping.params_for_config(payload).items():
                        if key not in self.logged_params:
                            batch.params[key] = value
                            self.logged_params.add(key)
            elif kind == runlog.SUMMARY:
                self._snapshot = payload
                self._since_snapshot = {}
            elif kind == runlog.HEADER:
                self.header = payload if self.header is None else {**self.header, **payload}
                self.exit = None
                if batch is not None:
                    batch.tags.update(mapping.run_tags(self.header))
            elif kind == runlog.UPDATE:
                self._update(payload, batch)
            elif kind == runlog.METRIC:
                self.metrics_defs[payload["name"]] = payload
            elif kind == runlog.FILE:
                if batch is not None and payload.get("policy") in ("now", "live"):
                    self.files_now.append(payload["path"])
            elif kind == runlog.EXIT:
                self.exit = payload
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
                    self.chunk_json_readable = False  # NaN, inf or a huge int: not plain JSON numbers
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
        self._objects.write(runlog.encode({"_step": step, "_timestamp": ts, **objects}) + "\n")

    def _system(self, sample: dict[str, Any], batch: Batch | None) -> None:
        step = self.system_step
        self.system_step += 1
        if batch is None:
            return
        ts_ms = int(sample.get("t", time.time()) * 1000)
        for name, value in (sample.get("m") or {}).items():
            converted = mapping.metric_value(value)
            if converted is not None:
                batch.system.append((self.key(name), converted[0], ts_ms, step, int(converted[1])))

    def _update(self, changes: dict[str, Any], batch: Batch | None) -> None:
        if self.header is not None:
            self.header.update({k: v for k, v in changes.items() if k in ("name", "notes", "tags", "git_commit")})
        if batch is None:
            return
        if changes.get("name"):
            batch.run_name = changes["name"]
            batch.tags[mapping.TAG_RUN_NAME] = changes["name"]
        if "notes" in changes:
            batch.tags[mapping.TAG_NOTE] = changes["notes"] or ""
        if "tags" in changes:
            batch.tags.update(mapping.user_tag_tags(changes["tags"]))
        if changes.get("git_commit"):
            batch.tags[mapping.TAG_GIT_COMMIT] = changes["git_commit"]

    def close(self) -> None:
        self._objects.close()

    @property
    def objects_path(self) -> str:
        self._objects.flush()
        return self._objects_path


@contextlib.contextmanager
def writer_lock(folder: RunFolder, wait: bool = True) -> Iterator[bool]:
    """One writer per run folder at a time; yields False when `wait` is off and it is taken."""
    fd = os.open(os.path.join(folder.path, WRITER_LOCK), os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        except BlockingIOError:
            yield False
            return
        yield True
    finally:
        os.close(fd)


class RunWriter:
    """Moves one run folder's log into one store."""

    def __init__(self, folder: RunFolder, tracking_uri: str, parent_pid: int | None = None,
                 root: str | None = None) -> None:
        self.folder = folder
        self.tracking_uri = tracking_uri
        self.parent_pid = parent_pid
        self.root = root
        state = folder.sync_state(tracking_uri)
        self.offset = 0
        self.stored_offset = int(state.get("offset", 0))
        self.run_id: str | None = state.get("mlflow_run_id")
        self.experiment_id: str | None = state.get("experiment_id")
        self.uploaded: dict[str, list[float]] = state.get("uploaded", {})
        self.translator = _Translator(folder, dict(state.get("keymap", {})), set(state.get("params", [])))
        self.store: Store | None = None
        self._last_upload = 0.0
        self._executor = None
        self._in_flight = None
        self._images_tagged = False

    # -- the store, with retries ---------------------------------------------------------
    def _retry(self, what: str, action, give_up_at: float | None = None):
        delay = 0.1
        while True:
            try:
                return action()
            except Exception as exc:  # the store is down, locked or refusing: wait and retry
                if give_up_at is None and self.parent_pid and not process_alive(self.parent_pid):
                    # Nobody waits for us any more: keep trying a while, then leave it to `tracklab sync`.
                    give_up_at = time.time() + ORPHAN_LINGER
                if give_up_at is not None and time.time() > give_up_at:
                    raise
                logger.warning("tracklab writer: %s failed (%s); retrying in %.1fs", what, exc, delay)
                self._drop_store()
                time.sleep(delay)
                delay = min(delay * 2, MAX_BACKOFF)

    def _drop_store(self) -> None:
        if self.store is not None:
            with contextlib.suppress(Exception):
                self.store.close()
        self.store = None

    def _store(self) -> Store:
        if self.store is None:
            self.store = open_store(self.tracking_uri, self.root)
        return self.store

    def _save_state(self, ended: bool = False) -> None:
        t = self.translator
        self.folder.write_sync_state(self.tracking_uri, {
            "offset": self.stored_offset,
            "mlflow_run_id": self.run_id,
            "experiment_id": self.experiment_id,
            "keymap": t.keymap,
            "params": sorted(t.logged_params),
            "uploaded": self.uploaded,
            "ended": ended,
            "updated": time.time(),
        })

    # -- one step ------------------------------------------------------------------------
    def step(self, give_up_at: float | None = None) -> int:
        """Read what is new in the log and hand it to the store; return the number of records read.

        The store write runs in a background thread while the next chunk is parsed (SQLite
        releases the GIL while it inserts), so parsing and inserting overlap.
        """
        # While replaying what the store already holds, never read past that point.
        limit = self.stored_offset - self.offset if self.offset < self.stored_offset else READ_CHUNK
        records, history_texts, new_offset = runlog.read_chunk(self.folder.log_path, self.offset,
                                                               min(limit, READ_CHUNK))
        if not records and new_offset == self.offset:
            return 0
        replay = new_offset <= self.stored_offset
        batch = None if replay else Batch()
        t = self.translator
        t.add(records, batch)
        if batch is not None:
            if history_texts and t.json_readable(batch.history):
                batch.history_json = "[" + ",".join(history_texts) + "]"
        elif t.replayed:
            t.columns.add_points(t.replayed)
            t.replayed = HistoryPoints()
        self.offset = new_offset
        new_session = batch is not None and any(kind == runlog.HEADER for kind, _ in records)
        if t.header is not None and (self.run_id is None or new_session):
            self.drain(give_up_at)
            header, known = t.header, self.run_id
            self.run_id = self._retry("opening the run", lambda: self._store().ensure_run(header, known), give_up_at)
            self.experiment_id = self._store().experiment_id_of(self.run_id)
        if batch is None:
            return len(records)
        if t.keymap_dirty:
            batch.tags.update(_keymap_tags(t.keymap))
            t.keymap_dirty = False
        self.drain(give_up_at)
        if batch and self.run_id is not None:
            run_id = self.run_id
            self._in_flight = (self._pool().submit(
                self._retry, "writing", lambda: self._store().write(run_id, batch), give_up_at), new_offset)
        else:
            self._stored(new_offset)
        # After the submit: a parquet row group is built while SQLite inserts, never before it.
        t.columns.add_points(batch.history)
        if t.files_now:
            self.drain(give_up_at)
            self._upload_files(t.files_now, give_up_at)
            t.files_now = []
        if t.images:
            self.drain(give_up_at)
            self._write_native_images(give_up_at)
        return len(records)

    def _write_native_images(self, give_up_at: float | None) -> None:
        """Logged images also go into MLflow's `images/` layout (the run page's step slider)."""
        t = self.translator
        files_dir = (t.header or {}).get("files_dir") or self.folder.files_dir
        run_id = self.run_id

        def put(artifact_path: str, local: str) -> None:
            self._retry(f"uploading {artifact_path}", lambda: self._store().put_artifact(run_id, artifact_path, local),
                        give_up_at)

        written = 0
        for key, step, ts_ms, paths in t.images:
            written += native_media.write_images(run_id, key, step, ts_ms, files_dir, paths, put)
        t.images = []
        if written and not self._images_tagged:
            self._retry("tagging images", lambda: self._store().write(
                run_id, Batch(tags={native_media.LOGGED_IMAGES_TAG: "True"})), give_up_at)
            self._images_tagged = True

    def _pool(self):
        if self._executor is None:
            from concurrent.futures import ThreadPoolExecutor

            self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="tracklab-store")
        return self._executor

    def drain(self, give_up_at: float | None = None) -> None:
        """Wait for the write in flight, then record its progress."""
        if self._in_flight is None:
            return
        future, offset = self._in_flight
        self._in_flight = None
        future.result()
        self._stored(offset)

    def _stored(self, offset: int) -> None:
        self.stored_offset = max(self.stored_offset, offset)
        self._save_state()

    def _upload_files(self, names: list[str] | None, give_up_at: float | None, force: bool = False) -> None:
        """Upload files of the files folder that are new or changed (all of them when names is None)."""
        files_dir = (self.translator.header or {}).get("files_dir") or self.folder.files_dir
        if names is None:
            names = []
            for base, _, files in os.walk(files_dir):
                names += [os.path.relpath(os.path.join(base, f), files_dir) for f in files]
        for name in names:
            path = os.path.join(files_dir, name)
            try:
                stat = os.stat(path)
            except OSError:
                continue
            signature = [stat.st_size, stat.st_mtime]
            if not force and self.uploaded.get(name) == signature:
                continue
            self._retry(f"uploading {name}", lambda: self._store().put_artifact(self.run_id, name, path), give_up_at)
            self.uploaded[name] = signature
        self._save_state()

    def _write_json_artifact(self, name: str, data: Any, give_up_at: float | None) -> None:
        path = os.path.join(self.folder.path, os.path.basename(name))
        with open(path, "w") as handle:
            json.dump(data, handle, default=str, allow_nan=True)
        self._retry(f"uploading {name}", lambda: self._store().put_artifact(self.run_id, name, path), give_up_at)

    def _write_config(self, give_up_at: float | None) -> None:
        import yaml

        t = self.translator
        data = {"wandb_version": 1}
        data.update({k: {"value": v} for k, v in t.config.items()})
        path = os.path.join(self.folder.path, mapping.CONFIG_ARTIFACT)
        with open(path, "w") as handle:
            yaml.safe_dump(data, handle, sort_keys=False, allow_unicode=True)
        self._retry("uploading config.yaml",
                    lambda: self._store().put_artifact(self.run_id, mapping.CONFIG_ARTIFACT, path), give_up_at)

    def publish(self, give_up_at: float | None = None) -> None:
        """Upload the derived files: config, summary, history objects, run files."""
        self.drain(give_up_at)
        if self.run_id is None:
            return
        t = self.translator
        self._write_config(give_up_at)
        self._write_json_artifact(mapping.SUMMARY_ARTIFACT, t.summary, give_up_at)
        if t.object_keys:
            path = t.objects_path
            self._retry("uploading history objects",
                        lambda: self._store().put_artifact(self.run_id, mapping.OBJECTS_ARTIFACT, path), give_up_at)
        self._upload_files(None, give_up_at)
        self._last_upload = time.time()

    def finalize(self, state: str, give_up_at: float | None = None) -> None:
        """Close the run in the store with its final state."""
        if self.run_id is None:
            return
        t = self.translator
        self.publish(give_up_at)
        tags = {mapping.TAG_STATE: state}
        if t.tables:
            tags[native_media.LOGGED_ARTIFACTS_TAG] = mapping.tag_value(native_media.logged_tables_tag(t.tables))
        if t.metrics_defs:
            tags["tracklab.metrics"] = json.dumps(list(t.metrics_defs.values()))
        if t.object_keys:
            tags[mapping.TAG_OBJECT_KEYS] = json.dumps(sorted(t.object_keys))
        columns = t.columns.close()
        if columns is not None:
            self._retry("uploading the history columns",
                        lambda: self._store().put_artifact(self.run_id, HISTORY_COLUMNS_ARTIFACT, columns), give_up_at)
        end_ms = int(((t.exit or {}).get("time") or time.time()) * 1000)
        self._retry("ending the run", lambda: self._store().write(self.run_id, Batch(tags=tags)), give_up_at)
        self._retry("ending the run", lambda: self._store().end_run(self.run_id, mapping.mlflow_status(state), end_ms),
                    give_up_at)
        self._store_staged_artifacts()
        self._save_state(ended=True)

    def _store_staged_artifacts(self) -> None:
        """Artifact versions the run left to its writer (the versions of logged tables), and any
        the training process could not store before it ended."""
        if not os.path.isdir(self.folder.staged_artifacts_dir):
            return  # the common case: spare the end of the run the artifacts package's import
        from tracklab.artifacts import _staging

        if not _staging.has_staged(self.folder.path):
            return
        try:
            _staging.sync_staged(self.folder.path, self.tracking_uri)
        except Exception as exc:  # the run's data is in; `tracklab sync` retries what is left
            logger.warning("tracklab writer: staged artifacts not stored (%s); `tracklab sync %s` retries",
                           exc, self.folder.path)

    def ended_state(self) -> str | None:
        exit_record = self.translator.exit
        return exit_record.get("state", "finished") if exit_record else None

    # -- following a live run -------------------------------------------------------------
    def follow(self, linger: float = 600.0) -> str:
        """Follow the log until the run ends (or its process dies); return the final state."""
        poll = _FIRST_POLL
        while True:
            count = self.step()
            state = self.ended_state()
            if state is not None and count == 0:
                self.finalize(state)
                return state
            if count == 0:
                if not process_alive(self.parent_pid):
                    # The training process died without an exit record: take what it left.
                    while self.step():
                        pass
                    state = self.ended_state() or "killed"
                    self.finalize(state, give_up_at=time.time() + linger)
                    return state
                if time.time() - self._last_upload > UPLOAD_INTERVAL and self.run_id is not None:
                    self.publish()
                time.sleep(poll)
                poll = min(poll * 2, POLL_INTERVAL)
            else:
                poll = _FIRST_POLL

    def close(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=True)
        self.translator.close()
        self._drop_store()


def _keymap_tags(keymap: dict[str, str]) -> dict[str, str]:
    """The key map as one JSON tag, spilled over numbered tags past MLflow's tag length."""
    text = json.dumps(keymap, ensure_ascii=False)
    limit = mapping.MAX_TAG_VALUE_LENGTH
    parts = [text[i:i + limit] for i in range(0, len(text), limit)] or ["{}"]
    tags = {mapping.TAG_KEYMAP: parts[0]}
    for index, part in enumerate(parts[1:], start=1):
        tags[f"{mapping.TAG_KEYMAP}.{index}"] = part
    return tags


def sync_folder(folder: RunFolder, tracking_uri: str, root: str | None = None,
                give_up_after: float | None = 60.0, wait_for_writer: float = 30.0) -> str:
    """Load a run folder into a store (offline runs, crashed runs, another URI).

    A live writer may still hold the run (it retries a store that was down): wait for it a
    while. Returns "synced", "partial" (the run is still live elsewhere) or "busy".
    """
    deadline = time.time() + wait_for_writer
    while True:
        with writer_lock(folder, wait=False) as got:
            if got:
                outcome = _sync_locked(folder, tracking_uri, root, give_up_after)
                from tracklab.artifacts import sync_staged

                sync_staged(folder.path, tracking_uri)  # artifacts an offline run logged
                return outcome
        if folder.is_complete(tracking_uri):
            return "synced"  # a live writer stored the whole run and is closing the store
        if time.time() > deadline:
            return "busy"
        time.sleep(0.5)


def _sync_locked(folder: RunFolder, tracking_uri: str, root: str | None, give_up_after: float | None) -> str:
    if folder.is_complete(tracking_uri):
        return "synced"
    writer = RunWriter(folder, tracking_uri, root=root)
    give_up_at = None if give_up_after is None else time.time() + give_up_after
    try:
        while writer.step(give_up_at):
            pass
        state = writer.ended_state()
        if state is None and folder.is_owned_by_live_process():
            writer.publish(give_up_at)
            return "partial"
        writer.finalize(state or "killed", give_up_at)
        return "synced"
    finally:
        writer.close()


def _warm_imports() -> None:
    import yaml  # noqa: F401


def _start_orphan_recovery(tracking_uri: str, own_folder: str) -> None:
    """Finish runs whose processes died, in the background (the next TrackLab process does it)."""
    from tracklab.backend.recovery import recover_orphans

    def recover() -> None:
        time.sleep(1.0)  # let our own run get going first
        recovered = [path for path, outcome in recover_orphans(tracking_uri, skip=own_folder) if outcome == "synced"]
        if recovered:
            logger.info("tracklab writer: recovered %d orphaned run(s)", len(recovered))

    threading.Thread(target=recover, name="tracklab-recovery", daemon=True).start()


def _say_stored(fd: int | None) -> None:
    if fd is None:
        return
    try:
        os.write(fd, b"stored\n")
        os.close(fd)
    except OSError:  # the training process is gone
        pass


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tracklab.backend.writer")
    parser.add_argument("folder")
    parser.add_argument("--tracking-uri", default=None)
    parser.add_argument("--parent-pid", type=int, default=None)
    parser.add_argument("--stored-fd", type=int, default=None,
                        help="a pipe to write one line to once the run is in the store")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    folder = RunFolder(args.folder)
    uri = location.resolve_tracking_uri(args.tracking_uri)
    _start_orphan_recovery(uri, folder.path)
    # The end of the run writes config.yaml: import yaml now, not while finish() waits.
    threading.Thread(target=_warm_imports, name="tracklab-imports", daemon=True).start()
    with writer_lock(folder):
        writer = RunWriter(folder, uri, parent_pid=args.parent_pid)
        try:
            state = writer.follow()
            # finish() waits on this, not on our exit: closing the store checkpoints the WAL
            # (up to ~80 MB, ~0.15 s) and needs nobody waiting.
            _say_stored(args.stored_fd)
        finally:
            writer.close()
    logger.info("tracklab writer: run %s ended (%s)", folder.path, state)
    return 0


if __name__ == "__main__":
    code = main()
    # The run is in the store: skip the interpreter's teardown (freeing the parser's and
    # pyarrow's memory, ~0.2 s), which `tracklab sync` right after finish() would wait for.
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)
