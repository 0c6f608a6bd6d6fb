"""Collections, versions, aliases and lineage on MLflow's model registry.

A collection (`project/name`) is a registered model `<project>.<name>`; version `vN` is its
model version N+1, pointing at the LoggedModel that holds the files. Custom aliases are
registered-model aliases; `latest` is the version logged most recently (a registered-model
tag, since MLflow reserves the alias). Run-scoped artifacts (`run-<run id>-<key>`, a run's
logged tables) are no registered models: `_run_scoped` keeps them as the producing run's
LoggedModels, and every method here takes either kind of collection. See docs/artifacts.md.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime
import hashlib
import json
import logging
import re
import threading
from typing import Any

from tracklab.backend.artifact_store import _locate, _names, _run_scoped
from tracklab.backend.artifact_store._run_scoped import RunCollection
from tracklab.backend.location import is_remote
from tracklab.backend.mapping import (
    LM_COLLECTION,
    LM_MODEL_VERSIONS,
    LM_VERSION,
    MV_DIGEST,
    MV_EXPIRES,
    MV_INFO,
    MV_LINKED_FROM,
    MV_METADATA,
    MV_TAGS,
    MV_TTL,
    MV_TTL_INHERITED,
    MV_USED_BY_PREFIX,
    RM_ALIAS_PREFIX,
    RM_DEFAULT_TTL,
    RM_LATEST,
    RM_NAME,
    RM_PORTFOLIO,
    RM_PROJECT,
    RM_TYPE,
)
from tracklab.errors import CommError

_ISO = "%Y-%m-%dT%H:%M:%S.%fZ"
_LOGGER = logging.getLogger("tracklab")
# Stores whose old-layout run-scoped collections this process has moved out of the registry.
_MIGRATED: set[str] = set()
_MIGRATE_LOCK = threading.Lock()


@dataclasses.dataclass
class StoredVersion:
    """What the registry knows about one artifact version."""

    collection: str
    number: int
    project: str
    name: str
    type: str
    digest: str
    model_id: str | None
    location: str
    description: str | None
    metadata: dict[str, Any]
    tags: list[str]
    aliases: list[str]
    created_at: int
    updated_at: int
    run_id: str | None
    size: int
    file_count: int
    linked_from: str | None
    used_by: list[str]
    objects: str | None = None       # remote blob root holding the files (None: the version folder)
    ttl: int | None = None           # seconds
    ttl_inherited: bool = False
    expires_at: int | None = None    # epoch milliseconds

    @property
    def version(self) -> str:
        return f"v{self.number - 1}"


def _clean_project(project: str) -> str:
    return re.sub(r"[^\w.\-]", "_", project) or "_"


def no_migration_on_open(tracking_uri: str) -> None:
    """Opening `tracking_uri` in this process will not move old-layout run tables: the caller
    (`tracklab gc`) does it itself, or a dry run leaves them."""
    with _MIGRATE_LOCK:
        _MIGRATED.add(tracking_uri)


class Registry:
    """Registry operations for one tracking URI."""

    def __init__(self, tracking_uri: str, migrate: bool = True) -> None:
        self.tracking_uri = tracking_uri
        self.client = _locate.client(tracking_uri)
        self.run_scoped = _run_scoped.RunScoped(self.client)
        if migrate and tracking_uri not in _MIGRATED:
            self._migrate_once()

    def _migrate_once(self) -> None:
        """First open in this process: move run-scoped collections stored as registered models
        (before TrackLab kept them with their runs) to their new layout; `tracklab gc` does it too."""
        with _MIGRATE_LOCK:
            if self.tracking_uri in _MIGRATED:
                return
            _MIGRATED.add(self.tracking_uri)
            try:
                _run_scoped.migrate(self)
            except Exception as e:  # reading still works on the old layout; gc retries
                _LOGGER.warning("TrackLab could not move run tables out of the model registry of %s: %s",
                                self.tracking_uri, e)

    # -- collections -----------------------------------------------------------------------
    def _candidates(self, project: str | None, name: str, registry: bool) -> list[str]:
        if registry or not project:
            return [name]
        plain = f"{_clean_project(project)}.{name}"
        return [plain, f"{plain}-{hashlib.sha1(f'{project}/{name}'.encode()).hexdigest()[:8]}"]

    def _get_rm(self, name: str) -> Any | None:
        from mlflow.exceptions import MlflowException

        try:
            return self.client.get_registered_model(name)
        except MlflowException:
            return None

    def find_collection(self, project: str | None, name: str, registry: bool = False) -> Any | None:
        """The registered model of collection `project/name` (or registry collection `name`), or the
        run-scoped collection of that name."""
        if not registry and _run_scoped.may_be_run_scoped(name):
            if project:
                experiment = _locate.reader(self.tracking_uri).experiment_id(project)
                found = self.run_scoped.find(experiment, name) if experiment else None
            else:
                found = self.run_scoped.find_anywhere(name)
            if found is not None:
                return found
        for candidate in self._candidates(project, name, registry):
            rm = self._get_rm(candidate)
            if rm is None:
                return None
            tags = rm.tags
            if registry or not project or RM_PROJECT not in tags:
                return rm
            if tags.get(RM_PROJECT) == project and tags.get(RM_NAME) == name:
                return rm
        return None

    def ensure_collection(self, project: str, name: str, kind: str, registry: bool = False,
                          run_scoped_in: str | None = None) -> Any:
        """The collection's registered model, created if new; its type must match `kind`. With
        `run_scoped_in` (an experiment id), the run-scoped collection there instead (made by its
        first version)."""
        from mlflow.exceptions import MlflowException

        if run_scoped_in is not None:
            rm = self.run_scoped.find(run_scoped_in, name)
            if rm is None:
                return RunCollection(run_scoped_in, project, name, kind, [])
            if rm.kind != kind:
                raise ValueError(f"Artifact {name!r} already exists in project {project!r} with type "
                                 f"{rm.kind!r}; cannot log it with type {kind!r}")
            return rm
        rm = self.find_collection(project, name, registry)
        if rm is not None:
            existing = rm.tags.get(RM_TYPE)
            if existing and existing != kind and not registry:
                raise ValueError(f"Artifact {name!r} already exists in project {project!r} with type "
                                 f"{existing!r}; cannot log it with type {kind!r}")
            return rm
        tags = {RM_NAME: name, RM_TYPE: kind, RM_PROJECT: project}
        if registry:
            tags[RM_PORTFOLIO] = "true"
        for candidate in self._candidates(project, name, registry):
            if self._get_rm(candidate) is not None:
                continue
            try:
                return self.client.create_registered_model(candidate, tags=tags)
            except MlflowException:  # created meanwhile by another process
                found = self.find_collection(project, name, registry)
                if found is not None:
                    return found
        raise CommError(f"cannot create a registered model for artifact {project}/{name}")

    def collections(self, project: str | None = None, kind: str | None = None) -> list[Any]:
        """TrackLab collections (registered models, then run-scoped ones), optionally of one
        project and type."""
        out, token = [], None
        while True:
            page = self.client.search_registered_models(f"tags.`{RM_NAME}` LIKE '%'", max_results=1000,
                                                        page_token=token)
            out.extend(rm for rm in page if (not project or rm.tags.get(RM_PROJECT) == project)
                       and (not kind or rm.tags.get(RM_TYPE) == kind))
            token = page.token
            if not token:
                break
        if project:
            experiment = _locate.reader(self.tracking_uri).experiment_id(project)
            experiments = [experiment] if experiment else []
        else:
            experiments = self.run_scoped.all_experiment_ids()
        out += [rc for rc in self.run_scoped.in_experiments(experiments) if not kind or rc.kind == kind]
        return out

    def collection(self, name: str) -> Any:
        """A collection by its `StoredVersion.collection` name (registered model or run-scoped key)."""
        if _run_scoped.is_key(name):
            return self.run_scoped.collection(name)
        return self.client.get_registered_model(name)

    # -- versions ----------------------------------------------------------------------------
    def versions(self, rm: Any) -> list[StoredVersion]:
        if isinstance(rm, RunCollection):
            return self.run_scoped.versions(rm)
        found = self.client.search_model_versions(f"name = '{rm.name}'")
        return sorted((self._stored(rm, mv) for mv in found), key=lambda v: v.number)

    def find_digest(self, rm: Any, digest: str) -> Any | None:
        """The model version holding `digest` (run-scoped: its LoggedModel's `_run_scoped.Version`)."""
        if isinstance(rm, RunCollection):
            return self.run_scoped.find_digest(rm, digest)
        found = self.client.search_model_versions(f"name = '{rm.name}' and tags.`{MV_DIGEST}` = '{digest}'")
        return min(found, key=lambda mv: int(mv.version)) if found else None

    def create_version(self, rm: Any, model: Any, run_id: str | None, tags: dict[str, str],
                       description: str | None, size: int, file_count: int, objects: str | None = None) -> Any:
        """A new model version of `rm` pointing at LoggedModel `model` (files in blob root
        `objects` on a remote store). Run-scoped: the LoggedModel itself becomes the version."""
        if isinstance(rm, RunCollection):
            return self.run_scoped.create_version(rm, model, tags, description, size, file_count, objects)
        info = {"model_id": model.model_id, "location": model.artifact_location, "size": size,
                "file_count": file_count}
        if objects:
            info["objects"] = objects
        tags = {**tags, MV_INFO: json.dumps(info)}
        source = f"models:/{model.model_id}" if is_remote(self.tracking_uri) else model.artifact_location
        mv = self.client.create_model_version(rm.name, source=source, run_id=run_id, tags=tags,
                                              description=description, model_id=model.model_id,
                                              await_creation_for=0)
        links = json.loads(model.tags.get(LM_MODEL_VERSIONS) or "[]")
        links.append({"name": rm.name, "version": int(mv.version)})
        model_tags = {LM_MODEL_VERSIONS: json.dumps(links)}
        if MV_LINKED_FROM not in tags:
            model_tags.update({LM_COLLECTION: rm.name, LM_VERSION: f"v{int(mv.version) - 1}"})
        self.client.set_logged_model_tags(model.model_id, model_tags)
        return mv

    def get(self, rm_name: str, number: int) -> StoredVersion:
        if _run_scoped.is_key(rm_name):
            return self.run_scoped.get(rm_name, number)
        rm = self.client.get_registered_model(rm_name)
        return self._stored(rm, self.client.get_model_version(rm_name, str(number)))

    def resolve(self, spec: _names.Spec, kind: str | None = None) -> StoredVersion:
        """The version a `project/name:alias` spec names; CommError naming what exists if none."""
        rm = self.find_collection(spec.project, spec.name, spec.registry)
        where = f"project {spec.project!r}" if spec.project else "the registry"
        if rm is None:
            known = sorted(c.tags.get(RM_NAME, c.name) for c in self.collections(spec.project))
            more = f" and {len(known) - 20} more" if len(known) > 20 else ""  # a project's run tables can be hundreds
            raise CommError(f"artifact {spec.name!r} not found in {where}; "
                            f"artifacts there: {', '.join(known[:20]) or 'none'}{more}")
        if kind and rm.tags.get(RM_TYPE) and rm.tags[RM_TYPE] != kind:
            raise ValueError(f"artifact {spec.name!r} has type {rm.tags[RM_TYPE]!r}, not {kind!r}")
        number = self._alias_number(rm, spec.alias or "latest")
        if number is None:
            versions = self.versions(rm)
            aliases = sorted({a for v in versions for a in v.aliases})
            raise CommError(f"artifact '{spec.name}:{spec.alias}' not found in {where}; it has versions "
                            f"{', '.join(v.version for v in versions) or 'none'} and aliases "
                            f"{', '.join(aliases) or 'none'}")
        return self.get(rm.name, number)

    def _alias_number(self, rm: Any, alias: str) -> int | None:
        from mlflow.exceptions import MlflowException

        if isinstance(rm, RunCollection):
            return self.run_scoped.alias_number(rm, alias)
        if alias == "latest":
            return self.latest_number(rm)
        index = _names.version_index(alias)
        try:
            if index is not None:
                return int(self.client.get_model_version(rm.name, str(index + 1)).version)
            return int(self.client.get_model_version_by_alias(rm.name, _names.mlflow_alias(alias)).version)
        except MlflowException:
            return None

    def latest_number(self, rm: Any) -> int | None:
        if isinstance(rm, RunCollection):
            return self.run_scoped.latest_number(rm)
        numbers = [int(mv.version) for mv in rm.latest_versions or []]
        newest = max(numbers) if numbers else None
        tagged = rm.tags.get(RM_LATEST)
        if tagged and newest is not None and int(tagged) <= newest:
            from mlflow.exceptions import MlflowException

            try:
                self.client.get_model_version(rm.name, tagged)
                return int(tagged)
            except MlflowException:
                pass
        return newest

    # -- aliases ----------------------------------------------------------------------------
    def add_aliases(self, rm: Any, number: int, aliases: list[str]) -> None:
        """Point `aliases` (moving them from other versions) and, with 'latest', the latest mark here."""
        if isinstance(rm, RunCollection):
            return self.run_scoped.add_aliases(rm, number, aliases)
        for alias in dict.fromkeys(aliases):
            if alias == "latest":
                self.client.set_registered_model_tag(rm.name, RM_LATEST, str(number))
                continue
            mlflow_name = _names.mlflow_alias(_names.check_alias(alias))
            if mlflow_name != alias:
                self.client.set_registered_model_tag(rm.name, RM_ALIAS_PREFIX + mlflow_name, alias)
            self.client.set_registered_model_alias(rm.name, mlflow_name, str(number))

    def remove_aliases(self, rm: Any, aliases: list[str]) -> None:
        if isinstance(rm, RunCollection):
            return self.run_scoped.remove_aliases(rm, aliases)
        for alias in aliases:
            if alias != "latest":
                self.client.delete_registered_model_alias(rm.name, _names.mlflow_alias(alias))

    # -- edits, lineage, deletion -----------------------------------------------------------
    def update(self, version: StoredVersion, description: str | None, metadata: dict[str, Any],
               tags: list[str]) -> None:
        """Persist edited description, metadata and tags of a version."""
        if _run_scoped.is_key(version.collection):
            return self.run_scoped.update(version, description, {MV_METADATA: metadata, MV_TAGS: list(tags)})
        number = str(version.number)
        self.client.update_model_version(version.collection, number, description=description or "")
        for key, value, old in ((MV_METADATA, metadata, version.metadata), (MV_TAGS, list(tags), version.tags)):
            if value:
                self.client.set_model_version_tag(version.collection, number, key, json.dumps(value))
            elif old:
                self.client.delete_model_version_tag(version.collection, number, key)

    def default_ttl(self, rm_name: str) -> int | None:
        """The collection's TTL for versions logged with ArtifactTTL.INHERIT (tag `tracklab.default_ttl`)."""
        if _run_scoped.is_key(rm_name):
            return None  # a run's tables have no collection to carry a default
        value = (self.client.get_registered_model(rm_name).tags or {}).get(RM_DEFAULT_TTL)
        try:
            return int(value) if value else None
        except ValueError:
            raise ValueError(f"registered model {rm_name!r} has tag {RM_DEFAULT_TTL}={value!r}; "
                             "it must be a number of seconds") from None

    def set_ttl(self, rm_name: str, number: int, ttl: Any) -> None:
        """Give a version a TTL: seconds, None (none), or "inherit" (the collection default).
        The expiry is the version's creation time plus the TTL, as in wandb."""
        if _run_scoped.is_key(rm_name):
            return self.run_scoped.set_ttl(rm_name, number, ttl)
        inherited = ttl == "inherit"
        seconds = self.default_ttl(rm_name) if inherited else ttl
        version = str(number)
        if seconds is None:
            for key in (MV_TTL, MV_TTL_INHERITED, MV_EXPIRES):
                with contextlib.suppress(Exception):  # MLflow raises when the tag was never set
                    self.client.delete_model_version_tag(rm_name, version, key)
            return
        created = self.client.get_model_version(rm_name, version).creation_timestamp
        expires = datetime.datetime.fromtimestamp(created / 1000 + int(seconds), datetime.timezone.utc)
        self.client.set_model_version_tag(rm_name, version, MV_TTL, str(int(seconds)))
        self.client.set_model_version_tag(rm_name, version, MV_TTL_INHERITED, "true" if inherited else "false")
        self.client.set_model_version_tag(rm_name, version, MV_EXPIRES, expires.strftime(_ISO))

    def mark_used(self, version: StoredVersion, run_id: str, label: str) -> None:
        """Record that MLflow run `run_id` used `version` (run input + version tag)."""
        from mlflow.entities import LoggedModelInput

        if _run_scoped.is_key(version.collection):
            return self.run_scoped.mark_used(version, run_id, label)
        if version.model_id:
            self.client.log_inputs(run_id, models=[LoggedModelInput(version.model_id)])
        self.client.set_model_version_tag(version.collection, str(version.number), MV_USED_BY_PREFIX + run_id, label)

    def delete(self, version: StoredVersion, keep_model: bool) -> None:
        """Delete a model version (and its LoggedModel unless other versions point at it)."""
        if _run_scoped.is_key(version.collection):
            return self.run_scoped.delete(version, keep_model)
        rm = self.client.get_registered_model(version.collection)
        self.client.delete_model_version(version.collection, str(version.number))
        if rm.tags.get(RM_LATEST) == str(version.number):
            self.client.delete_registered_model_tag(version.collection, RM_LATEST)
        if version.model_id and not keep_model:
            self.client.delete_logged_model(version.model_id)

    def versions_of_model(self, model_id: str) -> list[tuple[str, int]]:
        """(registered model, version) pairs that still point at LoggedModel `model_id`, oldest
        first; a run-scoped version comes first as (its key, number)."""
        from mlflow.exceptions import MlflowException

        try:
            model = self.client.get_logged_model(model_id)
        except MlflowException:
            return []
        out = _run_scoped.own_version(model)
        for link in json.loads(model.tags.get(LM_MODEL_VERSIONS) or "[]"):
            try:
                self.client.get_model_version(link["name"], str(link["version"]))
            except MlflowException:
                continue
            out.append((link["name"], int(link["version"])))
        return out

    # -- reading ------------------------------------------------------------------------------
    def _stored(self, rm: Any, mv: Any) -> StoredVersion:
        tags = mv.tags or {}
        info = json.loads(tags.get(MV_INFO) or "{}")
        rm_tags = rm.tags or {}
        number = int(mv.version)
        aliases = [rm_tags.get(RM_ALIAS_PREFIX + a, a) for a, v in (rm.aliases or {}).items() if int(v) == number]
        if self.latest_number(rm) == number:
            aliases.insert(0, "latest")
        return stored_version(rm.name, number, rm_tags, tags, aliases, info.get("model_id"), mv.description,
                              mv.creation_timestamp, mv.last_updated_timestamp, mv.run_id, location=mv.source)


def stored_version(collection: str, number: int, collection_tags: dict[str, str], tags: dict[str, str],
                   aliases: list[str], model_id: str | None, description: str | None, created_at: int,
                   updated_at: int, run_id: str | None, location: str = "") -> StoredVersion:
    """A StoredVersion from the tags a version carries (a model version's, or a run-scoped
    LoggedModel's) and its collection's."""
    info = json.loads(tags.get(MV_INFO) or "{}")
    return StoredVersion(
        collection=collection, number=number, project=collection_tags.get(RM_PROJECT, ""),
        name=collection_tags.get(RM_NAME, collection), type=collection_tags.get(RM_TYPE, "model"),
        digest=tags.get(MV_DIGEST, ""), model_id=model_id or info.get("model_id"),
        location=info.get("location") or location, description=description or None,
        metadata=json.loads(tags.get(MV_METADATA) or "{}"), tags=json.loads(tags.get(MV_TAGS) or "[]"),
        aliases=aliases, created_at=created_at, updated_at=updated_at,
        run_id=run_id or None, size=int(info.get("size") or 0), file_count=int(info.get("file_count") or 0),
        linked_from=tags.get(MV_LINKED_FROM),
        used_by=[k[len(MV_USED_BY_PREFIX):] for k in tags if k.startswith(MV_USED_BY_PREFIX)],
        objects=info.get("objects"), ttl=int(tags[MV_TTL]) if tags.get(MV_TTL) else None,
        ttl_inherited=tags.get(MV_TTL_INHERITED) == "true", expires_at=_epoch_ms(tags.get(MV_EXPIRES)),
    )


def _epoch_ms(iso: str | None) -> int | None:
    if not iso:
        return None
    moment = datetime.datetime.strptime(iso, _ISO).replace(tzinfo=datetime.timezone.utc)
    return int(moment.timestamp() * 1000)
