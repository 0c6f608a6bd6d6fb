"""The artifact part of `tracklab.Api()` (wandb.Api): `artifact`, `artifacts`, collections,
types, and a stored run's `logged_artifacts()` / `used_artifacts()`. Each function takes the
Api (or public Run) object as its first argument; `tracklab.apis.public` delegates here."""

from __future__ import annotations

from typing import Any

from tracklab.backend.artifact_store import _names, _registry
from tracklab.backend.artifact_store._registry import Registry
from tracklab.backend.artifact_store._run_scoped import RunCollection
from tracklab.errors import CommError
from tracklab.sdk.artifacts.artifact import Artifact, _iso


class ArtifactCollection:
    """All versions of one artifact name (a registered model, or a run's run-scoped LoggedModels)."""

    def __init__(self, tracking_uri: str, rm_name: str, rm: Any = None) -> None:
        self._tracking_uri = tracking_uri
        self._registry = Registry(tracking_uri)
        self._rm = rm or self._registry.collection(rm_name)
        self._run_scoped = isinstance(self._rm, RunCollection)
        tags = self._rm.tags or {}
        self.name: str = tags.get(_registry.RM_NAME, self._rm.name)
        self.type: str = tags.get(_registry.RM_TYPE, "model")
        self.project: str = tags.get(_registry.RM_PROJECT, "")
        self.entity = ""
        # None for a run's tables: they are kept with the run, not in MLflow's model registry.
        self.registered_model_name: str | None = None if self._run_scoped else self._rm.name
        self.description: str | None = self._rm.description or None
        self.created_at = _iso(self._rm.creation_timestamp)

    @property
    def aliases(self) -> list[str]:
        return sorted({a for v in self._registry.versions(self._rm) for a in v.aliases})

    def is_sequence(self) -> bool:
        """True for a logged collection, False for a registry (link) collection."""
        return (self._rm.tags or {}).get(_registry.RM_PORTFOLIO) != "true"

    def artifacts(self, per_page: int | None = None) -> list[Artifact]:
        """Every version, oldest first."""
        return [Artifact._from_stored(v, self._tracking_uri) for v in self._registry.versions(self._rm)]

    versions = artifacts

    def save(self) -> None:
        if self._run_scoped:
            raise ValueError(f"{self.name} is a run's own artifact; its collection has no description to save")
        self._registry.client.update_registered_model(self._rm.name, description=self.description or "")

    def delete(self) -> None:
        """Delete every version, then the collection."""
        for artifact in self.artifacts():
            artifact.delete(delete_aliases=True)
        if not self._run_scoped:
            self._registry.client.delete_registered_model(self._rm.name)

    def __repr__(self) -> str:
        return f"<ArtifactCollection {self.project}/{self.name} ({self.type})>"


class ArtifactType:
    """The collections of one artifact type in a project."""

    def __init__(self, tracking_uri: str, project: str | None, type_name: str) -> None:
        self._tracking_uri = tracking_uri
        self.project = project
        self.name = self.type = type_name

    def collections(self, per_page: int | None = None) -> list[ArtifactCollection]:
        found = Registry(self._tracking_uri).collections(self.project, self.name)
        return [ArtifactCollection(self._tracking_uri, rm.name, rm) for rm in found]

    def collection(self, name: str) -> ArtifactCollection:
        return _collection(self._tracking_uri, self.project, name, self.name)

    def __repr__(self) -> str:
        return f"<ArtifactType {self.name}>"


# -- Api methods ------------------------------------------------------------------------------------
def _default_project(api: Any) -> str | None:
    return (getattr(api, "settings", None) or {}).get("project")


def artifact(api: Any, name: str, type: str | None = None) -> Artifact:
    """`Api().artifact("project/name:alias")`: one stored version."""
    spec = _names.parse_spec(name, _default_project(api))
    return Artifact._from_stored(Registry(api.tracking_uri).resolve(spec, type), api.tracking_uri)


def artifact_exists(api: Any, name: str, type: str | None = None) -> bool:
    try:
        artifact(api, name, type)
    except (CommError, ValueError):
        return False
    return True


def _collection(tracking_uri: str, project: str | None, name: str, type_name: str | None) -> ArtifactCollection:
    spec = _names.parse_spec(name, project)
    rm = Registry(tracking_uri).find_collection(spec.project, spec.name, spec.registry)
    if rm is None:
        raise CommError(f"artifact collection {name!r} not found in project {spec.project!r}")
    found = ArtifactCollection(tracking_uri, rm.name, rm)
    if type_name and found.type != type_name:
        raise CommError(f"artifact collection {name!r} has type {found.type!r}, not {type_name!r}")
    return found


def artifact_collection(api: Any, type_name: str, name: str) -> ArtifactCollection:
    """`Api().artifact_collection("dataset", "project/name")`."""
    return _collection(api.tracking_uri, _default_project(api), name, type_name)


def artifact_collection_exists(api: Any, name: str, type: str) -> bool:
    try:
        artifact_collection(api, type, name)
    except CommError:
        return False
    return True


def artifacts(api: Any, type_name: str, name: str, per_page: int | None = None,
              tags: list[str] | None = None) -> list[Artifact]:
    """Every version of collection `project/name` (optionally only those carrying all `tags`)."""
    found = artifact_collection(api, type_name, name).artifacts()
    return [a for a in found if not tags or set(tags) <= set(a.tags)]


artifact_versions = artifacts


def artifact_collections(api: Any, project_name: str, type_name: str | None = None,
                         per_page: int | None = None) -> list[ArtifactCollection]:
    found = Registry(api.tracking_uri).collections(project_name, type_name)
    return [ArtifactCollection(api.tracking_uri, rm.name, rm) for rm in found]


def artifact_type(api: Any, type_name: str, project: str | None = None) -> ArtifactType:
    return ArtifactType(api.tracking_uri, project or _default_project(api), type_name)


def artifact_types(api: Any, project: str | None = None) -> list[ArtifactType]:
    project = project or _default_project(api)
    kinds = sorted({(rm.tags or {}).get(_registry.RM_TYPE, "model") for rm in Registry(api.tracking_uri).collections(project)})
    return [ArtifactType(api.tracking_uri, project, kind) for kind in kinds]


# -- public Run methods --------------------------------------------------------------------------------
def logged_artifacts(run: Any, per_page: int = 100) -> list[Artifact]:
    """Versions a stored run logged (it is their LoggedModel's source run): registered ones and
    its run-scoped ones (its tables), oldest first."""
    uri = run._api.tracking_uri
    registry = Registry(uri)
    found = registry.client.search_model_versions(f"run_id = '{run.mlflow_run_id}'")
    mine = [mv for mv in found if _registry.MV_DIGEST in (mv.tags or {}) and _registry.MV_LINKED_FROM not in mv.tags]
    stored = [registry.get(mv.name, int(mv.version)) for mv in mine]
    stored += registry.run_scoped.logged_by(run.mlflow_run.info.experiment_id, run.mlflow_run_id)
    return [Artifact._from_stored(v, uri) for v in sorted(stored, key=lambda v: (v.created_at, v.number))]


def used_artifacts(run: Any, per_page: int = 100) -> list[Artifact]:
    """Versions a stored run used (its MLflow model inputs)."""
    uri = run._api.tracking_uri
    registry = Registry(uri)
    inputs = registry.client.get_run(run.mlflow_run_id).inputs
    out = []
    for model_input in getattr(inputs, "model_inputs", None) or []:
        versions = registry.versions_of_model(model_input.model_id)
        if versions:  # the first is the version it was logged as; later ones are links
            out.append(Artifact._from_stored(registry.get(*versions[0]), uri))
    return out
