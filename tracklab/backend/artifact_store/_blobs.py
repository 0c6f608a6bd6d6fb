"""Content-addressed file store on a remote artifact store (`http://` tracking URIs).

Each distinct file is uploaded once, to `<objects root>/md5/<hh>/<rest>` (hex MD5), and every
version whose manifest lists that digest reads it from there. The objects root is
`mlflow-artifacts:/.tracklab-objects` when the server proxies artifacts (one store-wide
root), else `.tracklab-objects` under the experiment's artifact location (one per project).
"""

from __future__ import annotations

import os
import posixpath
import tempfile
import urllib.parse
from typing import Any

from tracklab.backend.artifact_store import _digest

OBJECTS_FOLDER = ".tracklab-objects"


def objects_root(experiment_location: str) -> str:
    """Where the blobs of an experiment whose artifact location is `experiment_location` go."""
    parsed = urllib.parse.urlparse(experiment_location)
    if parsed.scheme == "mlflow-artifacts":
        return urllib.parse.urlunparse(parsed._replace(path="/" + OBJECTS_FOLDER, query="", fragment=""))
    return f"{experiment_location.rstrip('/')}/{OBJECTS_FOLDER}"


def blob_path(digest: str) -> str:
    """The path of a blob under the objects root (`md5/<hh>/<rest>`)."""
    hexdigest = _digest.b64_to_hex(digest)
    return f"md5/{hexdigest[:2]}/{hexdigest[2:]}"


class RemoteObjects:
    """The blobs under one objects root, reached through MLflow's artifact repositories."""

    def __init__(self, root: str, tracking_uri: str) -> None:
        from mlflow.store.artifact.artifact_repository_registry import (
            get_artifact_repository,
        )

        self.root = root
        self._repo: Any = get_artifact_repository(root, tracking_uri=tracking_uri)
        self._listed: dict[str, dict[str, int | None]] = {}

    def has(self, digest: str, size: int | None) -> bool:
        """Whether the blob of `digest` is stored (with `size` bytes, when known)."""
        folder, name = posixpath.split(blob_path(digest))
        if folder not in self._listed:
            self._listed[folder] = {posixpath.basename(f.path): f.file_size
                                    for f in self._repo.list_artifacts(folder) if not f.is_dir}
        found = self._listed[folder]
        return name in found and (size is None or found[name] in (None, size))

    def put(self, digest: str, source: str) -> None:
        """Upload `source` as the blob of `digest` (callers check its digest first)."""
        folder, name = posixpath.split(blob_path(digest))
        with tempfile.TemporaryDirectory(prefix="tracklab-blob-") as tmp:
            named = os.path.join(tmp, name)  # MLflow names the upload after the local file
            try:
                os.link(source, named)
            except OSError:
                os.symlink(os.path.abspath(source), named)
            self._repo.log_artifact(named, folder)
        self._listed.setdefault(folder, {})[name] = os.path.getsize(source)

    def fetch(self, digest: str, dst: str) -> None:
        """Download the blob of `digest` to `dst`."""
        with tempfile.TemporaryDirectory(prefix="tracklab-fetch-", dir=os.path.dirname(dst) or None) as tmp:
            got = self._repo.download_artifacts(blob_path(digest), dst_path=tmp)
            os.replace(got, dst)
