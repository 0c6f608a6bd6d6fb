"""Which store a UI server shows and where it listens."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass

from tracklab.backend import location
from tracklab.errors import UsageError

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
