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
    MV_TTL,
    MV_TTL_INHERITED,
    MV_USED_BY_PREFIX,
    RM_NAME,
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
        out, token = [], None
        while True:
            page = self.client.search_logged_models(experiment_ids, filter_string=where, max_results=_PAGE,
                                                    page_token=token)
            out.extend(page)
            token = page.token
            if not token:
                return out

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

    def collection(self, key: str) -> RunCollection:
        from tracklab.errors import CommError

        experiment_id, name = key.split(":", 1)
        found = self.find(experiment_id, name)
        if found is None:
            raise CommError(f"run-scoped artifact {name!r} has no versions in experiment {experiment_id}")
        return found

    def in_experiments(self, experiment_ids: list[str]) -> list[RunCollection]:
        """Every run-scoped collection of these experiments."""
        out = []
        for start in range(0, len(experiment_ids), 100):
            out += self._grouped(self._search(experiment_ids[start:start + 100], f"tags.`{LM_RUN_ARTIFACT}` LIKE '%'"))
        return out

    def logged_by(self, experiment_id: str, mlflow_run_id: str) -> list[StoredVersion]:
        """The run-scoped versions MLflow run `mlflow_run_id` logged."""
        where = f"source_run_id = '{mlflow_run_id}' AND tags.`{LM_RUN_ARTIFACT}` LIKE '%'"
        out = []
        for name in sorted({m.tags[LM_RUN_ARTIFACT] for m in self._search([experiment_id], where)}):
            rm = self.find(experiment_id, name)  # all its versions: which one is latest
            out += [self.stored(rm, m) for m in (rm.models if rm else []) if m.source_run_id == mlflow_run_id]
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
def old_collections(registry: Any) -> list[Any]:
    """Registered models that hold a run's table artifact the old way (`<project>.run-<id>-<key>`)."""
    from tracklab.backend.artifact_store._registry import RM_PORTFOLIO

    client = registry.client
    out, token = [], None
    while True:
        page = client.search_registered_models(f"tags.`{RM_NAME}` LIKE 'run-%'", max_results=1000, page_token=token)
        out.extend(rm for rm in page if (rm.tags or {}).get(RM_PORTFOLIO) != "true")
        token = page.token
        if not token:
            break
    return [rm for rm in out if _made_by_its_run(client, rm)]


def _made_by_its_run(client: Any, rm: Any) -> bool:
    """Whether the run that logged the collection's first version is the `<id>` of its name."""
    found = client.search_model_versions(f"name = '{rm.name}'")
    first = min(found, key=lambda mv: int(mv.version), default=None)
    if first is None or not first.run_id:
        return False
    try:
        run = client.get_run(first.run_id)
    except Exception:  # the run is gone: the name alone says it was a run's
        return True
    return is_run_scoped(rm.tags.get(RM_NAME, ""), run.data.tags.get(TAG_RUN_ID))


def migrate_collection(registry: Any, rm: Any) -> int:
    """Move one old-layout collection out of the registry: tag each version's LoggedModel with
    what its model version held, then delete the registered model. Returns the versions moved.
    Safe to repeat or to run from two processes at once (tags are set, deletion is tolerated)."""
    from mlflow.exceptions import MlflowException

    client = registry.client
    key_of = {}
    moved = 0
    for version in registry.versions(rm):
        if version.linked_from or not version.model_id:
            continue  # a link made into this collection: nothing of its own to keep
        try:
            model = client.get_logged_model(version.model_id)
        except MlflowException:
            continue
        key = f"{model.experiment_id}:{version.name}"
        key_of[(rm.name, version.number)] = key
        mv = client.get_model_version(rm.name, str(version.number))
        keep = {k: v for k, v in (mv.tags or {}).items() if k.startswith("tracklab.")}
        links = [link for link in json.loads(model.tags.get(LM_MODEL_VERSIONS) or "[]") if link.get("name") != rm.name]
        tags = {**keep, LM_RUN_ARTIFACT: version.name, LM_PROJECT: version.project, LM_COLLECTION: key,
                LM_VERSION: version.version, LM_ALIASES: json.dumps(version.aliases),
                LM_MODEL_VERSIONS: json.dumps(links)}
        if version.description:
            tags[LM_DESCRIPTION] = version.description
        client.set_logged_model_tags(model.model_id, tags)
        moved += 1
    _repoint_links(client, rm.name, key_of)
    with contextlib.suppress(MlflowException):  # another process finished it first
        client.delete_registered_model(rm.name)
    return moved


def _repoint_links(client: Any, old: str, key_of: dict[tuple[str, int], str]) -> None:
    """Links made from a moved version name it `<collection>:<number>`: give them the new key."""
    from tracklab.backend.artifact_store._registry import MV_LINKED_FROM

    for (name, number), key in key_of.items():
        for mv in client.search_model_versions(f"tags.`{MV_LINKED_FROM}` = '{name}:{number}'"):
            client.set_model_version_tag(mv.name, mv.version, MV_LINKED_FROM, f"{key}:{number}")


def migrate(registry: Any) -> tuple[int, int]:
    """Move every old-layout run-scoped collection out of the registry: (collections, versions)."""
    collections = versions = 0
    for rm in old_collections(registry):
        versions += migrate_collection(registry, rm)
        collections += 1
    return collections, versions
