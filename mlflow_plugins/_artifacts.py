"""The artifact view's data: a project's collections, their versions (aliases, digests, sizes),
one version's files and metadata, and its lineage (the run that logged it, the runs that used
it), read through TrackLab's artifact API (`tracklab.sdk.artifacts.api_artifacts`)."""

from __future__ import annotations

from typing import Any

from tracklab.apis.public import Api


def _run_ref(run: Any) -> dict[str, Any] | None:
    if run is None:
        return None
    info = run.mlflow_run.info
    return {"run_uuid": info.run_id, "id": run.id, "name": run.name, "project": run.project,
            "experiment_id": info.experiment_id, "state": run.state}


def _version_summary(artifact: Any) -> dict[str, Any]:
    # `url` is the MLflow UI's model-version page; keep its route so the page links on this server.
    route = artifact.url.split("#", 1)[1] if "#" in artifact.url else ""
    return {"version": artifact.version, "aliases": artifact.aliases, "digest": artifact.digest,
            "size": artifact.size, "file_count": artifact.file_count, "created_at": artifact.created_at,
            "mlflow_route": route,
            # a run's own tables are no registered models: their link opens the LoggedModel's page
            "mlflow_page": "model version" if "/versions/" in route else "logged model"}


def collections(api: Api, project: str) -> list[dict[str, Any]]:
    """Every artifact collection of a project with its versions, newest last."""
    from tracklab.sdk.artifacts import api_artifacts

    out = []
    for collection in api_artifacts.artifact_collections(api, project):
        rm = collection.registered_model_name
        out.append({"name": collection.name, "type": collection.type, "description": collection.description,
                    "aliases": collection.aliases, "registered_model": rm, "is_sequence": collection.is_sequence(),
                    "versions": [_version_summary(a) for a in collection.artifacts()]})
    return out


def version(api: Api, project: str, name: str, version_name: str) -> dict[str, Any]:
    """One version in full: metadata, files, lineage."""
    from tracklab.sdk.artifacts import api_artifacts

    artifact = api_artifacts.artifact(api, f"{project}/{name}:{version_name}")
    files = [{"path": e.path, "size": e.size, "digest": e.digest, "ref": e.ref}
             for e in sorted(artifact.manifest.entries.values(), key=lambda e: e.path)]
    return {**_version_summary(artifact), "name": artifact.name, "type": artifact.type,
            "description": artifact.description, "metadata": artifact.metadata, "tags": artifact.tags,
            "files": files, "logged_by": _run_ref(artifact.logged_by()),
            "used_by": [_run_ref(r) for r in artifact.used_by()]}


def of_run(run: Any) -> dict[str, list[dict[str, Any]]]:
    """The versions a run logged and used."""
    from tracklab.sdk.artifacts import api_artifacts

    def ref(artifact: Any) -> dict[str, Any]:
        return {"name": artifact.name, "version": artifact.version, "type": artifact.type,
                "project": artifact.project, "aliases": artifact.aliases}

    return {"logged": [ref(a) for a in api_artifacts.logged_artifacts(run)],
            "used": [ref(a) for a in api_artifacts.used_artifacts(run)]}
