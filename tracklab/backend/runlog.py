"""The append-only run log: every record a run produces lands here first (like wandb's run
file), so nothing is lost when the training process or the store goes away.

One record per line: a one-letter kind, then JSON. The training process appends lines to an
in-memory queue and a background thread writes them to the file every `FLUSH_INTERVAL`
seconds, so `log()` never waits on disk and a SIGKILL loses at most that interval.

This module is the contract between the two sides: `RunLogWriter.write_*` encode each record
kind (the Run never sees a prefix or a layout), and readers decode a record's payload with the
matching type (`decode_header`, `ExitRecord.decode`, `FileRecord.decode`, `SystemSample.decode`).
"""

from __future__ import annotations

import collections
import json
import logging
import os
import re
import threading
from dataclasses import dataclass
from typing import Any, Iterator, Mapping, NotRequired, Required, TypedDict

logger = logging.getLogger("tracklab")

LOG_NAME = "run.tlog"
FLUSH_INTERVAL = 0.2
#: While the run log cannot be written, at most this much waits in memory (RunLogWriter).
MAX_HELD_BYTES = 64 * 1024 * 1024
#: Room a live run keeps on its run log's disk for the end of the run (RunLogWriter).
END_RESERVE = 16 * 1024

# Record kinds.
HEADER = "r"      # run identity and start of a session (resumes add one each)
HISTORY = "h"     # one committed history row (flattened keys, `_step`, `_timestamp`, `_runtime`)
CONFIG = "c"      # the whole config after a change
SUMMARY = "s"     # the whole summary after a change
METRIC = "m"      # a define_metric definition
UPDATE = "u"      # run attribute changes (name, notes, tags, ...)
FILE = "f"        # a file to upload: {"path": relative to files dir, "policy": ...}
SYSTEM = "y"      # one system-metrics sample
EXIT = "x"        # end of a session: {"exit_code", "state", "time"}


class RunHeader(TypedDict, total=False):
    """Record `HEADER`: who the run is, written at the start of every session. A resumed
    session writes a new one; readers merge them (`{**earlier, **later}`)."""

    id: Required[str]  # the wandb run id
    mlflow_run_id: str | None  # chosen by the training process for the local store
    project: Required[str]
    entity: str
    name: str | None
    notes: str | None
    tags: list[str]
    group: str | None
    job_type: str | None
    sweep_id: str | None
    start_time: Required[float]
    resumed: bool
    mode: str  # "online" or "offline"
    files_dir: str
    pid: int | None
    user: str | None
    program: str | None
    parent_run_id: NotRequired[str]  # a sweep trial nested under its sweep's MLflow run
    git_commit: NotRequired[str]  # merged in by readers from an `UPDATE`
    imported_from: NotRequired[str]  # the wandb run file `tracklab import-wandb` read


def decode_header(payload: Mapping[str, Any]) -> RunHeader:
    """A header record as read back; ValueError when it lacks what every header has."""
    missing = [key for key in ("id", "project", "start_time") if key not in payload]
    if missing:
        raise ValueError(f"run log header record without {', '.join(missing)}: {dict(payload)!r}")
    return RunHeader(**payload)  # type: ignore[typeddict-item]


@dataclass(frozen=True)
class ExitRecord:
    """Record `EXIT`: the end of a session."""

    exit_code: int = 0
    state: str = "finished"  # "finished", "failed" or "killed"
    time: float | None = None  # None only in logs written without one

    def encode(self) -> dict[str, Any]:
        return {"exit_code": self.exit_code, "state": self.state, "time": self.time}

    @classmethod
    def decode(cls, payload: Mapping[str, Any]) -> "ExitRecord":
        return cls(int(payload.get("exit_code") or 0), payload.get("state") or "finished", payload.get("time"))


@dataclass(frozen=True)
class FileRecord:
    """Record `FILE`: a file of the run's files folder to upload, by wandb's save policy."""

    path: str  # relative to the files folder
    policy: str | None = "now"  # "now", "live" or "end"

    def encode(self) -> dict[str, Any]:
        return {"path": self.path, "policy": self.policy}

    @classmethod
    def decode(cls, payload: Mapping[str, Any]) -> "FileRecord":
        return cls(payload["path"], payload.get("policy"))


@dataclass(frozen=True)
class SystemSample:
    """Record `SYSTEM`: one sample of the system metrics."""

    timestamp: float
    metrics: dict[str, float]

    def encode(self) -> dict[str, Any]:
        return {"t": self.timestamp, "m": self.metrics}

    @classmethod
    def decode(cls, payload: Mapping[str, Any]) -> "SystemSample":
        return cls(payload["t"], payload["m"])


_encoder = json.JSONEncoder(separators=(",", ":"), allow_nan=True, check_circular=False, default=str)
encode = _encoder.encode


_FAST_ROW_TYPES = frozenset((float, int, str, bool, type(None)))
_dumps: Any = None


def encode_row(row: dict[str, Any]) -> str:
    """A history row as one JSON line that reads back as `encode`'s does, ~5x faster for rows of
    plain values (the encoder was two thirds of `log()`). orjson takes rows whose values are
    exactly those types; what it cannot write as `encode` does goes to `encode`: NaN and inf
    (orjson writes them as null, so any null does), integers past 64 bits, lone surrogates."""
    global _dumps
    if set(map(type, row.values())) <= _FAST_ROW_TYPES:
        if _dumps is None:
            from orjson import dumps as _dumps
        try:
            data = _dumps(row)
        except TypeError:
            return encode(row)
        if b"null" not in data:
            return data.decode()
    return encode(row)


_parse: Any = None


def _record_parser() -> Any:
    """The parser of record lines: orjson (5x faster; the writer parses a million rows a run),
    falling back to the standard parser for what strict JSON lacks (NaN, Infinity, integers
    past 64 bits, lone surrogates). Imported on first read: training processes only write."""
    global _parse
    if _parse is None:
        from orjson import loads as fast

        def parse(text: str) -> Any:
            try:
                return fast(text)
            except ValueError:
                return json.loads(text)

        _parse = parse
    return _parse


class RunLogWriter:
    """Appends records to a run log from any thread; a daemon thread writes them out.

    A write that fails (a full disk, a folder made read-only) never raises into training: the
    records wait in memory (up to MAX_HELD_BYTES, then the newest are dropped and counted) and
    go out first once writing works again. A record cut short by the failure is cut off the
    file, so the log stays whole records only. `on_fault` callbacks hear of each new fault.
    """

    def __init__(self, path: str, flush_interval: float = FLUSH_INTERVAL, reserve: int = 0) -> None:
        self.path = path
        self._fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        self._reserve = _Reserve(path + ".reserve", reserve) if reserve else None
        self._exit_line: bytes | None = None
        self.exit_written = False
        self._queue: collections.deque[str] = collections.deque()
        self._lock = threading.Lock()
        self._closed = threading.Event()
        self._interval = flush_interval
        self._before_flush: list = []
        self._pid = os.getpid()
        self._held: collections.deque[bytes] = collections.deque()  # whole records a write failed on
        self._held_bytes = 0
        self._on_fault: list = []
        #: The error the last write failed with; None while writing works.
        self.fault: OSError | None = None
        #: History rows dropped while the log could not be written and memory held MAX_HELD_BYTES.
        self.dropped_rows = 0
        self._thread = threading.Thread(target=self._run, name="tracklab-runlog", daemon=True)
        self._thread.start()

    def append(self, kind: str, payload: Any) -> None:
        """Queue one record (encoded now, written within the flush interval)."""
        self._queue.append(kind + encode(payload) + "\n")

    # -- one writer per record kind: what the Run writes ----------------------------------
    def write_header(self, header: RunHeader) -> None:
        self.append(HEADER, header)

    def write_row(self, row: dict[str, Any]) -> None:
        """One committed history row (the hot path of `log`: one call, one encode)."""
        self._queue.append(HISTORY + encode_row(row) + "\n")

    def write_config(self, config: Mapping[str, Any]) -> None:
        """The whole config after a change."""
        self.append(CONFIG, dict(config))

    def write_summary(self, summary: Mapping[str, Any]) -> None:
        """The whole summary after a change."""
        self.append(SUMMARY, summary)

    def write_metric(self, definition: Mapping[str, Any]) -> None:
        """A `define_metric` definition (`Metric.as_record()`)."""
        self.append(METRIC, definition)

    def write_update(self, changes: Mapping[str, Any]) -> None:
        """Run attributes changed during the run (name, notes, tags, git_commit, preempting)."""
        self.append(UPDATE, changes)

    def write_file(self, record: FileRecord) -> None:
        self.append(FILE, record.encode())

    def write_system(self, sample: SystemSample) -> None:
        self.append(SYSTEM, sample.encode())

    def write_exit(self, record: ExitRecord) -> None:
        line = EXIT + encode(record.encode()) + "\n"
        self._exit_line = line.encode("utf-8")
        self._queue.append(line)

    def on_flush(self, callback) -> None:
        """Call `callback()` before each flush (it may append records)."""
        self._before_flush.append(callback)

    def on_fault(self, callback) -> None:
        """Call `callback(error)` when writing starts failing (again, or with another error)."""
        self._on_fault.append(callback)

    def held_rows(self) -> int:
        """History rows waiting in memory because the log could not be written."""
        return sum(_count_rows(chunk) for chunk in self._held)

    def flush(self) -> None:
        """Write every queued record to the file now (held back in memory when that fails)."""
        with self._lock:
            if self._fd < 0 or os.getpid() != self._pid:
                return
            for callback in self._before_flush:
                try:
                    callback()
                except Exception:  # a hook must never stop the log from reaching disk
                    logger.exception("tracklab: run log flush hook failed")
            queue = self._queue
            count = len(queue)
            if count:
                data = "".join([queue.popleft() for _ in range(count)]).encode("utf-8", "surrogatepass")
                self._held.append(data)
                self._held_bytes += len(data)
            while self._held:
                if not self._write(self._held[0]):
                    self._drop_newest()
                    return
                self._held_bytes -= len(self._held.popleft())
            self.fault = None

    def _write(self, data: bytes) -> bool:
        """Write whole records; on failure keep the unwritten records first in `_held`."""
        view = memoryview(data)
        try:
            while view:
                view = view[os.write(self._fd, view):]
            return True
        except OSError as exc:
            written = len(data) - len(view)
            cut = data.rfind(b"\n", 0, written) + 1  # past the last whole record written
            if cut < written:
                try:  # a record cut short would join the next one into one damaged line
                    os.ftruncate(self._fd, os.fstat(self._fd).st_size - (written - cut))
                except OSError:
                    pass
            self._held[0] = data[cut:]
            self._held_bytes -= cut
            if self.fault is None or self.fault.errno != exc.errno:
                for callback in self._on_fault:
                    try:
                        callback(exc)
                    except Exception:  # a hook must never break the log
                        logger.debug("tracklab: run log fault hook failed", exc_info=True)
            self.fault = exc
            return False

    def _end_in_reserve(self) -> None:
        """A full disk at the end: what could not be written is lost, but the run's end is not.
        The room reserved at the start takes the exit record, so the writer (and `tracklab
        sync`) end the run with its real state instead of "killed"."""
        with self._lock:
            if self._fd < 0 or os.getpid() != self._pid:
                return
            self._reserve.release()
            for chunk in self._held:
                self.dropped_rows += _count_rows(chunk)
            self._held.clear()
            self._held.append(self._exit_line)
            self._held_bytes = len(self._exit_line)
            if self._write(self._exit_line):
                self._held.clear()
                self._held_bytes = 0

    def _drop_newest(self) -> None:
        while self._held_bytes > MAX_HELD_BYTES and len(self._held) > 1:
            chunk = self._held.pop()
            self._held_bytes -= len(chunk)
            self.dropped_rows += _count_rows(chunk)

    def _run(self) -> None:
        while not self._closed.wait(self._interval):
            try:
                self.flush()
            except Exception:  # flush hooks are guarded; this is a last resort for the thread
                logger.debug("tracklab: could not write the run log %s", self.path, exc_info=True)

    def close(self) -> None:
        """Flush, fsync and close; idempotent."""
        if self._closed.is_set():
            return
        self._closed.set()
        if threading.current_thread() is not self._thread:
            self._thread.join(timeout=5)
        self.flush()
        if self.fault is not None and self._exit_line is not None and self._reserve is not None:
            self._end_in_reserve()
        if self._reserve is not None:
            self._reserve.release()
        #: Whether the run's end (write_exit) reached the file; else the writer is told directly.
        self.exit_written = self._exit_line is not None and not self._held
        with self._lock:
            if self._fd >= 0 and os.getpid() == self._pid:
                try:
                    os.fsync(self._fd)
                except OSError:  # a full disk: what could not be written is counted by held_rows()
                    pass
                finally:
                    os.close(self._fd)
            self._fd = -1

    def abandon(self) -> None:
        """In a forked child: drop the queue and never write (the parent owns the log)."""
        self._queue = collections.deque()
        self._closed.set()
        self._fd = -1


class _Reserve:
    """A few blocks taken on the run log's disk at the start, given back at the end so the run's
    end still fits when the disk filled up meanwhile."""

    def __init__(self, path: str, size: int) -> None:
        self.path: str | None = path
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
            try:
                os.posix_fallocate(fd, 0, size)
            finally:
                os.close(fd)
        except OSError:  # no room even for that: nothing reserved
            self.release()

    def release(self) -> None:
        if self.path is not None:
            try:
                os.remove(self.path)
            except OSError:
                pass
            self.path = None


def _count_rows(chunk: bytes) -> int:
    """History records in a run of whole records."""
    return chunk.count(b"\n" + HISTORY.encode()) + chunk.startswith(HISTORY.encode())


def read_records(path: str, offset: int = 0, max_bytes: int | None = None) -> tuple[list[tuple[str, Any]], int]:
    """Complete records from `offset` on, and the offset just past the last one read.

    A trailing line without its newline (a write in progress) is left for the next call.
    """
    records, _, new_offset = read_chunk(path, offset, max_bytes)
    return records, new_offset


_LONG_DIGITS = re.compile(r"\d{20}")  # 2**64 has 20 digits; orjson keeps smaller integers exact


def read_chunk(path: str, offset: int = 0,
               max_bytes: int | None = None) -> tuple[list[tuple[str, Any]], list[str], int]:
    """Like `read_records`, plus the JSON text of each history record read (in order)."""
    records: list[tuple[str, Any]] = []
    history_texts: list[str] = []
    with open(path, "rb") as handle:
        handle.seek(offset)
        data = handle.read() if max_bytes is None else handle.read(max_bytes)
    end = data.rfind(b"\n")
    if end < 0:
        return records, history_texts, offset
    keep_text = history_texts.append
    parse = _record_parser()
    text = data[: end + 1].decode("utf-8", "surrogatepass")
    # orjson reads integers past 64 bits as floats (2**70 -> 1.18e21) without an error; a line
    # with 20 digits in a row may hold one, and goes to the exact parser. One scan of the chunk
    # first keeps the per-line check off ordinary chunks.
    long_numbers = _LONG_DIGITS.search(text) is not None
    for line in text.splitlines():
        if not line:
            continue
        body = line[1:]
        try:
            if long_numbers and _LONG_DIGITS.search(body):
                records.append((line[0], json.loads(body)))
            else:
                records.append((line[0], parse(body)))
        except ValueError:
            logger.warning("tracklab: skipping a damaged record in %s", path)
            continue
        if line[0] == HISTORY:
            keep_text(body)
    return records, history_texts, offset + end + 1


def iter_all_records(path: str) -> Iterator[tuple[str, Any]]:
    """Every complete record of a run log."""
    records, _ = read_records(path)
    yield from records
