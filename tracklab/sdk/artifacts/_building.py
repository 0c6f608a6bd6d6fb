"""Building a draft artifact: files, folders, references, new files and data-type objects.

Mixed into `Artifact`; every method refuses to change a logged (finalized) artifact.
"""

from __future__ import annotations

import contextlib
import json
import os
from typing import Any, Iterator

from tracklab.backend.artifact_store import _cache, _digest, _names
from tracklab.backend.artifact_store.manifest import ArtifactManifestEntry
from tracklab.sdk.artifacts import _references


class _Building:
    """`add_file`, `add_dir`, `add_reference`, `new_file`, `add`, `remove`."""

    def add_file(self, local_path: str, name: str | None = None, is_tmp: bool | None = False,
                 skip_cache: bool | None = False, policy: str = "mutable", overwrite: bool = False) -> ArtifactManifestEntry:
        """Add a local file; with `policy="mutable"` (default) it is copied now, so later edits don't leak in."""
        self._ensure_draft("add_file")
        if not os.path.isfile(local_path):
            raise ValueError(f"Path is not a file: {local_path!r}")
        if policy not in ("mutable", "immutable"):
            raise ValueError(f"policy={policy!r} must be 'mutable' or 'immutable'")
        entry_name = _names.entry_path(name or os.path.basename(local_path))
        if policy == "mutable" and not skip_cache:
            digest, size, source = _cache.ArtifactCache().add_copy(local_path)
            trusted = True
        else:
            (digest, size), source, trusted = _digest.md5_file(local_path), os.path.abspath(local_path), False
        if is_tmp:
            folder, base = _split(entry_name)
            _, dot, ext = base.partition(".")
            entry_name = "/".join(p for p in (folder, _digest.b64_to_hex(digest)[:20] + dot + ext) if p)
        entry = ArtifactManifestEntry(path=entry_name, digest=digest, size=size, local_path=source, _parent=self)
        self.manifest.add_entry(entry, overwrite=overwrite)
        (self._trusted.add if trusted else self._trusted.discard)(entry_name)
        self._added_local[os.path.abspath(local_path)] = entry_name
        return entry

    def add_dir(self, local_path: str, name: str | None = None, skip_cache: bool | None = False,
                policy: str = "mutable", merge: bool = False) -> None:
        """Add every file under a folder (as `name/<relative path>`)."""
        self._ensure_draft("add_dir")
        if not os.path.isdir(local_path):
            raise ValueError(f"Path is not a directory: {local_path!r}")
        for base, dirs, names in os.walk(local_path):
            dirs.sort()
            for file_name in sorted(names):
                full = os.path.join(base, file_name)
                rel = os.path.relpath(full, local_path).replace(os.sep, "/")
                self.add_file(full, f"{name}/{rel}" if name else rel, skip_cache=skip_cache, policy=policy,
                              overwrite=merge)

    def add_reference(self, uri: Any, name: str | None = None, checksum: bool = True,
                      max_objects: int | None = None) -> list[ArtifactManifestEntry]:
        """Add files by reference: only the URI and checksum are stored."""
        self._ensure_draft("add_reference")
        tracking_uri = None
        if isinstance(uri, ArtifactManifestEntry):  # a file of another artifact: wandb-artifact://<id>/<path>
            tracking_uri = getattr(uri._parent, "_tracking_uri", None)
            uri = uri.ref_url()
        uri = str(uri)
        entries = _references.entries_for(uri, name, checksum, max_objects, tracking_uri)
        for entry in entries:
            entry._parent = self
            self.manifest.add_entry(entry, overwrite=True)
        return entries

    @contextlib.contextmanager
    def new_file(self, name: str, mode: str = "x", encoding: str | None = None,
                 policy: str = "mutable") -> Iterator[Any]:
        """Open a new file inside the artifact (`mode="w"`/`"x"`, or `"wb"`/`"xb"` for bytes).

        `policy` is checked as add_file checks it; either way the file is the artifact's own
        staging copy, which nothing else writes, so no further copy is made."""
        self._ensure_draft("new_file")
        if policy not in ("mutable", "immutable"):
            raise ValueError(f"new_file: policy={policy!r} must be 'mutable' or 'immutable'")
        entry_name = _names.entry_path(name)
        if "x" in mode and entry_name in self.manifest.entries:
            raise ValueError(f"File with name {entry_name!r} already exists in the artifact")
        path = _names.safe_join(self._staging_dir(), entry_name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        if "b" not in mode and encoding is None:
            encoding = "utf-8"
        try:
            handle = open(path, mode, encoding=encoding)
        except FileExistsError:
            raise ValueError(f"File with name {entry_name!r} already exists in the artifact") from None
        with handle:
            yield handle
        self.add_file(path, entry_name, policy="immutable", skip_cache=True, overwrite=True)
        self._trusted.add(entry_name)  # our own staging copy: nobody else writes it

    def add(self, obj: Any, name: str, overwrite: bool = False) -> ArtifactManifestEntry:
        """Add a media object or Table as `<name>.<type>.json` (its files alongside); an entry of
        another stored artifact is added as a `wandb-artifact://` reference named `name`."""
        from tracklab.sdk.data_types.base_types.wb_value import WBValue

        self._ensure_draft("add")
        if isinstance(obj, ArtifactManifestEntry):
            return self.add_reference(obj, name)[0]
        if not isinstance(obj, WBValue):
            raise ValueError(f"Can only add objects of tracklab data types (Table, Image, ...), got {type(obj).__name__}")
        if id(obj) in self._added_objs:
            return self.manifest.entries[self._added_objs[id(obj)][1]]
        entry_name = _names.entry_path(obj.with_suffix(name))
        payload = obj.to_json(self)
        path = _names.safe_join(self._staging_dir(), entry_name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w", encoding="utf-8") as handle:
            json.dump(payload, handle, sort_keys=True, default=str)
        entry = self.add_file(path, entry_name, policy="immutable", skip_cache=True, overwrite=overwrite)
        self._trusted.add(entry_name)
        self._added_objs[id(obj)] = (obj, entry_name)
        if getattr(obj, "_artifact_target", None) is None:
            obj._set_artifact_target(self, entry_name)
        return entry

    def get_added_local_path_name(self, local_path: str) -> str | None:
        """The entry name a local file was added under (media use it to avoid adding twice)."""
        return self._added_local.get(os.path.abspath(local_path))

    def remove(self, item: str | ArtifactManifestEntry) -> None:
        """Remove an entry, or every entry under a folder."""
        self._ensure_draft("remove")
        path = item.path if isinstance(item, ArtifactManifestEntry) else _names.entry_path(str(item))
        victims = [path] if path in self.manifest.entries else [e.path for e in self.manifest.get_entries_in_directory(path)]
        if not victims:
            raise FileNotFoundError(f"Cannot remove missing entry: {path!r}")
        for victim in victims:
            self.manifest.remove_entry(victim)
            self._trusted.discard(victim)

    def _staging_dir(self) -> str:
        if self._staging is None:
            import uuid

            self._staging = os.path.join(_cache.ArtifactCache().tmp_dir(), "staging-" + uuid.uuid4().hex)
            os.makedirs(self._staging, exist_ok=True)
        return self._staging


def _split(path: str) -> tuple[str, str]:
    folder, _, base = path.rpartition("/")
    return folder, base
