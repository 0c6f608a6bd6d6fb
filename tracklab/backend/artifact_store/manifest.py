"""`ArtifactManifest` and `ArtifactManifestEntry`: the file list of an artifact version.

The JSON form is wandb's manifest v1 (`{"version": 1, "contents": {path: {digest, size,
ref?, extra?}}}`), so a manifest reads the same whichever tool wrote it.
"""

from __future__ import annotations

import dataclasses
from typing import Any, Callable, Iterator

from tracklab.backend.artifact_store import _digest, _names

STORAGE_POLICY = "tracklab-mlflow-v1"


@dataclasses.dataclass
class ArtifactManifestEntry:
    """One file (or reference) of an artifact."""

    path: str
    digest: str
    size: int | None = None
    ref: str | None = None
    extra: dict[str, Any] = dataclasses.field(default_factory=dict)
    birth_artifact_id: str | None = None
    local_path: str | None = None
    # Set by the artifact that owns the entry, so `download()` knows where to fetch from.
    _parent: Any = dataclasses.field(default=None, repr=False, compare=False)
    skip_cache: bool = dataclasses.field(default=False, repr=False, compare=False)

    def __repr__(self) -> str:
        # wandb's form: the fields that are set, in its order, then skip_cache.
        shown = [f"{name}={getattr(self, name)!r}" for name in
                 ("path", "digest", "ref", "birth_artifact_id", "size", "extra", "local_path")
                 if getattr(self, name) is not None and (name != "extra" or self.extra)]
        return f"ArtifactManifestEntry({', '.join(shown + [f'skip_cache={self.skip_cache!r}'])})"

    @property
    def name(self) -> str:
        return self.path

    def is_reference(self) -> bool:
        return self.ref is not None

    def download(self, root: str | None = None, skip_cache: bool | None = None) -> str:
        """Fetch this entry and return its local path (under the artifact's folder by default)."""
        if self._parent is None:
            raise ValueError(f"entry {self.path!r} belongs to no artifact")
        return self._parent._download_entry(self, root)

    def ref_target(self) -> str:
        """The reference URI (or, for a stored file, its local path once fetched)."""
        if self.ref is not None:
            return self.ref
        return self.local_path or self.path

    def ref_url(self) -> str:
        """`wandb-artifact://<artifact id>/<path>`: how other artifacts point at this entry
        (waits for a parent artifact that is still being stored)."""
        if self._parent is None:
            raise ValueError("Parent artifact is not set")
        if getattr(self._parent, "_pending", None) is not None:
            self._parent.wait()
        parent_id = getattr(self._parent, "id", None)
        if parent_id is None:
            raise ValueError(f"Parent artifact ID is not set: artifact {self._parent._name!r} is not stored yet "
                             "(log it first; offline runs store it at `tracklab sync`)")
        return _names.ref_url(parent_id, self.path)

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"digest": self.digest}
        if self.size is not None:
            data["size"] = self.size
        if self.ref is not None:
            data["ref"] = self.ref
        if self.birth_artifact_id:
            data["birthArtifactID"] = self.birth_artifact_id
        if self.extra:
            data["extra"] = self.extra
        return data

    @classmethod
    def from_json(cls, path: str, data: dict[str, Any]) -> "ArtifactManifestEntry":
        return cls(path=_names.entry_path(path), digest=data["digest"], size=data.get("size"),
                   ref=data.get("ref"), extra=dict(data.get("extra") or {}),
                   birth_artifact_id=data.get("birthArtifactID"))


class ArtifactManifest:
    """The entries of an artifact, keyed by path."""

    def __init__(self, entries: dict[str, ArtifactManifestEntry] | None = None) -> None:
        self.entries: dict[str, ArtifactManifestEntry] = dict(entries or {})

    def add_entry(self, entry: ArtifactManifestEntry, overwrite: bool = False) -> None:
        existing = self.entries.get(entry.path)
        if existing is not None and not overwrite and existing.digest != entry.digest:
            raise ValueError(f"Cannot add the same path twice: {entry.path!r} (pass overwrite=True to replace it)")
        self.entries[entry.path] = entry

    def remove_entry(self, path: str) -> None:
        del self.entries[path]

    def get_entry_by_path(self, path: str) -> ArtifactManifestEntry | None:
        return self.entries.get(path)

    def get_entries_in_directory(self, directory: str) -> list[ArtifactManifestEntry]:
        prefix = directory.rstrip("/") + "/"
        return [e for p, e in self.entries.items() if p.startswith(prefix)]

    def digest(self) -> str:
        return _digest.manifest_digest((p, e.digest) for p, e in self.entries.items())

    @property
    def size(self) -> int:
        return sum(e.size or 0 for e in self.entries.values())

    def __len__(self) -> int:
        return len(self.entries)

    def __iter__(self) -> Iterator[ArtifactManifestEntry]:
        return iter(self.entries.values())

    def to_manifest_json(self) -> dict[str, Any]:
        return {
            "version": 1,
            "storagePolicy": STORAGE_POLICY,
            "storagePolicyConfig": {},
            "contents": {p: self.entries[p].to_json() for p in sorted(self.entries)},
        }

    @classmethod
    def from_manifest_json(cls, data: dict[str, Any], parent: Any = None) -> "ArtifactManifest":
        if data.get("version") != 1:
            raise ValueError(f"unknown artifact manifest version {data.get('version')!r}")
        entries = {}
        for path, item in (data.get("contents") or {}).items():
            entry = ArtifactManifestEntry.from_json(path, item)
            entry._parent = parent
            entries[entry.path] = entry
        return cls(entries)

    def copy(self, parent: Any = None, keep: Callable[[ArtifactManifestEntry], bool] | None = None) -> "ArtifactManifest":
        """A copy of the entries (all, or those `keep` accepts), owned by `parent`."""
        out = {}
        for path, entry in self.entries.items():
            if keep is None or keep(entry):
                out[path] = dataclasses.replace(entry, _parent=parent)
        return ArtifactManifest(out)
