"""The files of a version, in its LoggedModel's artifact folder.

Every version folder holds all of its files under their entry paths plus
`tracklab-manifest.json`, so plain MLflow users can download `models:/<name>/<n>`.
On a local store each distinct file is kept once in `<artifact root>/.tracklab-objects`
(by MD5) and version folders hard-link to it: identical bytes across versions and runs
take disk space once. On a remote store the version folder holds only the manifest, whose
`storagePolicyConfig.objects` names the content-addressed blob root (`_blobs`) that holds
each distinct file once.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from typing import Any, Callable

from tracklab.backend.artifact_store import _blobs, _cache, _digest, _locate, _names
from tracklab.backend.artifact_store.manifest import ArtifactManifest, ArtifactManifestEntry
from tracklab.backend.location import local_path


class VersionFiles:
    """Write and read version folders of one tracking URI."""

    def __init__(self, tracking_uri: str) -> None:
        self.tracking_uri = tracking_uri
        self.objects = _locate.objects_root(tracking_uri)
        self._locations: dict[str, str | None] = {}
        self._objects: dict[str, _blobs.RemoteObjects] = {}

    # -- writing -----------------------------------------------------------------------------
    def store(self, model: Any, manifest: ArtifactManifest, sources: dict[str, str], trusted: set[str],
              fallback: Callable[[ArtifactManifestEntry], str] | None = None) -> str | None:
        """Put the files of `manifest` (read from `sources`: entry path -> local file, else from
        `fallback(entry)`) and the manifest into LoggedModel `model`'s folder. Sources not in
        `trusted` are re-hashed. Returns the blob root on a remote store, else None."""
        folder = local_path(model.artifact_location)
        manifest_json = manifest.to_manifest_json()
        if folder is not None:
            for entry in manifest:
                if entry.ref is None:
                    source = sources[entry.path] if entry.path in sources else _need(fallback)(entry)
                    obj = self._object(entry.digest, source, entry.path in trusted)
                    _cache.link_or_copy(obj, _names.safe_join(folder, entry.path))
            os.makedirs(folder, exist_ok=True)
            with open(os.path.join(folder, _names.RESERVED_ENTRY), "w") as handle:
                json.dump(manifest_json, handle, indent=1)
            return None
        root = self.upload_blobs(model.experiment_id, manifest, sources, trusted, fallback)
        manifest_json["storagePolicyConfig"] = {"objects": root}
        with tempfile.TemporaryDirectory(prefix="tracklab-upload-") as staging:
            with open(os.path.join(staging, _names.RESERVED_ENTRY), "w") as handle:
                json.dump(manifest_json, handle, indent=1)
            _locate.client(self.tracking_uri).log_model_artifacts(model.model_id, staging)
        return root

    def stores_blobs(self, experiment_id: str) -> bool:
        """Whether versions of this experiment keep their files in a remote blob root."""
        location = self._experiment_location(experiment_id)
        return bool(location) and local_path(location) is None

    def upload_blobs(self, experiment_id: str, manifest: ArtifactManifest, sources: dict[str, str],
                     trusted: set[str], fallback: Callable[[ArtifactManifestEntry], str] | None = None) -> str:
        """Upload the files of `manifest` that the experiment's blob root lacks; return that root.

        Idempotent, and safe to run outside the collection lock: a blob's name is its digest."""
        objects = self._remote_objects(experiment_id)
        done: set[str] = set()
        for entry in manifest:
            if entry.ref is not None or entry.digest in done:
                continue
            done.add(entry.digest)
            if objects.has(entry.digest, entry.size):
                continue
            source = sources[entry.path] if entry.path in sources else _need(fallback)(entry)
            if entry.path not in trusted:
                _check(entry.digest, _digest.md5_file(source)[0], source)
            objects.put(entry.digest, source)
        return objects.root

    def _experiment_location(self, experiment_id: str) -> str | None:
        if experiment_id not in self._locations:
            experiment = _locate.client(self.tracking_uri).get_experiment(experiment_id)
            self._locations[experiment_id] = experiment.artifact_location
        return self._locations[experiment_id]

    def _remote_objects(self, experiment_id: str) -> _blobs.RemoteObjects:
        if experiment_id not in self._objects:
            root = _blobs.objects_root(self._experiment_location(experiment_id) or "")
            self._objects[experiment_id] = _blobs.RemoteObjects(root, self.tracking_uri)
        return self._objects[experiment_id]

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
        folder = local_path(location)
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
        folder = local_path(location)
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

    def fetch(self, location: str, entry: ArtifactManifestEntry, dst: str, objects: str | None = None) -> None:
        """Put the bytes of `entry` of a version at `dst` (from the blob root `objects`, when
        the version keeps its files there)."""
        folder = local_path(location)
        if folder is not None:
            _cache.link_or_copy(_names.safe_join(folder, entry.path), dst)
        elif objects:
            _blobs.RemoteObjects(objects, self.tracking_uri).fetch(entry.digest, dst)
        else:
            self._download(location, entry.path, dst)

    def is_local(self, location: str) -> bool:
        return local_path(location) is not None

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


def _need(fallback: Callable[[ArtifactManifestEntry], str] | None) -> Callable[[ArtifactManifestEntry], str]:
    if fallback is None:
        raise ValueError("an artifact entry has no local file to store")
    return fallback
