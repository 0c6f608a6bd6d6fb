"""The bulk form of a writer batch: fixed-width point records, and the request body that
carries them to the server plugin's bulk route.

MLflow's REST `log-batch` takes 1,000 metrics as JSON objects per call; a training run of
1,000,000 points is 1,000 calls, each parsed and inserted row by row. Here a batch's points
travel as one array of 29-byte records (key index, value, timestamp, step, is_nan), built
and checked with numpy on both sides, so the server spends its time in the database, not in
Python. Body layout (little-endian):

    b"TLB1"  uint32 header length  header (UTF-8 JSON)  records (header["points"] x 29 bytes)

The header holds the run id, the key names the records index, params, tags, the run name and the
batch's nonce (two batches with the same content are two writes; a retry of one is not).
The idempotency key of a body is a hash of its bytes: a body sent again (an answer lost) has the
same key, and the server stores it once. A writer restarted on the same chunk sends a new batch;
the store skips the points it already holds, and params and tags are set to the same values.
"""

from __future__ import annotations

import hashlib
import json
import re
import struct
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from tracklab.backend import mapping
from tracklab.backend.store import Batch

# GET ROUTE: what the server takes; POST BATCHES_ROUTE?run_id=ID: a body. Under MLflow's /api/ so
# that MLflow's CORS guard, which covers /api/ and /ajax-api/ paths only, covers them too; fixed
# paths (the run in the query) so MLflow's auth app can hold a permission check for them.
ROUTE = "/api/2.0/tracklab/bulk/v1"
BATCHES_ROUTE = ROUTE + "/batches"
IDEMPOTENCY_HEADER = "Idempotency-Key"
KEYS_TAG = mapping.TAG_BULK_KEYS  # the last idempotency keys a run's batches were stored under
KEYS_KEPT = 32
MAGIC = b"TLB1"
VERSION = 1
RECORD = np.dtype([("key", "<i4"), ("value", "<f8"), ("timestamp", "<i8"), ("step", "<i8"), ("is_nan", "u1")])
# One request stays well under the server's limit; a writer chunk (~150,000 points) is one body.
MAX_POINTS_PER_BODY = 500_000
MAX_BODY_BYTES = 64 * 1024 * 1024
MAX_HEADER_BYTES = 8 * 1024 * 1024
_IDEMPOTENCY_KEY = re.compile(r"^[0-9a-zA-Z_.:-]{8,128}$")


class BulkPayloadError(ValueError):
    """A body the route refuses; the message says what is wrong, `status` the HTTP answer."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


def seen_keys(tag_value: str | None) -> list[str]:
    """The idempotency keys recorded in a run's KEYS_TAG."""
    try:
        keys = json.loads(tag_value) if tag_value else []
    except ValueError:
        return []
    return keys if isinstance(keys, list) else []


def with_key(tag_value: str | None, key: str) -> str:
    """KEYS_TAG's new value once a batch with `key` is stored (the last KEYS_KEPT keys: only a
    batch sent again right after a lost answer, or by a restarted writer, comes back)."""
    return json.dumps([*seen_keys(tag_value), key][-KEYS_KEPT:])


@dataclass
class BulkBatch:
    """A decoded body: points as records over `keys`, plus the run's params, tags and name."""

    run_id: str
    keys: list[str]
    records: np.ndarray
    params: dict[str, str] = field(default_factory=dict)
    tags: dict[str, str] = field(default_factory=dict)
    run_name: str | None = None

    def latest(self) -> list[tuple[str, float, int, int, bool]]:
        """Per key, MLflow's latest_metrics candidate: the max of (step, timestamp, value)."""
        return latest_points(self.keys, self.records)


def records_of(batch: Batch) -> tuple[list[str], np.ndarray]:
    """A batch's points (history and system) as (key names, records); NaN values stored as
    0.0 with is_nan set, as MLflow stores them."""
    keys: list[str] = []
    index: dict[str, int] = {}
    parts: list[np.ndarray] = []
    history = batch.history
    if history.by_key:
        steps = np.frombuffer(history.steps, dtype=np.int64)
        times = np.frombuffer(history.times, dtype=np.int64)
        for key, (rows, values) in history.by_key.items():
            if not rows:
                continue
            row_numbers = np.frombuffer(rows, dtype=np.int64)
            number = index.get(key)
            if number is None:
                number = index[key] = len(keys)
                keys.append(key)
            part = np.empty(len(row_numbers), dtype=RECORD)
            part["key"] = number
            part["value"] = np.frombuffer(values, dtype=np.float64)
            part["timestamp"] = times[row_numbers]
            part["step"] = steps[row_numbers]
            part["is_nan"] = 0
            parts.append(part)
    loose = [*history.odd, *batch.system]
    if loose:
        part = np.empty(len(loose), dtype=RECORD)
        for i, (key, value, ts, step, is_nan) in enumerate(loose):
            number = index.get(key)
            if number is None:
                number = index[key] = len(keys)
                keys.append(key)
            part[i] = (number, 0.0 if is_nan else value, ts, step, 1 if is_nan else 0)
        parts.append(part)
    records = np.concatenate(parts) if parts else np.empty(0, dtype=RECORD)
    return keys, records


def latest_points(keys: list[str], records: np.ndarray) -> list[tuple[str, float, int, int, bool]]:
    """Per key, the record MLflow keeps in latest_metrics: the max of (step, timestamp, value)."""
    if not len(records):
        return []
    order = np.lexsort((records["value"], records["timestamp"], records["step"], records["key"]))
    ordered = records[order]
    last = np.flatnonzero(np.diff(ordered["key"], append=np.int32(-1)) != 0)  # the last row of each key
    return [(keys[int(r["key"])], float(r["value"]), int(r["timestamp"]), int(r["step"]), bool(r["is_nan"]))
            for r in ordered[last]]


def encode(run_id: str, batch: Batch) -> list[bytes]:
    """A batch as request bodies (one unless it holds more than MAX_POINTS_PER_BODY points;
    params, tags and the run name ride with the last, so they land after the points)."""
    keys, records = records_of(batch)
    bodies = []
    starts = range(0, max(len(records), 1), MAX_POINTS_PER_BODY)
    for start in starts:
        part = records[start:start + MAX_POINTS_PER_BODY]
        header: dict[str, Any] = {"v": VERSION, "run_id": run_id, "keys": keys, "points": len(part)}
        if start == starts[-1]:
            header.update(params=batch.params, tags={k: mapping.tag_value(v) for k, v in batch.tags.items()},
                          run_name=batch.run_name, nonce=batch.nonce)
        text = json.dumps(header, ensure_ascii=False, allow_nan=False).encode("utf-8")
        bodies.append(b"".join((MAGIC, struct.pack("<I", len(text)), text, part.tobytes())))
    return bodies


def idempotency_key(body: bytes) -> str:
    """The body's key: the same bytes always give the same key."""
    return hashlib.blake2b(body, digest_size=16).hexdigest()


def check_idempotency_key(key: str | None) -> str:
    if not key or not _IDEMPOTENCY_KEY.match(key):
        raise BulkPayloadError(f"the Idempotency-Key header is missing or malformed ({key!r}): "
                               "8-128 characters of [0-9a-zA-Z_.:-]")
    return key


def decode(body: bytes, run_id: str) -> BulkBatch:
    """Parse and check a body for run `run_id`; BulkPayloadError says what is wrong."""
    if len(body) > MAX_BODY_BYTES:
        raise BulkPayloadError(f"the body has {len(body)} bytes, over the limit of {MAX_BODY_BYTES}", status=413)
    if len(body) < 8 or body[:4] != MAGIC:
        raise BulkPayloadError("not a TrackLab bulk body (it must start with b'TLB1' and a header length)")
    (header_length,) = struct.unpack_from("<I", body, 4)
    if header_length > MAX_HEADER_BYTES or 8 + header_length > len(body):
        raise BulkPayloadError(f"truncated body: its header claims {header_length} bytes, "
                               f"{max(len(body) - 8, 0)} follow")
    try:
        header = json.loads(body[8:8 + header_length].decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise BulkPayloadError(f"the body's header is not valid JSON ({exc})") from None
    if not isinstance(header, dict) or header.get("v") != VERSION:
        raise BulkPayloadError(f"unsupported bulk body version {header.get('v') if isinstance(header, dict) else None!r}"
                               f" (this server reads version {VERSION})")
    if header.get("run_id") != run_id:
        raise BulkPayloadError(f"the body is for run {header.get('run_id')!r}, sent to run {run_id!r}")
    count = header.get("points")
    data = body[8 + header_length:]
    if not isinstance(count, int) or count < 0 or len(data) != count * RECORD.itemsize:
        raise BulkPayloadError(f"truncated or oversized body: {count!r} points need "
                               f"{count * RECORD.itemsize if isinstance(count, int) else '?'} bytes of records, "
                               f"{len(data)} follow")
    keys = _strings(header.get("keys", []), "keys")
    for key in keys:
        _check_key(key, "metric")
    records = np.frombuffer(data, dtype=RECORD)
    if count:
        _check_records(records, len(keys))
    params = _string_map(header.get("params") or {}, "params", mapping.MAX_PARAM_VALUE_LENGTH)
    tags = _string_map(header.get("tags") or {}, "tags", mapping.MAX_TAG_VALUE_LENGTH)
    run_name = header.get("run_name")
    if run_name is not None and (not isinstance(run_name, str) or len(run_name) > 250):
        raise BulkPayloadError(f"run_name must be a string of at most 250 characters, got {run_name!r:.80}")
    return BulkBatch(run_id, keys, records, params, tags, run_name)


def _strings(value: Any, what: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise BulkPayloadError(f"{what} must be a list of strings")
    return value


def _check_key(key: str, what: str) -> None:
    if not mapping.is_valid_mlflow_key(key):
        raise BulkPayloadError(f"invalid {what} key {key!r:.260}: MLflow keys are at most {mapping.MAX_KEY_LENGTH} "
                               "characters of letters, digits, _ - . space : /, as a normalised path")


def _string_map(value: Any, what: str, limit: int) -> dict[str, str]:
    if not isinstance(value, dict):
        raise BulkPayloadError(f"{what} must be an object of strings")
    for key, text in value.items():
        _check_key(key, what[:-1])
        if not isinstance(text, str) or len(text) > limit:
            raise BulkPayloadError(f"{what[:-1]} {key!r}: the value must be a string of at most {limit} characters")
    return value


def _check_records(records: np.ndarray, key_count: int) -> None:
    keys = records["key"]
    if int(keys.min()) < 0 or int(keys.max()) >= key_count:
        raise BulkPayloadError(f"a record names key number {int(keys.max()) if keys.max() >= key_count else int(keys.min())}"
                               f", but the body lists {key_count} keys")
    values = records["value"]
    bad = ~np.isfinite(values)
    if bad.any():
        raise BulkPayloadError(f"value {float(values[bad][0])!r} of key {int(keys[bad][0])}: metric values are "
                               "finite (NaN travels as 0.0 with is_nan=1, infinities clamped to +-1.797e308)")
    if int(records["timestamp"].min()) < 0:
        raise BulkPayloadError("timestamps are milliseconds since the epoch, never negative")
    if int(records["is_nan"].max()) > 1:
        raise BulkPayloadError("is_nan is 0 or 1")

