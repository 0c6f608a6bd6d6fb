"""Linking a version into another collection: `artifact.link("model-registry/<name>")`,
`run.link_model(...)`. The link is one more model version pointing at the same LoggedModel,
so the files are not copied and the MLflow registry page shows the linked model."""

from __future__ import annotations

from tracklab.backend.artifact_store import _names, _registry
from tracklab.backend.artifact_store._registry import Registry, StoredVersion


def check_target(target_path: str, default_project: str | None = None) -> _names.Spec:
    """The parsed link target (`model-registry/name`, `entity/project/name`, `project/name`, `name`);
    ValueError for a name the registry cannot hold or a target that names a version."""
    spec = _names.parse_spec(target_path, default_project=default_project)
    if spec.alias:
        raise ValueError(f"link target {target_path!r} names a version ({spec.alias!r}); "
                         "link into a collection and pass aliases=[...] instead")
    if spec.registry:
        _names.registry_name(spec.name)
    else:
        _names.artifact_name(spec.name)
    return spec


def link(tracking_uri: str, stored: StoredVersion, target_path: str, aliases: list[str]) -> StoredVersion:
    """Link `stored` into `target_path` (`model-registry/name`, `project/name` or `name`); return the link."""
    spec = check_target(target_path, default_project=stored.project)
    name = spec.name
    registry = Registry(tracking_uri)
    rm = registry.ensure_collection(spec.project or stored.project, name, stored.type, registry=spec.registry)
    source = f"{stored.collection}:{stored.number}"
    found = registry.client.search_model_versions(
        f"name = '{rm.name}' and tags.`{_registry.MV_LINKED_FROM}` = '{source}'")
    if found:
        number = int(found[0].version)
    else:
        tags = {_registry.MV_DIGEST: stored.digest, _registry.MV_LINKED_FROM: source}
        model = registry.client.get_logged_model(stored.model_id)
        number = int(registry.create_version(rm, model, stored.run_id, tags, stored.description, stored.size,
                                             stored.file_count, stored.objects).version)
    registry.add_aliases(rm, number, ["latest", *aliases])
    return registry.get(rm.name, number)
