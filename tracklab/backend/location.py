"""Where data goes: the per-user TrackLab folder and the MLflow tracking URI."""

from __future__ import annotations

import os

DB_NAME = "mlflow.db"


def tracklab_dir(override: str | None = None) -> str:
    """The user's TrackLab folder (`TRACKLAB_DIR`, default `~/.tracklab`), absolute."""
    path = override or os.environ.get("TRACKLAB_DIR") or os.path.join(os.path.expanduser("~"), ".tracklab")
    return os.path.abspath(os.path.expanduser(path))


def default_tracking_uri(root: str | None = None) -> str:
    """The local SQLite store inside the TrackLab folder."""
    return "sqlite:///" + os.path.join(tracklab_dir(root), DB_NAME)


def resolve_tracking_uri(explicit: str | None = None, root: str | None = None) -> str:
    """`explicit`, else `TRACKLAB_TRACKING_URI`, else `MLFLOW_TRACKING_URI`, else the local store."""
    uri = explicit or os.environ.get("TRACKLAB_TRACKING_URI") or os.environ.get("MLFLOW_TRACKING_URI")
    if not uri:
        return default_tracking_uri(root)
    if "://" not in uri and not uri.startswith("sqlite:"):
        # A bare path names a store folder, as `tracklab ui --store DIR` does.
        return default_tracking_uri(uri)
    return uri


def sqlite_path(uri: str) -> str | None:
    """The database file of a `sqlite:///` URI, else None."""
    if not uri.startswith("sqlite:///"):
        return None
    return uri[len("sqlite:///"):] if uri.startswith("sqlite:////") else uri[len("sqlite:///"):]


def artifact_root_for(uri: str, root: str | None = None) -> str:
    """The artifact root beside a local SQLite store, or inside the TrackLab folder otherwise."""
    db = sqlite_path(uri)
    base = os.path.dirname(os.path.abspath(db)) if db else tracklab_dir(root)
    return os.path.join(base, "artifacts")


def runs_dir(root: str | None = None) -> str:
    """Where run folders (run log, files) live."""
    return os.path.join(tracklab_dir(root), "runs")


def is_remote(uri: str) -> bool:
    """Whether a tracking URI is an MLflow server (which picks artifact locations itself)."""
    return uri.startswith(("http://", "https://", "databricks"))


# Set by `mlflow server --artifacts-destination` in its workers: where `mlflow-artifacts:/` lives.
SERVED_ARTIFACTS_ENV = "_MLFLOW_SERVER_ARTIFACT_DESTINATION"


def local_path(uri: str | None) -> str | None:
    """The local path of a `file://` URI or an absolute path, else None (a remote location).

    `file://` URIs are URL-decoded (MLflow writes `file:///a%20b` for `/a b`); a plain path is
    taken as it is (TrackLab's own experiment locations). Inside a tracking server whose
    artifact destination is a local folder, `mlflow-artifacts:/x` is that folder's `x`: the
    plugin's routes read what the server stores without asking the server over HTTP."""
    if not uri:
        return None
    if uri.startswith("mlflow-artifacts:"):
        return _served_artifact_path(uri)
    if uri.startswith("file://"):
        from urllib.parse import unquote, urlparse

        return unquote(urlparse(uri).path)
    return uri if os.path.isabs(uri) else None


def _served_artifact_path(uri: str) -> str | None:
    from urllib.parse import unquote, urlparse

    destination = os.environ.get(SERVED_ARTIFACTS_ENV, "")
    if not destination or destination.startswith("mlflow-artifacts:"):
        return None
    if "://" not in destination:
        destination = os.path.abspath(destination)
    root = local_path(destination)
    parsed = urlparse(uri)
    if root is None or parsed.netloc:  # an object store, or another server's artifacts
        return None
    path = os.path.normpath(os.path.join(root, unquote(parsed.path).lstrip("/")))
    return path if path == os.path.normpath(root) or path.startswith(os.path.join(os.path.normpath(root), "")) else None
