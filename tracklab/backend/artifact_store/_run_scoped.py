"""Run-scoped artifacts: the `run-<run id>-<key>` versions wandb makes for a run's logged tables
are outputs of that run, so they stay out of MLflow's model registry.

Each version is the LoggedModel that holds its files (in the project's experiment, its source run
the producing run), tagged with what a registered model and its model version would otherwise
hold: `tracklab.run_artifact` (the name), `tracklab.version` (`vN`), `tracklab.aliases`, and the
version tags (digest, info, metadata, tags, TTL, used-by). A collection is the LoggedModels of one
name in one experiment; its key (`StoredVersion.collection`) is `<experiment id>:<name>`, a name no
registered model can have (MLflow refuses `:` there), which is how `_registry.Registry` tells the
two kinds apart. `migrate` moves collections stored the old way (registered models
`<project>.run-<id>-<key>`) to this layout. See docs/artifacts.md.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime
import json
from typing import TYPE_CHECKING, Any, NamedTuple

from tracklab.backend.artifact_store import _names
from tracklab.backend.mapping import (
    LM_ALIASES,
    LM_COLLECTION,
    LM_DESCRIPTION,
    LM_MODEL_VERSIONS,
    LM_PROJECT,
    LM_RUN_ARTIFACT,
    LM_VERSION,
    MV_DIGEST,
    MV_EXPIRES,
    MV_INFO,
    MV_LINKED_FROM,
    MV_TTL,
    MV_TTL_INHERITED,
    MV_USED_BY_PREFIX,
    RM_ALIAS_PREFIX,
    RM_LATEST,
    RM_NAME,
    RM_PORTFOLIO,
    RM_PROJECT,
    RM_TYPE,
    TAG_RUN_ID,
)

if TYPE_CHECKING:
    from tracklab.backend.artifact_store._registry import StoredVersion

_ISO = "%Y-%m-%dT%H:%M:%S.%fZ"
_PAGE = 1000


def is_run_scoped(name: str, run_id: str | None) -> bool:
    """Whether `name` is the run-scoped artifact of TrackLab run `run_id` (wandb's `run-<id>-...`)."""
    return bool(run_id) and name.startswith(f"run-{run_id}-")


def may_be_run_scoped(name: str) -> bool:
    """Whether a looked-up name could be a run-scoped artifact (wandb names them `run-<id>-<key>`)."""
    return name.startswith("run-")


def is_key(collection: str) -> bool:
    """Whether a collection name is a run-scoped key (`<experiment id>:<name>`), not a registered model."""
    return ":" in collection


def _number(model: Any) -> int:
    """The MLflow-style version number (N+1 for `vN`) a run-scoped LoggedModel carries."""
    index = _names.version_index((model.tags or {}).get(LM_VERSION, ""))
    return -1 if index is None else index + 1


def own_version(model: Any) -> list[tuple[str, int]]:
    """[(collection key, number)] of a run-scoped LoggedModel; [] for any other."""
    name = (model.tags or {}).get(LM_RUN_ARTIFACT)
    return [(f"{model.experiment_id}:{name}", _number(model))] if name and _number(model) > 0 else []


class Version(NamedTuple):
    """What the registry's dedup-and-create step needs of a version: its number (as MLflow's
    model versions give it) and, here, the LoggedModel."""

    version: str
    model: Any


def _aliases(model: Any) -> list[str]:
    return json.loads((model.tags or {}).get(LM_ALIASES) or "[]")


@dataclasses.dataclass
class RunCollection:
    """The versions of one run-scoped artifact; quacks like the registered model it replaces."""

    experiment_id: str
    project: str
    artifact_name: str
    kind: str
    models: list[Any]  # its LoggedModels, oldest version first

    description = None
    aliases: dict[str, str] = dataclasses.field(default_factory=dict)  # no registered-model aliases
    latest_versions: list[Any] = dataclasses.field(default_factory=list)

    @property
    def name(self) -> str:
        return f"{self.experiment_id}:{self.artifact_name}"

    @property
    def tags(self) -> dict[str, str]:
        return {RM_NAME: self.artifact_name, RM_TYPE: self.kind, RM_PROJECT: self.project}

    @property
    def creation_timestamp(self) -> int:
        return min((m.creation_timestamp for m in self.models), default=0)

    def model(self, number: int) -> Any | None:
        return next((m for m in self.models if _number(m) == number), None)


class RunScoped:
    """Run-scoped collections and versions of one store (through MLflow's client)."""

    def __init__(self, client: Any) -> None:
        self.client = client

    # -- finding -----------------------------------------------------------------------------
    def _search(self, experiment_ids: list[str], where: str) -> list[Any]:
        """LoggedModels of these experiments matching `where`, asked 100 experiments at a time."""
        out = []
        for start in range(0, len(experiment_ids), 100):
            token = None
            while True:
                page = self.client.search_logged_models(experiment_ids[start:start + 100], filter_string=where,
                                                        max_results=_PAGE, page_token=token)
                out.extend(page)
                token = page.token
                if not token:
                    break
        return out

    def all_experiment_ids(self) -> list[str]:
        """Every active experiment of the store (where a name given without its project may be)."""
        return [e.experiment_id for e in self.client.search_experiments(max_results=50000)]

    def _grouped(self, models: list[Any]) -> list[RunCollection]:
        groups: dict[tuple[str, str], list[Any]] = {}
        for model in models:
            if _number(model) > 0:
                groups.setdefault((model.experiment_id, model.tags[LM_RUN_ARTIFACT]), []).append(model)
        return [RunCollection(exp, found[0].tags.get(LM_PROJECT, ""), name, found[0].model_type or "run_table",
                              sorted(found, key=_number))
                for (exp, name), found in sorted(groups.items(), key=lambda g: g[0][1])]

    def find(self, experiment_id: str, name: str) -> RunCollection | None:
        """Run-scoped collection `name` of an experiment, or None."""
        found = self._grouped(self._search([experiment_id], f"tags.`{LM_RUN_ARTIFACT}` = '{name}'"))
        return found[0] if found else None

    def find_anywhere(self, name: str) -> RunCollection | None:
        """Run-scoped collection `name` in whichever experiment holds it (a name given without
        its project: run ids rarely repeat across projects; if they do, the name is ambiguous)."""
        found = self._grouped(self._search(self.all_experiment_ids(), f"tags.`{LM_RUN_ARTIFACT}` = '{name}'"))
        if len(found) > 1:
            from tracklab.errors import CommError

            projects = ", ".join(sorted(rc.project for rc in found))
            raise CommError(f"artifact {name!r} exists in several projects ({projects}); name the project")
        return found[0] if found else None

    def collection(self, key: str) -> RunCollection:
        from tracklab.errors import CommError

        experiment_id, name = key.split(":", 1)
        found = self.find(experiment_id, name)
        if found is None:
            raise CommError(f"run-scoped artifact {name!r} has no versions in experiment {experiment_id}")
        return found

    def in_experiments(self, experiment_ids: list[str]) -> list[RunCollection]:
        """Every run-scoped collection of these experiments."""
        return self._grouped(self._search(experiment_ids, f"tags.`{LM_RUN_ARTIFACT}` LIKE '%'"))

    def logged_by(self, experiment_id: str, mlflow_run_id: str) -> list[StoredVersion]:
        """The run-scoped versions MLflow run `mlflow_run_id` logged."""
        where = f"source_run_id = '{mlflow_run_id}' AND tags.`{LM_RUN_ARTIFACT}` LIKE '%'"
        out = []
        for name in sorted({m.tags[LM_RUN_ARTIFACT] for m in self._search([experiment_id], where)}):
            rm = self.find(experiment_id, name)  # all its versions: which one is latest
            out += [self.stored(rm, m) for m in (rm.models if rm else []) if m.source_run_id == mlflow_run_id]
        return out

    def with_expiry(self) -> list[StoredVersion]:
        """The run-scoped versions of the store that have an expiry (a TTL)."""
        where = f"tags.`{MV_EXPIRES}` LIKE '%' AND tags.`{LM_RUN_ARTIFACT}` LIKE '%'"
        out, collections = [], {}
        for model in self._search(self.all_experiment_ids(), where):
            key = (model.experiment_id, model.tags[LM_RUN_ARTIFACT])
            if key not in collections:
                collections[key] = self.find(*key)
            rm = collections[key]
            if rm is not None and rm.model(_number(model)) is not None:
                out.append(self.stored(rm, rm.model(_number(model))))
        return out

    # -- versions ----------------------------------------------------------------------------
    def versions(self, rm: RunCollection) -> list[StoredVersion]:
        return [self.stored(rm, m) for m in rm.models]

    def get(self, key: str, number: int) -> StoredVersion:
        from tracklab.errors import CommError

        rm = self.collection(key)
        model = rm.model(number)
        if model is None:
            raise CommError(f"run-scoped artifact {rm.artifact_name!r} has no version v{number - 1}")
        return self.stored(rm, model)

    def find_digest(self, rm: RunCollection, digest: str) -> Version | None:
        found = next((m for m in rm.models if (m.tags or {}).get(MV_DIGEST) == digest), None)
        return None if found is None else Version(str(_number(found)), found)

    def create_version(self, rm: RunCollection, model: Any, tags: dict[str, str], description: str | None,
                       size: int, file_count: int, objects: str | None) -> Version:
        """Make LoggedModel `model` the next version of `rm` (the caller holds the collection lock)."""
        number = max((_number(m) for m in rm.models), default=0) + 1
        info = {"model_id": model.model_id, "location": model.artifact_location, "size": size,
                "file_count": file_count}
        if objects:
            info["objects"] = objects
        new = {**tags, MV_INFO: json.dumps(info), LM_RUN_ARTIFACT: rm.artifact_name, LM_PROJECT: rm.project,
               LM_COLLECTION: rm.name, LM_VERSION: f"v{number - 1}", LM_ALIASES: "[]"}
        if description:
            new[LM_DESCRIPTION] = description
        self.client.set_logged_model_tags(model.model_id, new)
        fresh = self.client.get_logged_model(model.model_id)
        rm.models.append(fresh)
        return Version(str(number), fresh)

    def latest_number(self, rm: RunCollection) -> int | None:
        tagged = [_number(m) for m in rm.models if "latest" in _aliases(m)]
        return tagged[-1] if tagged else max((_number(m) for m in rm.models), default=None)

    def alias_number(self, rm: RunCollection, alias: str) -> int | None:
        if alias == "latest":
            return self.latest_number(rm)
        index = _names.version_index(alias)
        if index is not None:
            return index + 1 if rm.model(index + 1) is not None else None
        return next((_number(m) for m in rm.models if alias in _aliases(m)), None)

    # -- aliases, edits, lineage, deletion -------------------------------------------------------
    def add_aliases(self, rm: RunCollection, number: int, aliases: list[str]) -> None:
        """Point `aliases` here, moving them from the collection's other versions."""
        wanted = [a if a == "latest" else _names.check_alias(a) for a in dict.fromkeys(aliases)]
        for model in rm.models:
            have = _aliases(model)
            if _number(model) == number:
                new = have + [a for a in wanted if a not in have]
            else:
                new = [a for a in have if a not in wanted]
            if new != have:
                self.client.set_logged_model_tags(model.model_id, {LM_ALIASES: json.dumps(new)})
                model.tags[LM_ALIASES] = json.dumps(new)

    def remove_aliases(self, rm: RunCollection, aliases: list[str]) -> None:
        for model in rm.models:
            have = _aliases(model)
            new = [a for a in have if a == "latest" or a not in aliases]
            if new != have:
                self.client.set_logged_model_tags(model.model_id, {LM_ALIASES: json.dumps(new)})
                model.tags[LM_ALIASES] = json.dumps(new)

    def update(self, version: StoredVersion, description: str | None, values: dict[str, Any]) -> None:
        """Persist an edited description and the JSON-valued tags in `values` (empty: removed)."""
        model_id = version.model_id
        for key, value in ((LM_DESCRIPTION, description), *values.items()):
            if value:
                self.client.set_logged_model_tags(model_id, {key: value if key == LM_DESCRIPTION else json.dumps(value)})
            else:
                with contextlib.suppress(Exception):  # MLflow raises when the tag was never set
                    self.client.delete_logged_model_tag(model_id, key)

    def set_ttl(self, key: str, number: int, ttl: Any) -> None:
        """A TTL (seconds) or none; run-scoped collections have no default to inherit."""
        version = self.get(key, number)
        seconds = None if ttl == "inherit" else ttl
        if seconds is None and version.ttl is None and version.expires_at is None:
            return
        if seconds is None:
            for tag in (MV_TTL, MV_TTL_INHERITED, MV_EXPIRES):
                with contextlib.suppress(Exception):
                    self.client.delete_logged_model_tag(version.model_id, tag)
            return
        expires = datetime.datetime.fromtimestamp(version.created_at / 1000 + int(seconds), datetime.timezone.utc)
        self.client.set_logged_model_tags(version.model_id, {MV_TTL: str(int(seconds)), MV_TTL_INHERITED: "false",
                                                             MV_EXPIRES: expires.strftime(_ISO)})

    def mark_used(self, version: StoredVersion, run_id: str, label: str) -> None:
        from mlflow.entities import LoggedModelInput

        self.client.log_inputs(run_id, models=[LoggedModelInput(version.model_id)])
        self.client.set_logged_model_tags(version.model_id, {MV_USED_BY_PREFIX + run_id: label})

    def delete(self, version: StoredVersion, keep_model: bool) -> None:
        """Remove a version; `keep_model`: registry links still point at its LoggedModel, so only
        its run-scoped tags go."""
        if not keep_model:
            self.client.delete_logged_model(version.model_id)
            return
        for tag in (LM_RUN_ARTIFACT, LM_VERSION, LM_ALIASES, LM_COLLECTION):
            with contextlib.suppress(Exception):
                self.client.delete_logged_model_tag(version.model_id, tag)

    # -- reading ------------------------------------------------------------------------------
    def stored(self, rm: RunCollection, model: Any) -> StoredVersion:
        from tracklab.backend.artifact_store._registry import stored_version

        tags = dict(model.tags or {})
        number = _number(model)
        aliases = [a for a in _aliases(model) if a != "latest"]
        if self.latest_number(rm) == number:
            aliases.insert(0, "latest")
        return stored_version(rm.name, number, rm.tags, tags, aliases, model.model_id,
                              tags.get(LM_DESCRIPTION), model.creation_timestamp,
                              model.last_updated_timestamp, model.source_run_id)


# -- migration of the old layout ---------------------------------------------------------------------
class Migration:
    """Moving old-layout run tables (registered models `<project>.run-<id>-<key>`) out of the
    registry. Few calls per collection (its versions, one tag write per version, the deletion),
    so that a store of hundreds of them is moved on first open without a long stall."""

    def __init__(self, registry: Any) -> None:
        from mlflow.exceptions import MlflowException

        self.registry = registry
        self.client = registry.client
        self._missing = MlflowException
        self._runs: dict[str, str | None] = {}          # MLflow run id -> TrackLab run id
        self._experiments: dict[str, str | None] = {}   # project -> experiment id
        self._links: list[Any] | None = None

    def collections(self) -> list[tuple[Any, list[Any]]]:
        """(registered model, its model versions) of each old-layout run table."""
        found, token = [], None
        while True:
            page = self.client.search_registered_models(f"tags.`{RM_NAME}` LIKE 'run-%'", max_results=1000,
                                                        page_token=token)
            found.extend(rm for rm in page if (rm.tags or {}).get(RM_PORTFOLIO) != "true")
            token = page.token
            if not token:
                break
        out = []
        for rm in found:
            versions = sorted(self.client.search_model_versions(f"name = '{rm.name}'"), key=lambda mv: int(mv.version))
            if versions and self._made_by_its_run(rm, versions[0]):
                out.append((rm, versions))
        return out

    def _made_by_its_run(self, rm: Any, first: Any) -> bool:
        """Whether the run that logged the first version is the `<id>` of the collection's name."""
        if not first.run_id:
            return False
        if first.run_id not in self._runs:
            try:
                self._runs[first.run_id] = self.client.get_run(first.run_id).data.tags.get(TAG_RUN_ID)
            except self._missing:  # the run is gone: the name alone says it was a run's
                self._runs[first.run_id] = None
        wandb_id = self._runs[first.run_id]
        return wandb_id is None or is_run_scoped(rm.tags.get(RM_NAME, ""), wandb_id)

    def _experiment(self, project: str, model_id: str) -> str:
        if project not in self._experiments:
            self._experiments[project] = _locate_experiment(self.registry.tracking_uri, project)
        return self._experiments[project] or self.client.get_logged_model(model_id).experiment_id

    def _linked(self) -> list[Any]:
        """Every registry link (made with `link_artifact`), read once."""
        if self._links is None:
            self._links = list(self.client.search_model_versions(f"tags.`{MV_LINKED_FROM}` LIKE '%'"))
        return self._links

    def move(self, rm: Any, versions: list[Any]) -> int:
        """Tag each version's LoggedModel with what its model version held, then delete the
        registered model. Returns the versions moved. Safe to repeat, or to run from two
        processes at once (tags are set, a second deletion is tolerated)."""
        tags_of_rm = rm.tags or {}
        name, project = tags_of_rm.get(RM_NAME, rm.name), tags_of_rm.get(RM_PROJECT, "")
        numbers = [int(mv.version) for mv in versions]
        latest = tags_of_rm.get(RM_LATEST)
        latest_number = int(latest) if latest and int(latest) in numbers else max(numbers)
        moved = 0
        for mv in versions:
            number = int(mv.version)
            source = f"{rm.name}:{number}"
            if (mv.tags or {}).get(MV_LINKED_FROM):
                continue  # a link made into this collection: nothing of its own to keep
            model_id = json.loads((mv.tags or {}).get(MV_INFO) or "{}").get("model_id") or mv.model_id
            if not model_id:
                continue
            key = f"{self._experiment(project, model_id)}:{name}"
            aliases = (["latest"] if number == latest_number else []) + [
                tags_of_rm.get(RM_ALIAS_PREFIX + a, a) for a, v in (rm.aliases or {}).items() if int(v) == number]
            links = [link for link in self._linked() if link.tags.get(MV_LINKED_FROM) == source]
            tags = {k: v for k, v in (mv.tags or {}).items() if k.startswith("tracklab.")}
            tags.update({LM_RUN_ARTIFACT: name, LM_PROJECT: project, LM_COLLECTION: key,
                         LM_VERSION: f"v{number - 1}", LM_ALIASES: json.dumps(aliases),
                         LM_MODEL_VERSIONS: json.dumps([{"name": x.name, "version": int(x.version)} for x in links])})
            if mv.description:
                tags[LM_DESCRIPTION] = mv.description
            try:
                self.client.set_logged_model_tags(model_id, tags)
            except self._missing:
                continue  # its LoggedModel is gone (purged): nothing to keep
            for link in links:  # links name their source `<collection>:<number>`: give them the new key
                self.client.set_model_version_tag(link.name, link.version, MV_LINKED_FROM, f"{key}:{number}")
            moved += 1
        with contextlib.suppress(self._missing):  # another process finished it first
            self.client.delete_registered_model(rm.name)
        return moved


def _locate_experiment(tracking_uri: str, project: str) -> str | None:
    from tracklab.backend.artifact_store import _locate

    return _locate.reader(tracking_uri).experiment_id(project) if project else None


def migrate(registry: Any) -> tuple[int, int]:
    """Move every old-layout run table out of the registry: (collections, versions) moved."""
    migration = Migration(registry)
    found = migration.collections()
    if found:  # a few hundred take seconds (one tag write and one deletion each): say why we pause
        import logging

        logging.getLogger("tracklab").warning(
            "TrackLab: moving %d run table artifact(s) out of MLflow's model registry of %s (once)",
            len(found), registry.tracking_uri)
    return len(found), sum(migration.move(rm, versions) for rm, versions in found)
