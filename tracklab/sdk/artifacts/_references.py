"""Reference entries: files that stay where they are (`file://`, `http(s)://`, and every scheme
MLflow's artifact repositories read: `s3://`, `gs://`, `wasbs://`, `hdfs://`, `mlflow-artifacts:/`,
`runs:/`, `models:/` ...). Only the URI and a checksum go into the manifest."""

from __future__ import annotations

import os
import posixpath
import shutil
import tempfile
import urllib.parse
import urllib.request

from tracklab.backend.artifact_store import _digest, _names
from tracklab.backend.artifact_store.manifest import ArtifactManifestEntry
from tracklab.sdk.artifacts import _artifact_refs


def entries_for(uri: str, name: str | None, checksum: bool, max_objects: int | None,
                tracking_uri: str | None = None) -> list[ArtifactManifestEntry]:
    """The manifest entries a reference to `uri` adds (one per file for `file://` folders);
    `wandb-artifact://` references resolve against `tracking_uri`."""
    parsed = urllib.parse.urlparse(uri)
    if parsed.scheme == _artifact_refs.SCHEME:
        return [_artifact_refs.entry_for(uri, name, tracking_uri or _default_tracking_uri())]
    if parsed.scheme == "file":
        return _file_entries(uri, urllib.parse.unquote(parsed.path), name, checksum, max_objects)
    if not parsed.scheme:
        raise ValueError(f"reference {uri!r} has no scheme; use file:///abs/path for local files")
    default = posixpath.basename(parsed.path.rstrip("/")) or parsed.netloc or "reference"
    entry_name = _names.entry_path(name or default)
    digest, size, extra = uri, None, {}
    if checksum and parsed.scheme in ("http", "https"):
        digest, size = _http_checksum(uri)
        if digest != uri:
            extra = {"etag": digest}
    return [ArtifactManifestEntry(path=entry_name, digest=digest, size=size, ref=uri, extra=extra)]


def _file_entries(uri: str, path: str, name: str | None, checksum: bool,
                  max_objects: int | None) -> list[ArtifactManifestEntry]:
    if os.path.isfile(path):
        files = [(path, name or os.path.basename(path))]
    elif os.path.isdir(path):
        files = []
        for base, dirs, names in os.walk(path):
            dirs.sort()
            for file_name in sorted(names):
                full = os.path.join(base, file_name)
                rel = os.path.relpath(full, path).replace(os.sep, "/")
                files.append((full, f"{name}/{rel}" if name else rel))
    else:
        raise ValueError(f"reference {uri!r}: no such file or directory")
    if max_objects is not None and len(files) > max_objects:
        raise ValueError(f"reference {uri!r} holds {len(files)} files, more than max_objects={max_objects}")
    entries = []
    for full, entry_name in files:
        ref = "file://" + urllib.parse.quote(os.path.abspath(full))
        digest = _digest.md5_file(full)[0] if checksum else ref
        entries.append(ArtifactManifestEntry(path=_names.entry_path(entry_name), digest=digest,
                                             size=os.path.getsize(full), ref=ref))
    return entries


def _http_checksum(uri: str) -> tuple[str, int | None]:
    """The ETag (else the URI) and size of an HTTP object, from the headers of a GET (the body is
    not read), as wandb takes them; `requests` when installed (it honours proxies), else urllib."""
    try:
        import requests
    except ImportError:
        requests = None
    try:
        if requests is not None:
            with requests.get(uri, stream=True, timeout=30) as response:
                response.raise_for_status()
                headers = response.headers
        else:
            with urllib.request.urlopen(uri, timeout=30) as response:
                headers = response.headers
    except (OSError, ValueError):  # requests' errors are OSErrors; a bad URL a ValueError
        return uri, None
    etag = (headers.get("ETag") or "").strip('"')
    length = headers.get("Content-Length")
    return (etag or uri), (int(length) if length else None)


def _default_tracking_uri() -> str:
    """The current run's store, else TrackLab's default store."""
    from tracklab.backend import location
    from tracklab.sdk import wandb_setup

    run = wandb_setup.current_run()
    return run.settings.tracking_uri if run is not None else location.resolve_tracking_uri()


def is_checksummed(entry: ArtifactManifestEntry) -> bool:
    """Whether the entry's digest is an MD5 of the referenced bytes (so it can be verified)."""
    if not entry.ref or entry.digest == entry.ref:
        return False
    if entry.ref.startswith(_artifact_refs.PREFIX):
        return _digest.is_md5(entry.digest)  # the target's digest: a URI when it is an unchecked reference
    return entry.ref.startswith("file://")


def fetch(entry: ArtifactManifestEntry, dst: str, tracking_uri: str | None = None) -> bool:
    """Copy the referenced bytes to `dst`; False when the reference is missing. `runs:/` and
    `models:/` references resolve against `tracking_uri`."""
    assert entry.ref is not None
    parsed = urllib.parse.urlparse(entry.ref)
    os.makedirs(os.path.dirname(dst) or ".", exist_ok=True)
    if parsed.scheme == _artifact_refs.SCHEME:
        return _artifact_refs.fetch(entry.ref, dst, tracking_uri or _default_tracking_uri())
    if parsed.scheme == "file":
        source = urllib.parse.unquote(parsed.path)
        if not os.path.isfile(source):
            return False
        if is_checksummed(entry):
            got, _ = _digest.copy_hashing(source, dst)
            if got != entry.digest:
                raise ValueError(f"referenced file {source!r} of entry {entry.path!r} changed since it was logged")
        else:
            shutil.copyfile(source, dst)
        return True
    if parsed.scheme in ("http", "https"):
        try:
            with urllib.request.urlopen(entry.ref, timeout=60) as response, open(dst, "wb") as out:
                shutil.copyfileobj(response, out, _digest.CHUNK)
        except OSError:
            return False
        return True
    import mlflow.artifacts

    with tempfile.TemporaryDirectory(prefix="tracklab-ref-", dir=os.path.dirname(dst)) as tmp:
        try:
            got = mlflow.artifacts.download_artifacts(artifact_uri=entry.ref, dst_path=tmp, tracking_uri=tracking_uri)
        except Exception:  # MLflow raises many kinds for missing or unreachable objects
            return False
        if os.path.isdir(got):
            shutil.copytree(got, dst, dirs_exist_ok=True)
        else:
            os.replace(got, dst)
    return True
