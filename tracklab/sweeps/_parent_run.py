"""The sweep in MLflow: a parent run per sweep, its trials nested under it (`mlflow.parentRunId`),
so the MLflow UI groups them. Best effort: the sweep itself lives in optuna storage."""

from __future__ import annotations

import functools
import getpass
import logging
import time
from typing import Any, Mapping

from tracklab.backend import location, mapping, runlog
from tracklab.backend.store import Batch

logger = logging.getLogger("tracklab")

_END_STATUS = {"FINISHED": "FINISHED", "CANCELED": "KILLED"}


def _tracking_uri() -> str:
    from tracklab.sdk.wandb_settings import settings_from_environment

    env = settings_from_environment()
    return location.resolve_tracking_uri(env.get("tracking_uri"), env.get("tracklab_dir"))


def _offline() -> bool:
    from tracklab.sdk.wandb_settings import settings_from_environment

    return settings_from_environment().get("mode") in ("offline", "disabled")


@functools.lru_cache(maxsize=4)
def _write_store(uri: str) -> Any:
    from tracklab.backend.factory import open_store

    return open_store(uri)


def create_parent_run(sweep_id: str, project: str, entity: str | None, name: str | None,
                      description: str | None, config: Mapping[str, Any]) -> str | None:
    """Create the sweep's parent run; its MLflow run id, or None (offline, or the store refused)."""
    if _offline():
        return None
    header = runlog.RunHeader(id=f"sweep-{sweep_id}", project=project, entity=entity or "",
                              name=name or f"sweep-{sweep_id}", notes=description, start_time=time.time(),
                              user=getpass.getuser())
    try:
        import yaml

        store = _write_store(_tracking_uri())
        run_id = store.ensure_run(header, None)
        store.write(run_id, Batch(tags=mapping.sweep_parent_tags(sweep_id)))
        import os
        import tempfile

        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, mapping.SWEEP_CONFIG_ARTIFACT)
            with open(path, "w") as handle:
                yaml.safe_dump(dict(config), handle, sort_keys=False)
            store.put_artifact(run_id, mapping.SWEEP_CONFIG_ARTIFACT, path)
        return run_id
    except Exception as exc:  # the sweep works without its MLflow parent
        logger.warning("tracklab: could not create the MLflow parent run of sweep %s: %s", sweep_id, exc)
        return None


def end_parent_run(run_id: str | None, state: str) -> None:
    """Close the parent run when the sweep finishes or is canceled."""
    status = _END_STATUS.get(state)
    if not run_id or status is None or _offline():
        return
    try:
        store = _write_store(_tracking_uri())
        store.write(run_id, Batch(tags={mapping.TAG_STATE: state.lower()}))
        store.end_run(run_id, status, int(time.time() * 1000))
    except Exception as exc:
        logger.debug("tracklab: could not end the parent run %s: %s", run_id, exc)


def adopt_run(mlflow_run_id: str | None, parent_run_id: str | None, sweep_id: str | None = None) -> bool:
    """Nest a run under the sweep's parent run (and tag it with the sweep id, for prior runs)."""
    tags = {}
    if parent_run_id and mlflow_run_id != parent_run_id:
        tags[mapping.TAG_PARENT_RUN] = parent_run_id
    if sweep_id:
        tags[mapping.TAG_SWEEP_ID] = sweep_id
    if not mlflow_run_id or not tags or _offline():
        return False
    try:
        _write_store(_tracking_uri()).write(mlflow_run_id, Batch(tags=tags))
        return True
    except Exception as exc:  # the run is not in the store (yet): leave it
        logger.debug("tracklab: could not tag run %s: %s", mlflow_run_id, exc)
        return False
