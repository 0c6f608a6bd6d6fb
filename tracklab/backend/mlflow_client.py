"""MLflow's client, one per tracking URI per process, and the one find-or-create of a project's
experiment through it (the SQLite writer does the same in its own transaction)."""

from __future__ import annotations

import os
import threading
from typing import Any

from tracklab.backend import location, mapping

_clients: dict[str, Any] = {}
_lock = threading.Lock()


def client(tracking_uri: str) -> Any:
    """The shared `MlflowClient` of `tracking_uri` (a missing local SQLite store is created safely
    first: MLflow's own migrations race when several processes create one store)."""
    with _lock:
        found = _clients.get(tracking_uri)
        if found is None:
            db_path = location.sqlite_path(tracking_uri)
            if db_path is not None:
                from tracklab.backend import store_setup

                if store_setup.schema_revision(db_path) is None:
                    store_setup.ensure_sqlite_store(db_path, location.artifact_root_for(tracking_uri))
            from mlflow.tracking import MlflowClient

            found = _clients[tracking_uri] = MlflowClient(tracking_uri=tracking_uri)
        return found


def experiment_location(tracking_uri: str, project: str, tracklab_root: str | None = None) -> str | None:
    """Where a new experiment keeps its artifacts: one folder per project under the store's
    artifact root (so nothing lands in `./mlruns`); None on a server, which picks its own."""
    if location.is_remote(tracking_uri):
        return None
    return os.path.join(location.artifact_root_for(tracking_uri, tracklab_root), mapping.experiment_slug(project))


def ensure_experiment(mlflow: Any, tracking_uri: str, project: str, tracklab_root: str | None = None,
                      restore: bool = True) -> str:
    """The id of `project`'s experiment, created (or a deleted one restored) when needed."""
    from mlflow.exceptions import MlflowException

    experiment = mlflow.get_experiment_by_name(project)
    if experiment is not None:
        if restore and experiment.lifecycle_stage != "active":
            # A deleted experiment of that name would block the project forever: restore it.
            mlflow.restore_experiment(experiment.experiment_id)
        return experiment.experiment_id
    try:
        return mlflow.create_experiment(project, artifact_location=experiment_location(tracking_uri, project,
                                                                                       tracklab_root))
    except MlflowException:  # another process created it first
        experiment = mlflow.get_experiment_by_name(project)
        if experiment is None:
            raise
        return experiment.experiment_id
