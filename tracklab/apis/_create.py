"""What `Api` creates: a project (an MLflow experiment) and a run in the "running" state, as
wandb's `create_project` / `create_run` do on the W&B server."""

from __future__ import annotations

import os
import time
import uuid

from tracklab.backend import runlog
from tracklab.backend.run_folder import RunFolder


def create_project(tracking_uri: str, name: str) -> str:
    """The experiment of project `name`, made where TrackLab's writer would make it (kept if it exists)."""
    from tracklab.backend.artifact_store import _locate

    return str(_locate.reader(tracking_uri).experiment_id(name, create=True))


def create_run(tracking_uri: str, project: str, run_id: str, entity: str | None) -> None:
    """A run folder whose log holds only the run's header, loaded into the store without an end.

    The run is "running" with no process behind it, like wandb's: `tracklab.init(id=...,
    project=..., resume="allow")` continues it; left alone, orphan recovery marks it killed
    (wandb marks such a run crashed when no heartbeat comes)."""
    from tracklab.backend.writer import RunWriter, writer_lock
    from tracklab.sdk._metadata import user_name
    from tracklab.sdk.wandb_init import _random_name

    folder = RunFolder.for_run(project, run_id)
    folder.acquire()  # a live process holding this id gets RunInUseError
    try:
        log = runlog.RunLogWriter(folder.log_path)
        log.write_header(runlog.RunHeader(
            id=run_id, mlflow_run_id=uuid.uuid4().hex, project=project, entity=entity or "", name=_random_name(),
            notes=None, tags=[], group=None, job_type=None, sweep_id=None, start_time=time.time(), resumed=False,
            mode="online", files_dir=folder.files_dir, pid=None, user=user_name(), program=None,
        ))
        log.close()
        os.makedirs(folder.files_dir, exist_ok=True)
    finally:
        folder.release()
    with writer_lock(folder, wait=True):
        writer = RunWriter(folder, tracking_uri)
        try:
            while writer.step():
                pass
            writer.publish()
        finally:
            writer.close()


def folder_exists(project: str, run_id: str) -> bool:
    return RunFolder.for_run(project, run_id).exists()


def split_from_path(path: str) -> tuple[str, list[str]]:
    """wandb's `from_path` forms: what `path` names ("project", "run" or "sweep") and its parts."""
    parts = [p for p in path.strip("/ ").split("/") if p]
    if not parts or len(parts) > 4:
        raise ValueError(f"from_path: {path!r} must be 'project', 'entity/project', 'entity/project/run_id', "
                         "'entity/project/runs/run_id' or 'entity/project/sweeps/sweep_id'")
    if len(parts) <= 2:
        return "project", parts
    if len(parts) == 3:
        return "run", parts
    kind = parts[2]
    if kind.startswith("run"):
        return "run", parts
    if kind.startswith("sweep"):
        return "sweep", parts
    if kind.startswith("report"):
        raise ValueError(f"from_path: {path!r} names a W&B report; reports live only in the W&B web app")
    raise ValueError(f"from_path: {path!r}: the third part must be 'runs' or 'sweeps', not {kind!r}")
