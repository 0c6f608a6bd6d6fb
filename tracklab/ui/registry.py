"""Which UI server runs on which store: one small state file per store, checked against the
process and the server's own `/tracklab/api/info` answer before it is trusted."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import time
import urllib.request
from collections.abc import Iterator
from typing import Any

from tracklab.backend.liveness import process_alive as pid_alive
from tracklab.ui.spec import ServerSpec, address

STATE_FOLDER = "ui-servers"


def store_id(tracking_uri: str) -> str:
    """A stable id of a store that does not reveal its URI (which may hold a password)."""
    return hashlib.sha256(tracking_uri.encode()).hexdigest()[:16]


def _path(spec: ServerSpec, suffix: str) -> str:
    return os.path.join(spec.state_dir, STATE_FOLDER, store_id(spec.tracking_uri) + suffix)


@contextlib.contextmanager
def lock(spec: ServerSpec) -> Iterator[None]:
    """Held while deciding whether to start a server on the store (one start at a time)."""
    from tracklab.backend.store_setup import file_lock

    with file_lock(_path(spec, ".lock")):
        yield


def log_path(spec: ServerSpec) -> str:
    return _path(spec, ".log")


def record(spec: ServerSpec, pid: int, ready: bool) -> None:
    """Say that process `pid` serves the store at spec's address."""
    path = _path(spec, ".json")
    os.makedirs(os.path.dirname(path), exist_ok=True)
    data = {"pid": pid, "host": spec.host, "port": spec.port, "store_id": store_id(spec.tracking_uri),
            "ready": ready, "time": time.time()}
    tmp = f"{path}.{os.getpid()}.tmp"
    with open(tmp, "w") as handle:
        json.dump(data, handle)
    os.replace(tmp, path)


def clear(spec: ServerSpec, pid: int) -> None:
    """Forget the server of `pid` (another process's newer record is kept)."""
    entry = _read(spec)
    if entry and entry.get("pid") == pid:
        with contextlib.suppress(OSError):
            os.remove(_path(spec, ".json"))


def _read(spec: ServerSpec) -> dict[str, Any] | None:
    try:
        with open(_path(spec, ".json")) as handle:
            return json.load(handle)
    except (OSError, ValueError):
        return None




def find(spec: ServerSpec) -> dict[str, Any] | None:
    """The recorded server of the store if its process lives (not probed: cheap, for links)."""
    entry = _read(spec)
    if entry and pid_alive(entry.get("pid")):
        entry["url"] = address(entry["host"], entry["port"])
        return entry
    return None


def probe(host: str, port: int, timeout: float = 2.0) -> dict[str, Any] | None:
    """A TrackLab UI server's `/tracklab/api/info` at host:port, or None."""
    try:
        with urllib.request.urlopen(address(host, port) + "/tracklab/api/info", timeout=timeout) as response:
            data = json.loads(response.read())
    except Exception:
        return None
    return data if isinstance(data, dict) and data.get("app") == "tracklab" else None


def wait_serving(spec: ServerSpec, host: str, port: int, timeout: float, alive: Any = None) -> bool:
    """Wait until host:port answers as a UI on spec's store; False on timeout or if `alive()` turns false."""
    wanted = store_id(spec.tracking_uri)
    deadline = time.time() + timeout
    while time.time() < deadline:
        info = probe(host, port, timeout=1.0)
        if info and info.get("store_id") == wanted:
            return True
        if alive is not None and not alive():
            return False
        time.sleep(0.2)
    return False
