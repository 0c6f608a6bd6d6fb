"""Collections, versions, aliases and lineage on MLflow's model registry.

A collection (`project/name`) is a registered model `<project>.<name>`; version `vN` is its
model version N+1, pointing at the LoggedModel that holds the files. Custom aliases are
registered-model aliases; `latest` is the version logged most recently (a registered-model
tag, since MLflow reserves the alias). See docs/artifacts.md.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime
import hashlib
import json
import re
from typing import Any

from tracklab.backend.artifact_store import _locate, _names
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


class Registry:
    """Registry operations for one tracking URI."""

    def __init__(self, tracking_uri: str) -> None:
        self.tracking_uri = tracking_uri
        self.client = _locate.client(tracking_uri)

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
        """The registered model of collection `project/name` (or registry collection `name`)."""
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

    def ensure_collection(self, project: str, name: str, kind: str, registry: bool = False) -> Any:
        """The collection's registered model, created if new; its type must match `kind`."""
        from mlflow.exceptions import MlflowException

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
        """TrackLab collections (registered models), optionally of one project and type."""
        out, token = [], None
        while True:
            page = self.client.search_registered_models(f"tags.`{RM_NAME}` LIKE '%'", max_results=1000,
                                                        page_token=token)
            out.extend(rm for rm in page if (not project or rm.tags.get(RM_PROJECT) == project)
                       and (not kind or rm.tags.get(RM_TYPE) == kind))
            token = page.token
            if not token:
                return out

    # -- versions ----------------------------------------------------------------------------
    def versions(self, rm: Any) -> list[StoredVersion]:
        found = self.client.search_model_versions(f"name = '{rm.name}'")
        return sorted((self._stored(rm, mv) for mv in found), key=lambda v: v.number)

    def find_digest(self, rm: Any, digest: str) -> Any | None:
        found = self.client.search_model_versions(f"name = '{rm.name}' and tags.`{MV_DIGEST}` = '{digest}'")
        return min(found, key=lambda mv: int(mv.version)) if found else None

    def create_version(self, rm: Any, model: Any, run_id: str | None, tags: dict[str, str],
                       description: str | None, size: int, file_count: int, objects: str | None = None) -> Any:
        """A new model version of `rm` pointing at LoggedModel `model` (files in blob root
        `objects` on a remote store)."""
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
        rm = self.client.get_registered_model(rm_name)
        return self._stored(rm, self.client.get_model_version(rm_name, str(number)))

    def resolve(self, spec: _names.Spec, kind: str | None = None) -> StoredVersion:
        """The version a `project/name:alias` spec names; CommError naming what exists if none."""
        rm = self.find_collection(spec.project, spec.name, spec.registry)
        where = f"project {spec.project!r}" if spec.project else "the registry"
        if rm is None:
            known = sorted(c.tags.get(RM_NAME, c.name) for c in self.collections(spec.project))
            raise CommError(f"artifact {spec.name!r} not found in {where}; "
                            f"artifacts there: {', '.join(known) or 'none'}")
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
        for alias in dict.fromkeys(aliases):
            if alias == "latest":
                self.client.set_registered_model_tag(rm.name, RM_LATEST, str(number))
                continue
            mlflow_name = _names.mlflow_alias(_names.check_alias(alias))
            if mlflow_name != alias:
                self.client.set_registered_model_tag(rm.name, RM_ALIAS_PREFIX + mlflow_name, alias)
            self.client.set_registered_model_alias(rm.name, mlflow_name, str(number))

    def remove_aliases(self, rm: Any, aliases: list[str]) -> None:
        for alias in aliases:
            if alias != "latest":
                self.client.delete_registered_model_alias(rm.name, _names.mlflow_alias(alias))

    # -- edits, lineage, deletion -----------------------------------------------------------
    def update(self, version: StoredVersion, description: str | None, metadata: dict[str, Any],
               tags: list[str]) -> None:
        """Persist edited description, metadata and tags of a version."""
        number = str(version.number)
        self.client.update_model_version(version.collection, number, description=description or "")
        for key, value, old in ((MV_METADATA, metadata, version.metadata), (MV_TAGS, list(tags), version.tags)):
            if value:
                self.client.set_model_version_tag(version.collection, number, key, json.dumps(value))
            elif old:
                self.client.delete_model_version_tag(version.collection, number, key)

    def default_ttl(self, rm_name: str) -> int | None:
        """The collection's TTL for versions logged with ArtifactTTL.INHERIT (tag `tracklab.default_ttl`)."""
        value = (self.client.get_registered_model(rm_name).tags or {}).get(RM_DEFAULT_TTL)
        try:
            return int(value) if value else None
        except ValueError:
            raise ValueError(f"registered model {rm_name!r} has tag {RM_DEFAULT_TTL}={value!r}; "
                             "it must be a number of seconds") from None

    def set_ttl(self, rm_name: str, number: int, ttl: Any) -> None:
        """Give a version a TTL: seconds, None (none), or "inherit" (the collection default).
        The expiry is the version's creation time plus the TTL, as in wandb."""
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

        if version.model_id:
            self.client.log_inputs(run_id, models=[LoggedModelInput(version.model_id)])
        self.client.set_model_version_tag(version.collection, str(version.number), MV_USED_BY_PREFIX + run_id, label)

    def delete(self, version: StoredVersion, keep_model: bool) -> None:
        """Delete a model version (and its LoggedModel unless other versions point at it)."""
        rm = self.client.get_registered_model(version.collection)
        self.client.delete_model_version(version.collection, str(version.number))
        if rm.tags.get(RM_LATEST) == str(version.number):
            self.client.delete_registered_model_tag(version.collection, RM_LATEST)
        if version.model_id and not keep_model:
            self.client.delete_logged_model(version.model_id)

    def versions_of_model(self, model_id: str) -> list[tuple[str, int]]:
        """(registered model, version) pairs that still point at LoggedModel `model_id`, oldest first."""
        from mlflow.exceptions import MlflowException

        try:
            model = self.client.get_logged_model(model_id)
        except MlflowException:
            return []
        out = []
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
        return StoredVersion(
            collection=rm.name, number=number, project=rm_tags.get(RM_PROJECT, ""),
            name=rm_tags.get(RM_NAME, rm.name), type=rm_tags.get(RM_TYPE, "model"),
            digest=tags.get(MV_DIGEST, ""), model_id=info.get("model_id"),
            location=info.get("location") or mv.source, description=mv.description or None,
            metadata=json.loads(tags.get(MV_METADATA) or "{}"), tags=json.loads(tags.get(MV_TAGS) or "[]"),
            aliases=aliases, created_at=mv.creation_timestamp, updated_at=mv.last_updated_timestamp,
            run_id=mv.run_id or None, size=int(info.get("size") or 0), file_count=int(info.get("file_count") or 0),
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
