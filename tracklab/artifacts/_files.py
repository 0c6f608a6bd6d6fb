"""The files of a version, in its LoggedModel's artifact folder.

Every version folder holds all of its files under their entry paths plus
`tracklab-manifest.json`, so plain MLflow users can download `models:/<name>/<n>`.
On a local store each distinct file is kept once in `<artifact root>/.tracklab-objects`
(by MD5) and version folders hard-link to it: identical bytes across versions and runs
take disk space once. Remote stores get the files uploaded through MLflow.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from typing import Any

from tracklab.artifacts import _cache, _digest, _names, _store
from tracklab.artifacts.manifest import ArtifactManifest, ArtifactManifestEntry


class VersionFiles:
    """Write and read version folders of one tracking URI."""

    def __init__(self, tracking_uri: str) -> None:
        self.tracking_uri = tracking_uri
        self.objects = _store.objects_root(tracking_uri)

    # -- writing -----------------------------------------------------------------------------
    def store(self, model: Any, manifest: ArtifactManifest, sources: dict[str, str],
              trusted: set[str]) -> None:
        """Put the files of `manifest` (read from `sources`: entry path -> local file) and the
        manifest into LoggedModel `model`'s folder. Sources not in `trusted` are re-hashed."""
        folder = _store.local_path(model.artifact_location)
        manifest_json = json.dumps(manifest.to_manifest_json(), indent=1)
        if folder is not None:
            for entry in manifest:
                if entry.ref is None:
                    obj = self._object(entry.digest, sources[entry.path], entry.path in trusted)
                    _cache.link_or_copy(obj, _names.safe_join(folder, entry.path))
            os.makedirs(folder, exist_ok=True)
            with open(os.path.join(folder, _names.RESERVED_ENTRY), "w") as handle:
                handle.write(manifest_json)
            return
        with tempfile.TemporaryDirectory(prefix="tracklab-upload-") as staging:
            for entry in manifest:
                if entry.ref is None:
                    _link_or_symlink(sources[entry.path], _names.safe_join(staging, entry.path))
            with open(os.path.join(staging, _names.RESERVED_ENTRY), "w") as handle:
                handle.write(manifest_json)
            _store.client(self.tracking_uri).log_model_artifacts(model.model_id, staging)

    def _object(self, digest: str, source: str, trusted: bool) -> str:
        """The one stored copy of `digest` (put there from `source` if new) to link versions to."""
        if self.objects is None:  # a local artifact root without an object store: link the source
            if not trusted:
                _check(digest, _digest.md5_file(source)[0], source)
            return source
        hexdigest = _digest.b64_to_hex(digest)
        path = os.path.join(self.objects, "md5", hexdigest[:2], hexdigest[2:])
        if os.path.exists(path):
            return path
        if trusted:
            _cache.link_or_copy(source, path)
            return path
        got, _ = _digest.copy_hashing(source, path, label=f"storing {os.path.basename(source)}")
        if got != digest:
            os.unlink(path)
        _check(digest, got, source)
        return path

    def remove(self, location: str, manifest: ArtifactManifest) -> None:
        """Delete a version folder of a local store, and the objects no other folder links to
        (with their cache copies, which are the same file)."""
        folder = _store.local_path(location)
        if folder is None:
            return
        shutil.rmtree(folder, ignore_errors=True)
        if self.objects is None:
            return
        cache = _cache.ArtifactCache()
        for entry in manifest:
            if entry.ref is not None:
                continue
            hexdigest = _digest.b64_to_hex(entry.digest)
            path = os.path.join(self.objects, "md5", hexdigest[:2], hexdigest[2:])
            cached = cache.obj_path(entry.digest)
            try:
                stat = os.stat(path)
                same = os.path.exists(cached) and os.path.samefile(path, cached)
            except OSError:
                continue
            if stat.st_nlink - int(same) == 1:
                os.unlink(path)
                if same:
                    os.unlink(cached)

    # -- reading -----------------------------------------------------------------------------
    def read_manifest(self, location: str) -> dict[str, Any]:
        """The manifest of a version folder; for a model version MLflow made itself (no
        manifest), one built from the folder's files."""
        folder = _store.local_path(location)
        if folder is not None:
            path = os.path.join(folder, _names.RESERVED_ENTRY)
            if not os.path.exists(path):
                return _manifest_of_folder(folder)
            with open(path) as handle:
                return json.load(handle)
        with tempfile.TemporaryDirectory(prefix="tracklab-manifest-") as tmp:
            try:
                self._download(location, _names.RESERVED_ENTRY, os.path.join(tmp, "m.json"))
            except Exception:  # MLflow raises several kinds for a missing file
                import mlflow.artifacts

                got = mlflow.artifacts.download_artifacts(artifact_uri=location, dst_path=tmp,
                                                          tracking_uri=self.tracking_uri)
                return _manifest_of_folder(got)
            with open(os.path.join(tmp, "m.json")) as handle:
                return json.load(handle)

    def fetch(self, location: str, path: str, dst: str) -> None:
        """Put the bytes of entry `path` of a version at `dst`."""
        folder = _store.local_path(location)
        if folder is not None:
            _cache.link_or_copy(_names.safe_join(folder, path), dst)
        else:
            self._download(location, path, dst)

    def is_local(self, location: str) -> bool:
        return _store.local_path(location) is not None

    def _download(self, location: str, path: str, dst: str) -> None:
        import mlflow.artifacts

        with tempfile.TemporaryDirectory(prefix="tracklab-fetch-", dir=os.path.dirname(dst)) as tmp:
            got = mlflow.artifacts.download_artifacts(artifact_uri=f"{location.rstrip('/')}/{path}", dst_path=tmp,
                                                      tracking_uri=self.tracking_uri)
            os.replace(got, dst)


def _manifest_of_folder(folder: str) -> dict[str, Any]:
    """A manifest for a folder of plain files (a model version MLflow logged without TrackLab)."""
    manifest = ArtifactManifest()
    for base, _, names in os.walk(folder):
        for name in sorted(names):
            full = os.path.join(base, name)
            digest, size = _digest.md5_file(full)
            rel = os.path.relpath(full, folder).replace(os.sep, "/")
            manifest.add_entry(ArtifactManifestEntry(path=_names.entry_path(rel), digest=digest, size=size))
    return manifest.to_manifest_json()


def _check(expected: str, got: str, source: str) -> None:
    if got != expected:
        raise ValueError(f"file {source!r} changed after it was added to the artifact "
                         "(policy='immutable' files must not change until logged)")


def _link_or_symlink(src: str, dst: str) -> None:
    os.makedirs(os.path.dirname(dst), exist_ok=True)
    try:
        os.link(src, dst)
    except OSError:
        os.symlink(os.path.abspath(src), dst)
