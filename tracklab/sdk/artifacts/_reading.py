"""Reading an artifact: entries, data-type objects, download, checkout and verify.

Mixed into `Artifact`. Stored files are fetched through the digest-keyed cache; every local
target goes through `_names.safe_join`, so nothing is written outside the chosen root.
"""

from __future__ import annotations

import json
import os
import shutil
from typing import Any, Sequence

from tracklab.backend.artifact_store import _cache, _digest, _names
from tracklab.backend.artifact_store.manifest import ArtifactManifestEntry
from tracklab.sdk.artifacts import _references


def artifact_dir() -> str:
    """Where `download()` puts artifacts by default (`TRACKLAB_ARTIFACT_DIR`, `WANDB_ARTIFACT_DIR`, ./artifacts)."""
    return os.environ.get("TRACKLAB_ARTIFACT_DIR") or os.environ.get("WANDB_ARTIFACT_DIR") or os.path.abspath("artifacts")


class _Reading:
    """`get_entry`, `get`, `file`, `files`, `download`, `checkout`, `verify`."""

    def files(self, names: Sequence[str] | None = None, per_page: int = 50,
              start: str | None = None) -> list[ArtifactManifestEntry]:
        """The entries (all, or those named). `start` (wandb's page cursor) is the path of the last
        entry already seen: the list goes on after it (ValueError if no entry has that path)."""
        entries = [e for e in self.manifest if names is None or e.path in names]
        if start is None:
            return entries
        paths = [e.path for e in entries]
        if start not in paths:
            raise ValueError(f"files: start={start!r} is not the path of an entry of {self.name!r}")
        return entries[paths.index(start) + 1:]

    def get_entry(self, name: str) -> ArtifactManifestEntry:
        """The entry at path `name` (KeyError if there is none)."""
        entry = self.manifest.entries.get(_names.entry_path(name))
        if entry is None:
            raise KeyError(f"Path not contained in artifact: {name}")
        return entry

    def get_path(self, name: str) -> ArtifactManifestEntry:
        """Deprecated wandb name of `get_entry`."""
        return self.get_entry(name)

    def get(self, name: str) -> Any:
        """The data-type object (Table, Image, ...) stored under `name`, or None."""
        from tracklab.sdk.data_types.base_types.wb_value import WBValue

        entries = self.manifest.entries
        entry = entries.get(name)
        if entry is None:
            for kind in WBValue.type_mapping().values():
                entry = entries.get(kind.with_suffix(name))
                if entry is not None:
                    break
        if entry is None:
            return None
        with open(entry.download()) as handle:
            payload = json.load(handle)
        result = WBValue.init_from_json(payload, self)
        if result is not None:
            result._set_artifact_source(self, name)
        return result

    def file(self, root: str | None = None) -> str:
        """The path of the only file of a single-file artifact, downloaded."""
        if len(self.manifest) != 1:
            raise ValueError("This method should only be called on an artifact with exactly one file")
        return self.get_entry(next(iter(self.manifest.entries))).download(root)

    def _default_root(self) -> str:
        return os.path.join(artifact_dir(), f"{self._name}:{self._logged('download').version}")

    def _download_entry(self, entry: ArtifactManifestEntry, root: str | None) -> str:
        if self._stored is None and self._pending is None and entry.local_path and root is None:
            return entry.local_path  # a draft's own file
        target = _names.safe_join(root or self._default_root(), entry.path)
        self._materialize(entry, target, allow_missing=False)
        return target

    def _materialize(self, entry: ArtifactManifestEntry, target: str, allow_missing: bool) -> None:
        """Write the bytes of `entry` at `target` (through the cache for stored files)."""
        os.makedirs(os.path.dirname(target), exist_ok=True)
        if entry.ref is not None:
            if not _references.fetch(entry, target, self._tracking_uri) and not allow_missing:
                raise FileNotFoundError(f"reference {entry.ref!r} of entry {entry.path!r} is missing")
            return
        if entry.local_path and os.path.exists(entry.local_path) and self._stored is None:
            shutil.copyfile(entry.local_path, target)
            return
        cached = self._cached(entry)
        tmp = f"{target}.{os.getpid()}.part"
        _digest.copy_file(cached, tmp, label=f"downloading {entry.path}")
        os.replace(tmp, target)

    def _cached(self, entry: ArtifactManifestEntry) -> str:
        from tracklab.backend.artifact_store._files import VersionFiles

        stored = self._logged("download")
        files = VersionFiles(self._tracking_uri)
        return _cache.ArtifactCache().fill(entry.digest,
                                           lambda tmp: files.fetch(stored.location, entry, tmp, stored.objects),
                                           check=not files.is_local(stored.location))

    def download(self, root: str | None = None, allow_missing_references: bool = False, skip_cache: bool | None = None,
                 path_prefix: str | None = None, multipart: bool | None = None) -> str:
        """Fetch the files (all, or those under `path_prefix`) into `root`; return `root`."""
        root = os.path.abspath(root or self._default_root())
        prefix = _names.entry_path(path_prefix) if path_prefix else None
        for entry in self.manifest:
            if prefix and not entry.path.startswith(prefix):
                continue
            self._materialize(entry, _names.safe_join(root, entry.path), allow_missing_references)
        return root

    def checkout(self, root: str | None = None) -> str:
        """Make `root` hold exactly this artifact's files (extra files are deleted)."""
        root = os.path.abspath(root or self._default_root())
        wanted = {os.path.normpath(_names.safe_join(root, p)) for p in self.manifest.entries}
        if os.path.isdir(root):
            for base, _, names in os.walk(root):
                for file_name in names:
                    full = os.path.join(base, file_name)
                    if os.path.normpath(os.path.realpath(full)) not in wanted:
                        os.unlink(full)
        return self.download(root)

    def verify(self, root: str | None = None) -> None:
        """Check that `root` holds exactly this artifact's files with matching digests (else ValueError)."""
        root = os.path.abspath(root or self._default_root())
        seen = set()
        for base, _, names in os.walk(root):
            for file_name in names:
                rel = os.path.relpath(os.path.join(base, file_name), root).replace(os.sep, "/")
                seen.add(rel)
                entry = self.manifest.entries.get(rel)
                if entry is None:
                    raise ValueError(f"Found file {rel!r} which is not a member of artifact {self.name}")
                if entry.ref is not None and not _references.is_checksummed(entry):
                    continue
                digest, _ = _digest.md5_file(os.path.join(root, rel))
                if digest != entry.digest:
                    raise ValueError(f"Digest mismatch for file {rel!r}: expected {entry.digest} but found {digest}")
        for path in self.manifest.entries:
            if path not in seen:
                raise ValueError(f"Missing file {path!r} of artifact {self.name} in {root}")
