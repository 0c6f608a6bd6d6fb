"""Linking a version into another collection: `artifact.link("model-registry/<name>")`,
`run.link_model(...)`. The link is one more model version pointing at the same LoggedModel,
so the files are not copied and the MLflow registry page shows the linked model."""

from __future__ import annotations

from tracklab.artifacts import _names, _registry
from tracklab.artifacts._registry import Registry, StoredVersion


def link(tracking_uri: str, stored: StoredVersion, target_path: str, aliases: list[str]) -> StoredVersion:
    """Link `stored` into `target_path` (`model-registry/name`, `project/name` or `name`); return the link."""
    spec = _names.parse_spec(target_path, default_project=stored.project)
    name = _names.registry_name(spec.name) if spec.registry else _names.artifact_name(spec.name)
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
                                             stored.file_count).version)
    registry.add_aliases(rm, number, ["latest", *aliases])
    return registry.get(rm.name, number)
