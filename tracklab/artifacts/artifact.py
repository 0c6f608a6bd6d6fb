"""`Artifact`: wandb's versioned file sets, stored as MLflow LoggedModels and model versions.

A new `Artifact` is a draft: files are added (hashed, and copied into the local cache under
the default `policy="mutable"`), then `run.log_artifact` turns it into a version. Artifacts
returned by `use_artifact` / `Api().artifact` are stored versions: their files are fetched on
demand through the digest-keyed cache.
"""

from __future__ import annotations

import contextlib
import datetime
import json
import os
import shutil
from concurrent.futures import Future
from typing import Any, Iterator, Sequence

from tracklab.artifacts import _cache, _digest, _names, _references
from tracklab.artifacts._registry import Registry, StoredVersion
from tracklab.artifacts.exceptions import ArtifactFinalizedError, ArtifactNotLoggedError, WaitTimeoutError
from tracklab.artifacts.manifest import ArtifactManifest, ArtifactManifestEntry


def artifact_dir() -> str:
    """Where `download()` puts artifacts by default (`TRACKLAB_ARTIFACT_DIR`, `WANDB_ARTIFACT_DIR`, ./artifacts)."""
    return os.environ.get("TRACKLAB_ARTIFACT_DIR") or os.environ.get("WANDB_ARTIFACT_DIR") or os.path.abspath("artifacts")


class Artifact:
    """A versioned set of files (wandb.Artifact)."""

    def __init__(self, name: str, type: str, description: str | None = None, metadata: dict[str, Any] | None = None,
                 incremental: bool = False, use_as: str | None = None, storage_region: str | None = None,
                 digest_algorithm: str = "MD5") -> None:
        self._init(_names.artifact_name(name), _names.artifact_type(type), description, metadata)
        self._incremental = bool(incremental)
        self._use_as = use_as

    def _init(self, name: str, kind: str, description: str | None, metadata: dict[str, Any] | None) -> None:
        from tracklab.sdk.lib.runid import generate_id

        self._name = name
        self._type = kind
        self._description = description
        self._metadata = _check_metadata(metadata)
        self._incremental = False
        self._use_as: str | None = None
        self._manifest: ArtifactManifest | None = ArtifactManifest()
        self._aliases: list[str] = []
        self._tags: list[str] = []
        self._trusted: set[str] = set()
        self._added_local: dict[str, str] = {}
        self._added_objs: dict[int, tuple[Any, str]] = {}
        self._staging: str | None = None
        self._final = False
        self._stored: StoredVersion | None = None
        self._tracking_uri: str | None = None
        self._pending: Future | None = None
        self._offline = False
        self._project: str | None = None
        self._base: Artifact | None = None
        self._client_id = generate_id(32)
        self._sequence_client_id = generate_id(32)

    @classmethod
    def _from_stored(cls, stored: StoredVersion, tracking_uri: str) -> "Artifact":
        artifact = cls.__new__(cls)
        artifact._init(stored.name, stored.type, stored.description, stored.metadata)
        artifact._attach(stored, tracking_uri)
        return artifact

    def _attach(self, stored: StoredVersion, tracking_uri: str) -> None:
        """Become the stored version `stored` (after logging, or when loaded from the store)."""
        self._stored = stored
        self._tracking_uri = tracking_uri
        self._project = stored.project or self._project
        self._aliases = list(stored.aliases)
        self._tags = list(stored.tags)
        self._description = stored.description
        self._metadata = dict(stored.metadata)
        self._final = True
        self._pending = None
        if self._manifest is not None and not self._manifest.entries:
            self._manifest = None  # loaded from the store on first use
        elif self._manifest is not None:
            for entry in self._manifest:
                entry._parent = self

    # -- state ---------------------------------------------------------------------------------
    def _logged(self, attr: str) -> StoredVersion:
        if self._pending is not None:
            self.wait()
        if self._stored is None:
            raise ArtifactNotLoggedError(self._name, attr)
        return self._stored

    def _ensure_draft(self, attr: str) -> None:
        if self._final:
            raise ArtifactFinalizedError(self._name, attr)

    def is_draft(self) -> bool:
        return not self._final

    def finalize(self) -> None:
        """Freeze the files (done by `log_artifact`)."""
        self._final = True

    @property
    def state(self) -> str:
        if self._stored is not None or self._pending is not None:
            return "COMMITTED"
        return "PENDING"

    # -- identity --------------------------------------------------------------------------------
    @property
    def name(self) -> str:
        """`name:vN` once logged, else the bare name (as wandb)."""
        return f"{self._name}:{self._stored.version}" if self._stored else self._name

    @property
    def source_name(self) -> str:
        return self.name

    @property
    def type(self) -> str:
        return self._type

    @property
    def version(self) -> str:
        return self._logged("version").version

    @property
    def source_version(self) -> str:
        return self.version

    @property
    def id(self) -> str | None:
        """The LoggedModel id that holds this version's files."""
        return self._stored.model_id if self._stored else None

    @property
    def entity(self) -> str:
        return ""

    @property
    def project(self) -> str | None:
        return self._stored.project if self._stored else self._project

    @property
    def source_project(self) -> str | None:
        return self.project

    @property
    def source_entity(self) -> str:
        return ""

    @property
    def qualified_name(self) -> str:
        return "/".join(p for p in (self.entity, self.project, self.name) if p)

    @property
    def collection_name(self) -> str:
        """The MLflow registered model that holds the versions."""
        return self._logged("collection_name").collection

    @property
    def collection(self) -> Any:
        from tracklab.artifacts.public_api import ArtifactCollection

        stored = self._logged("collection")
        return ArtifactCollection(self._tracking_uri, stored.collection)

    @property
    def is_link(self) -> bool:
        return bool(self._stored and self._stored.linked_from)

    @property
    def linked_artifacts(self) -> list["Artifact"]:
        stored = self._logged("linked_artifacts")
        return [a for a in _all_links(self._tracking_uri, stored)]

    @property
    def incremental(self) -> bool:
        return self._incremental

    @property
    def use_as(self) -> str | None:
        return self._use_as

    @property
    def created_at(self) -> str:
        return _iso(self._logged("created_at").created_at)

    @property
    def updated_at(self) -> str:
        return _iso(self._logged("updated_at").updated_at)

    @property
    def url(self) -> str:
        from types import SimpleNamespace

        from tracklab.backend.links import ui_base

        stored = self._logged("url")
        base = ui_base(SimpleNamespace(tracking_uri=self._tracking_uri, ui_host="127.0.0.1", ui_port=5000))
        return f"{base}/#/models/{stored.collection}/versions/{stored.number}"

    @property
    def commit_hash(self) -> str:
        return self.digest[:12]

    @property
    def history_step(self) -> int | None:
        return None

    @property
    def ttl(self) -> None:
        return None

    # -- editable fields -------------------------------------------------------------------------
    @property
    def description(self) -> str | None:
        return self._description

    @description.setter
    def description(self, value: str | None) -> None:
        self._description = value

    @property
    def metadata(self) -> dict[str, Any]:
        return self._metadata

    @metadata.setter
    def metadata(self, value: dict[str, Any]) -> None:
        self._metadata = _check_metadata(value)

    @property
    def aliases(self) -> list[str]:
        if self._pending is not None:
            self.wait()
        return self._aliases

    @aliases.setter
    def aliases(self, value: Sequence[str]) -> None:
        self._aliases = [a if a == "latest" else _names.check_alias(a) for a in value]

    @property
    def tags(self) -> list[str]:
        return self._tags

    @tags.setter
    def tags(self, value: Sequence[str]) -> None:
        self._tags = list(value)

    # -- contents -----------------------------------------------------------------------------
    @property
    def manifest(self) -> ArtifactManifest:
        if self._manifest is None:
            from tracklab.artifacts._files import VersionFiles

            stored = self._logged("manifest")
            data = VersionFiles(self._tracking_uri).read_manifest(stored.location)
            self._manifest = ArtifactManifest.from_manifest_json(data, parent=self)
        return self._manifest

    @property
    def digest(self) -> str:
        if self._stored is not None:
            return self._stored.digest
        return self.manifest.digest()

    @property
    def size(self) -> int:
        return self._stored.size if self._stored else self.manifest.size

    @property
    def file_count(self) -> int:
        return self._stored.file_count if self._stored else len(self.manifest)

    def files(self, names: Sequence[str] | None = None, per_page: int = 50) -> list[ArtifactManifestEntry]:
        entries = list(self.manifest)
        return [e for e in entries if names is None or e.path in names]

    # -- building ---------------------------------------------------------------------------------
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
            stem, dot, ext = base.partition(".")
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
        uri = getattr(uri, "ref_target", lambda: uri)() if isinstance(uri, ArtifactManifestEntry) else str(uri)
        entries = _references.entries_for(uri, name, checksum, max_objects)
        for entry in entries:
            entry._parent = self
            self.manifest.add_entry(entry, overwrite=True)
        return entries

    @contextlib.contextmanager
    def new_file(self, name: str, mode: str = "x", encoding: str | None = None) -> Iterator[Any]:
        """Open a new file inside the artifact (`mode="w"`/`"x"`, or `"wb"`/`"xb"` for bytes)."""
        self._ensure_draft("new_file")
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
        """Add a media object or Table as `<name>.<type>.json` (its files alongside)."""
        from tracklab.sdk.data_types.base_types.wb_value import WBValue

        self._ensure_draft("add")
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

    # -- reading ----------------------------------------------------------------------------------
    def get_entry(self, name: str) -> ArtifactManifestEntry:
        entry = self.manifest.entries.get(_names.entry_path(name))
        if entry is None:
            raise KeyError(f"Path not contained in artifact: {name}")
        return entry

    def get_path(self, name: str) -> ArtifactManifestEntry:
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
            if not _references.fetch(entry, target) and not allow_missing:
                raise FileNotFoundError(f"reference {entry.ref!r} of entry {entry.path!r} is missing")
            return
        if entry.local_path and os.path.exists(entry.local_path) and self._stored is None:
            shutil.copyfile(entry.local_path, target)
            return
        cached = self._cached(entry)
        tmp = f"{target}.{os.getpid()}.part"
        shutil.copyfile(cached, tmp)
        os.replace(tmp, target)

    def _cached(self, entry: ArtifactManifestEntry) -> str:
        from tracklab.artifacts._files import VersionFiles

        stored = self._logged("download")
        files = VersionFiles(self._tracking_uri)
        return _cache.ArtifactCache().fill(entry.digest, lambda tmp: files.fetch(stored.location, entry.path, tmp),
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

    # -- lifecycle -------------------------------------------------------------------------------------
    def wait(self, timeout: int | None = None) -> "Artifact":
        """Block until a logged artifact is stored (offline: ArtifactNotLoggedError until synced)."""
        if self._pending is not None:
            import concurrent.futures

            try:
                stored = self._pending.result(timeout=timeout)
            except concurrent.futures.TimeoutError:
                raise WaitTimeoutError(f"artifact {self._name} was not stored within {timeout}s") from None
            self._attach(stored, self._tracking_uri)
        if self._stored is None:
            raise ArtifactNotLoggedError(self._name, "wait")
        return self

    def save(self, project: str | None = None, settings: Any = None) -> None:
        """Log a draft (with the current run, else a new run of job type 'auto'); for a stored
        version, persist edits to description, metadata, tags and aliases."""
        from tracklab.artifacts import run_api

        if self._stored is None and self._pending is None:
            run_api.log_without_run(self, project)
            return
        stored = self._logged("save")
        registry = Registry(self._tracking_uri)
        registry.update(stored, self._description, self._metadata, self._tags)
        rm = registry.client.get_registered_model(stored.collection)
        removed = [a for a in stored.aliases if a not in self._aliases]
        registry.remove_aliases(rm, removed)
        registry.add_aliases(rm, stored.number, [a for a in self._aliases if a not in stored.aliases])
        self._attach(registry.get(stored.collection, stored.number), self._tracking_uri)

    def delete(self, delete_aliases: bool = False) -> None:
        """Delete this version (its files too, where nothing else uses them)."""
        from tracklab.artifacts._files import VersionFiles

        stored = self._logged("delete")
        custom = [a for a in stored.aliases if a != "latest"]
        if custom and not delete_aliases:
            raise ValueError(f"Artifact {self.name} has aliases {custom}; pass delete_aliases=True to delete it")
        manifest = self.manifest
        registry = Registry(self._tracking_uri)
        others = [v for v in registry.versions_of_model(stored.model_id) if v != (stored.collection, stored.number)]
        registry.delete(stored, keep_model=bool(others))
        if not others:
            VersionFiles(self._tracking_uri).remove(stored.location, manifest)
        self._stored = None
        self._final = True

    def link(self, target_path: str, aliases: Sequence[str] | None = None) -> "Artifact":
        """Link this version into another collection (e.g. `model-registry/<name>`)."""
        from tracklab.artifacts._links import link

        stored = self._logged("link")
        return Artifact._from_stored(link(self._tracking_uri, stored, target_path, list(aliases or [])),
                                     self._tracking_uri)

    def unlink(self) -> None:
        """Remove a linked version from its target collection (the original stays)."""
        stored = self._logged("unlink")
        if not stored.linked_from:
            raise ValueError(f"{self.name} is not a linked artifact")
        Registry(self._tracking_uri).delete(stored, keep_model=True)
        self._stored = None

    def new_draft(self) -> "Artifact":
        """A draft with this version's files, to change and log as a new version."""
        stored = self._logged("new_draft")
        draft = Artifact(stored.name, stored.type, stored.description, dict(stored.metadata))
        draft._manifest = self.manifest.copy(parent=draft)
        draft._base = self
        draft._project = stored.project
        return draft

    def _refreshed(self, attr: str) -> StoredVersion:
        stored = self._logged(attr)
        return Registry(self._tracking_uri).get(stored.collection, stored.number)

    def logged_by(self) -> Any:
        """The run that logged this version (a `tracklab.Api` Run), or None."""
        from tracklab.artifacts import _store

        stored = self._logged("logged_by")
        return _store.public_run(self._tracking_uri, stored.run_id) if stored.run_id else None

    def used_by(self) -> list[Any]:
        """The runs that used this version (read fresh from the store)."""
        from tracklab.artifacts import _store

        runs = (_store.public_run(self._tracking_uri, run_id) for run_id in self._refreshed("used_by").used_by)
        return [r for r in runs if r is not None]

    def json_encode(self) -> dict[str, Any]:
        stored = self._logged("json_encode")
        return {"_type": "artifactVersion", "_version": "v0", "id": self.id, "version": stored.version,
                "sequenceName": stored.name, "usedAs": self._use_as}

    def __repr__(self) -> str:
        return f"<Artifact {self.qualified_name if self._stored else self._name} ({self._type})>"


def _split(path: str) -> tuple[str, str]:
    folder, _, base = path.rpartition("/")
    return folder, base


def _check_metadata(metadata: dict[str, Any] | None) -> dict[str, Any]:
    if metadata is None:
        return {}
    if not isinstance(metadata, dict):
        raise TypeError(f"metadata must be a dict, got {type(metadata).__name__}")
    try:
        json.dumps(metadata)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"metadata must be JSON-serializable: {exc}") from None
    return dict(metadata)


def _iso(ms: int | None) -> str:
    if ms is None:
        return ""
    return datetime.datetime.fromtimestamp(ms / 1000, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _all_links(tracking_uri: str | None, stored: StoredVersion) -> list[Artifact]:
    registry = Registry(tracking_uri)
    source = f"{stored.collection}:{stored.number}"
    found = registry.client.search_model_versions(f"tags.`tracklab.linked_from` = '{source}'")
    return [Artifact._from_stored(registry.get(mv.name, int(mv.version)), tracking_uri) for mv in found]
