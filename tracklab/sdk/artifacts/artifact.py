"""`Artifact`: wandb's versioned file sets, stored as MLflow LoggedModels and model versions.

A new `Artifact` is a draft: files are added (hashed, and copied into the local cache under
the default `policy="mutable"`), then `run.log_artifact` turns it into a version. Artifacts
returned by `use_artifact` / `Api().artifact` are stored versions: their files are fetched on
demand through the digest-keyed cache.
"""

from __future__ import annotations

import datetime
import json
from concurrent.futures import Future
from typing import TYPE_CHECKING, Any, Sequence

from tracklab.backend.artifact_store import _names
from tracklab.backend.artifact_store._registry import Registry, StoredVersion
from tracklab.backend.artifact_store.manifest import ArtifactManifest
from tracklab.backend.mapping import MV_LINKED_FROM
from tracklab.sdk.artifacts._building import _Building
from tracklab.sdk.artifacts._reading import _Reading
from tracklab.sdk.artifacts.exceptions import (
    ArtifactFinalizedError,
    ArtifactNotLoggedError,
    WaitTimeoutError,
)

if TYPE_CHECKING:
    from tracklab.sdk.artifacts.artifact_ttl import ArtifactTTL


class Artifact(_Building, _Reading):
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
        self._staged_log: tuple[str, str] | None = None  # (run folder, staged log request) once logged
        self._ttl: Any = "inherit"  # seconds, None or "inherit", as set by the user
        self._ttl_changed = False
        self._client_id = generate_id(32)
        self._sequence_client_id = generate_id(32)

    @classmethod
    def _pending_link(cls, name: str, kind: str) -> "Artifact":
        """What an offline `link_artifact` returns: a link that `tracklab sync` will make."""
        artifact = cls.__new__(cls)
        artifact._init(name, kind, None, None)
        artifact._final = True
        artifact._offline = True
        return artifact

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
        self._ttl_changed = False
        if self._manifest is not None and (not self._manifest.entries or self._manifest.digest() != stored.digest):
            self._manifest = None  # loaded from the store on first use (incremental versions differ)
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
        """The MLflow registered model that holds the versions (run-scoped artifacts, a run's
        tables: `<experiment id>:<name>`, the key of its LoggedModels)."""
        return self._logged("collection_name").collection

    @property
    def collection(self) -> Any:
        from tracklab.sdk.artifacts.api_artifacts import ArtifactCollection

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
        if ":" in stored.collection:  # run-scoped: its LoggedModel's page (no registered model)
            return f"{base}/#/experiments/{stored.collection.split(':', 1)[0]}/models/{stored.model_id}"
        return f"{base}/#/models/{stored.collection}/versions/{stored.number}"

    @property
    def commit_hash(self) -> str:
        return self.digest[:12]

    @property
    def history_step(self) -> int | None:
        return None

    @property
    def ttl(self) -> datetime.timedelta | None:
        """How long after its creation this version expires (see `tracklab.sdk.artifacts.expired_versions`);
        None for no TTL. A draft left on ArtifactTTL.INHERIT raises ArtifactNotLoggedError, as in wandb."""
        if not self._ttl_changed and (self._stored is not None or self._pending is not None):
            seconds = self._logged("ttl").ttl
        elif self._ttl == "inherit":
            raise ArtifactNotLoggedError(self._name, "ttl")
        else:
            seconds = self._ttl
        return None if seconds is None else datetime.timedelta(seconds=seconds)

    @ttl.setter
    def ttl(self, value: "datetime.timedelta | ArtifactTTL | None") -> None:
        from tracklab.sdk.artifacts.artifact_ttl import ArtifactTTL

        if self._type == "wandb-history":
            raise ValueError("Cannot set artifact TTL for type wandb-history")
        if self.is_link:
            raise ValueError("Cannot set TTL for link artifact. Unlink the artifact first then set the TTL "
                             "for the source artifact")
        if isinstance(value, ArtifactTTL):
            self._ttl = "inherit"
        elif value is None:
            self._ttl = None
        elif isinstance(value, datetime.timedelta):
            if value.total_seconds() <= 0:
                raise ValueError(f"Artifact TTL Duration has to be positive. ttl: {value.total_seconds()}")
            self._ttl = int(value.total_seconds())
        else:
            raise TypeError(f"ttl={value!r} must be a datetime.timedelta, ArtifactTTL.INHERIT or None")
        self._ttl_changed = True

    @property
    def expires_at(self) -> datetime.datetime | None:
        """When this stored version expires (creation time + TTL, UTC), or None (TrackLab addition)."""
        ms = self._logged("expires_at").expires_at
        return None if ms is None else datetime.datetime.fromtimestamp(ms / 1000, datetime.timezone.utc)

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
            from tracklab.backend.artifact_store._files import VersionFiles

            stored = self._logged("manifest")
            data = VersionFiles(self._tracking_uri).read_manifest(stored.location)
            self._manifest = ArtifactManifest.from_manifest_json(data, parent=self)
        return self._manifest

    @property
    def digest(self) -> str:
        if self._stored is not None and self._stored.digest:
            return self._stored.digest
        return self.manifest.digest()

    def _recorded(self) -> bool:
        """Whether the registry holds size and file count (versions MLflow made itself do not)."""
        return self._stored is not None and self._stored.file_count > 0

    @property
    def size(self) -> int:
        return self._stored.size if self._recorded() else self.manifest.size

    @property
    def file_count(self) -> int:
        return self._stored.file_count if self._recorded() else len(self.manifest)

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
        from tracklab.sdk.artifacts import run_api

        if self._stored is None and self._pending is None:
            run_api.log_without_run(self, project)
            return
        stored = self._logged("save")
        registry = Registry(self._tracking_uri)
        registry.update(stored, self._description, self._metadata, self._tags)
        if self._ttl_changed:
            registry.set_ttl(stored.collection, stored.number, self._ttl)
        rm = registry.collection(stored.collection)
        removed = [a for a in stored.aliases if a not in self._aliases]
        registry.remove_aliases(rm, removed)
        registry.add_aliases(rm, stored.number, [a for a in self._aliases if a not in stored.aliases])
        self._attach(registry.get(stored.collection, stored.number), self._tracking_uri)

    def delete(self, delete_aliases: bool = False) -> None:
        """Delete this version (its files too, where nothing else uses them)."""
        from tracklab.backend.artifact_store._files import VersionFiles

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
        """Link this version into another collection (e.g. `model-registry/<name>`); a draft is
        saved first. A version an offline run logged is linked when `tracklab sync` stores it."""
        from tracklab.backend.artifact_store._links import link

        if self.is_draft():
            self.save()
        if self._stored is None and self._pending is None and self._staged_log is not None:
            from tracklab.sdk.artifacts.run_api import stage_link

            return stage_link(self, target_path, aliases)
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
        from tracklab.sdk import hooks

        stored = self._logged("logged_by")
        return hooks.open_api_run(self._tracking_uri, stored.run_id) if stored.run_id else None

    def used_by(self) -> list[Any]:
        """The runs that used this version (read fresh from the store)."""
        from tracklab.sdk import hooks

        runs = (hooks.open_api_run(self._tracking_uri, run_id) for run_id in self._refreshed("used_by").used_by)
        return [r for r in runs if r is not None]

    def json_encode(self) -> dict[str, Any]:
        stored = self._logged("json_encode")
        return {"_type": "artifactVersion", "_version": "v0", "id": self.id, "version": stored.version,
                "sequenceName": stored.name, "usedAs": self._use_as}

    def __repr__(self) -> str:
        return f"<Artifact {self.qualified_name if self._stored else self._name} ({self._type})>"


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
    found = registry.client.search_model_versions(f"tags.`{MV_LINKED_FROM}` = '{source}'")
    return [Artifact._from_stored(registry.get(mv.name, int(mv.version)), tracking_uri) for mv in found]
