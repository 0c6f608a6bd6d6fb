"""Turn run-scoped artifacts back into the layout TrackLab used before they stayed with their
runs: each `run-<id>-<key>` collection a registered model `<project>.run-<id>-<key>`, each version
a model version pointing at its LoggedModel (source: the LoggedModel's folder on a local store,
`models:/<id>` on a server; tags digest, info, used-by; `tracklab.latest` and aliases on the
registered model). Done with plain `MlflowClient` calls, as the old code made them, so the
migration tests start from a store made in the test, not a checked-in one."""

from __future__ import annotations

import json
from typing import Any

from mlflow.tracking import MlflowClient

from tracklab.backend import mapping as m


def _number(model: Any) -> int:
    return int(model.tags[m.LM_VERSION][1:]) + 1


def to_old_layout(tracking_uri: str, experiment_ids: list[str]) -> list[str]:
    """Register every run-scoped collection of these experiments the old way; returns the
    registered-model names made."""
    client = MlflowClient(tracking_uri)
    models = client.search_logged_models(experiment_ids, filter_string=f"tags.`{m.LM_RUN_ARTIFACT}` LIKE '%'",
                                         max_results=1000)
    made: list[str] = []
    for model in sorted(models, key=lambda x: (x.tags[m.LM_RUN_ARTIFACT], _number(x))):
        tags = model.tags
        name, project = tags[m.LM_RUN_ARTIFACT], tags[m.LM_PROJECT]
        rm_name = f"{project}.{name}"
        if rm_name not in made:
            client.create_registered_model(rm_name, tags={m.RM_NAME: name, m.RM_TYPE: model.model_type,
                                                          m.RM_PROJECT: project})
            made.append(rm_name)
        version_tags = {k: v for k, v in tags.items()
                        if k in (m.MV_DIGEST, m.MV_INFO, m.MV_METADATA, m.MV_TAGS) or k.startswith(m.MV_USED_BY_PREFIX)}
        source = f"models:/{model.model_id}" if tracking_uri.startswith("http") else model.artifact_location
        mv = client.create_model_version(rm_name, source=source, run_id=model.source_run_id, tags=version_tags,
                                         model_id=model.model_id, await_creation_for=0)
        assert int(mv.version) == _number(model)
        for alias in json.loads(tags.get(m.LM_ALIASES) or "[]"):
            if alias == "latest":
                client.set_registered_model_tag(rm_name, m.RM_LATEST, str(mv.version))
            else:
                client.set_registered_model_alias(rm_name, alias, str(mv.version))
        client.set_logged_model_tags(model.model_id, {
            m.LM_MODEL_VERSIONS: json.dumps([{"name": rm_name, "version": int(mv.version)}]),
            m.LM_COLLECTION: rm_name, m.LM_VERSION: tags[m.LM_VERSION]})
        moved = [k for k in version_tags if k != m.MV_DIGEST]  # the old layout kept these on the version only
        for key in (m.LM_RUN_ARTIFACT, m.LM_ALIASES, *moved):
            client.delete_logged_model_tag(model.model_id, key)
    return made
