"""The MLflow side of artifacts: a client per tracking URI, a project's experiment, and the
MLflow run of a TrackLab run (which the writer process may create a moment later)."""

from __future__ import annotations

import os
import threading
import time
from typing import Any

_clients: dict[str, Any] = {}
_lock = threading.Lock()
RUN_WAIT_SECONDS = 60.0


def client(tracking_uri: str) -> Any:
    """A shared `MlflowClient` for `tracking_uri` (creating a local store safely first)."""
    with _lock:
        found = _clients.get(tracking_uri)
        if found is None:
            from tracklab.backend import location

            db_path = location.sqlite_path(tracking_uri)
            if db_path is not None:
                from tracklab.backend.store_setup import ensure_sqlite_store

                ensure_sqlite_store(db_path, location.artifact_root_for(tracking_uri))
            from mlflow.tracking import MlflowClient

            found = _clients[tracking_uri] = MlflowClient(tracking_uri=tracking_uri)
        return found


def is_remote(tracking_uri: str) -> bool:
    return tracking_uri.startswith(("http://", "https://", "databricks"))


def local_path(uri: str | None) -> str | None:
    """The local path of a `file://` URI or absolute path, else None (a remote location)."""
    if not uri:
        return None
    if uri.startswith("file://"):
        from urllib.parse import unquote, urlparse

        return unquote(urlparse(uri).path)
    return uri if os.path.isabs(uri) else None


def objects_root(tracking_uri: str) -> str | None:
    """Where a local store keeps each distinct file once (`<artifact root>/.tracklab-objects`)."""
    from tracklab.backend import location

    if location.sqlite_path(tracking_uri) is None:
        return None
    return os.path.join(location.artifact_root_for(tracking_uri), ".tracklab-objects")


def experiment_id(tracking_uri: str, project: str, create: bool) -> str | None:
    """The experiment of `project`; created (where TrackLab's writer would put it) if asked."""
    mlflow = client(tracking_uri)
    experiment = mlflow.get_experiment_by_name(project)
    if experiment is not None:
        return experiment.experiment_id
    if not create:
        return None
    from mlflow.exceptions import MlflowException

    from tracklab.backend import location, mapping

    where = None if is_remote(tracking_uri) else os.path.join(location.artifact_root_for(tracking_uri),
                                                               mapping.experiment_slug(project))
    try:
        return mlflow.create_experiment(project, artifact_location=where)
    except MlflowException:  # created meanwhile by a writer
        experiment = mlflow.get_experiment_by_name(project)
        if experiment is None:
            raise
        return experiment.experiment_id


def wait_for_run(tracking_uri: str, project: str, wandb_id: str, hint: str | None,
                 timeout: float = RUN_WAIT_SECONDS) -> tuple[str, str]:
    """(MLflow run id, experiment id) of TrackLab run `wandb_id`, waiting for the writer to create it."""
    from mlflow.exceptions import MlflowException

    from tracklab.backend import mapping

    mlflow = client(tracking_uri)
    deadline = time.monotonic() + timeout
    while True:
        if hint:
            try:
                run = mlflow.get_run(hint)
                return run.info.run_id, run.info.experiment_id
            except MlflowException:
                pass
        experiment = experiment_id(tracking_uri, project, create=False)
        if experiment is not None:
            found = mlflow.search_runs([experiment], filter_string=f"tags.`{mapping.TAG_RUN_ID}` = '{wandb_id}'",
                                       max_results=1)
            if found:
                return found[0].info.run_id, experiment
        if time.monotonic() > deadline:
            raise TimeoutError(f"run {project}/{wandb_id} did not appear in {tracking_uri} within {timeout:.0f}s")
        time.sleep(0.1)


def public_run(tracking_uri: str, run_id: str) -> Any:
    """The `tracklab.Api` Run of an MLflow run id, or None if it is gone."""
    from mlflow.exceptions import MlflowException

    from tracklab.apis.public import Api, Run

    mlflow = client(tracking_uri)
    try:
        run = mlflow.get_run(run_id)
        experiment = mlflow.get_experiment(run.info.experiment_id)
    except MlflowException:
        return None
    return Run(Api(tracking_uri=tracking_uri), run, experiment.name)
