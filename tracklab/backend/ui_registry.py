"""The UI address registry: which `tracklab ui` server shows which store and where it listens.

`ServerSpec` names a server (its store and address); one small state file per store records the
running server, checked against the process and the server's own `/tracklab/api/info` answer
before it is trusted. Run links (`backend/links.py`) read it; the launcher (`tracklab/ui`)
writes it; the plugin (`mlflow_plugins`) answers with `store_id`.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from tracklab.backend import location
from tracklab.backend.liveness import process_alive as pid_alive
from tracklab.errors import UsageError

# The store a UI server shows, handed to the `mlflow server` process (read by the plugin's app).
TRACKING_URI_ENV = "TRACKLAB_UI_TRACKING_URI"
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 5000
DEFAULT_WORKERS = 1  # one uvicorn process; Flask requests run in its thread pool


@dataclass
class ServerSpec:
    """A UI server: the MLflow store it serves and its address."""

    tracking_uri: str
    artifact_root: str
    host: str = DEFAULT_HOST
    port: int = DEFAULT_PORT
    workers: int = DEFAULT_WORKERS

    @property
    def url(self) -> str:
        return address(self.host, self.port)

    @property
    def db_path(self) -> str | None:
        return location.sqlite_path(self.tracking_uri)

    @property
    def run_root(self) -> str | None:
        """The TrackLab folder whose run folders log to this store (None: the default one)."""
        db = self.db_path
        if db and os.path.basename(db) == location.DB_NAME:
            return os.path.dirname(os.path.abspath(db))
        return None

    @property
    def state_dir(self) -> str:
        """Where the server's state file and log live: beside a SQLite store, else the TrackLab folder."""
        db = self.db_path
        return os.path.dirname(os.path.abspath(db)) if db else location.tracklab_dir()


def address(host: str, port: int) -> str:
    """The URL a browser on this machine uses for a server bound to host:port."""
    if host in ("0.0.0.0", "", "::"):
        host = "127.0.0.1"
    if ":" in host and not host.startswith("["):
        host = f"[{host}]"
    return f"http://{host}:{port}"


def spec_for(store: str | None = None, tracking_uri: str | None = None, host: str = DEFAULT_HOST,
             port: int = DEFAULT_PORT, workers: int = DEFAULT_WORKERS) -> ServerSpec:
    """The server for `--store DIR`, `--tracking-uri URI`, or the default local store."""
    if store and tracking_uri:
        raise UsageError("give either --store or --tracking-uri, not both")
    if store:
        uri = location.default_tracking_uri(os.path.abspath(os.path.expanduser(store)))
    else:
        uri = location.resolve_tracking_uri(tracking_uri)
    if uri.startswith(("http://", "https://")):
        raise UsageError(f"{uri} is already an MLflow server: open it in a browser (TrackLab's panels are at "
                         f"{uri.rstrip('/')}/tracklab/ when it runs with --app-name tracklab)")
    db = location.sqlite_path(uri)
    if db:
        db = os.path.abspath(os.path.expanduser(db))
        uri = "sqlite:///" + db
    return ServerSpec(tracking_uri=uri, artifact_root=location.artifact_root_for(uri), host=host, port=port,
                      workers=max(1, workers))


def printable_uri(uri: str) -> str:
    """A tracking URI with any password hidden."""
    return re.sub(r"(//[^/:@]+):[^/@]*@", r"\1:***@", uri)


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
