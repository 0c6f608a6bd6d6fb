"""Finding what artifacts need in the store: the reader of a tracking URI (and its MLflow
client), the local blob root, and the MLflow run of a TrackLab run (which the writer process
may create a moment later)."""

from __future__ import annotations

import functools
import os
import time
from typing import Any

from tracklab.backend import location
from tracklab.backend.reader import StoreReader

RUN_WAIT_SECONDS = 60.0


@functools.lru_cache(maxsize=16)
def reader(tracking_uri: str) -> StoreReader:
    """The store reader of `tracking_uri`, shared by the artifact code of this process."""
    from tracklab.backend.factory import open_reader

    return open_reader(tracking_uri)


def client(tracking_uri: str) -> Any:
    """MLflow's client of `tracking_uri` (the registry calls go through it)."""
    return reader(tracking_uri).client


def objects_root(tracking_uri: str) -> str | None:
    """Where a local store keeps each distinct file once (`<artifact root>/.tracklab-objects`)."""
    if location.sqlite_path(tracking_uri) is None:
        return None
    return os.path.join(location.artifact_root_for(tracking_uri), ".tracklab-objects")


def wait_for_run(tracking_uri: str, project: str, wandb_id: str, hint: str | None,
                 timeout: float = RUN_WAIT_SECONDS) -> tuple[str, str]:
    """(MLflow run id, experiment id) of TrackLab run `wandb_id`, waiting for the writer to create it."""
    store = reader(tracking_uri)
    deadline = time.monotonic() + timeout
    while True:
        found = (store.get_run(hint) if hint else None) or store.find_run(project, wandb_id)
        if found is not None:
            return found.info.run_id, found.info.experiment_id
        if time.monotonic() > deadline:
            raise TimeoutError(f"run {project}/{wandb_id} did not appear in {tracking_uri} within {timeout:.0f}s")
        time.sleep(0.1)
