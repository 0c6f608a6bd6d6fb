"""Resuming a run this machine has never seen: the store's copy becomes the local run folder.

A job requeued on another node has no run folder there. When `init(id=X, resume=...)` finds no
folder but the store has run X, the stored run (its header fields, config, whole history and
summary) is written into a new local run log and marked as already stored, so everything after
that is the ordinary local resume: the step rules read the log, and the writer replays it
without sending it again (its history copy and exact-value file then hold both sessions).

On a shared store the run is also leased (`backend/run_lease`): while another machine's process
holds run X, `init()` raises `RunInUseError` naming that process and when the lease expires.
"""

from __future__ import annotations

import os
from typing import Any

from tracklab.backend import runlog
from tracklab.backend.run_folder import RunFolder
from tracklab.errors import RunInUseError


def stored_run(tracking_uri: str, project: str, run_id: str) -> Any | None:
    """The `tracklab.Api` run of wandb id `run_id` in `project`, or None when the store lacks it."""
    from tracklab.backend.factory import open_reader
    from tracklab.sdk import hooks

    found = open_reader(tracking_uri).find_run(project, run_id)
    return None if found is None else hooks.open_api_run(tracking_uri, found.info.run_id)


def _state(api_run: Any) -> str:
    state = getattr(api_run, "state", None) or "finished"
    return "killed" if state in ("running", "crashed") else state


def copy_into_folder(api_run: Any, folder: RunFolder, tracking_uri: str) -> None:
    """Write the stored run into `folder`'s run log and record that the store holds all of it."""
    mlflow = api_run.mlflow_run
    start = mlflow.info.start_time / 1000
    header = runlog.RunHeader(
        id=api_run.id, mlflow_run_id=mlflow.info.run_id, project=api_run.project, entity=api_run.entity,
        name=api_run.name, notes=api_run.notes, tags=list(api_run.tags), group=api_run.group,
        job_type=api_run.job_type, start_time=start, resumed=False, mode="online", files_dir=folder.files_dir,
    )
    config = {k: v for k, v in api_run.config.items() if k != "_wandb"}
    lines = [runlog.HEADER + runlog.encode(header) + "\n", runlog.CONFIG + runlog.encode(config) + "\n"]
    end = start
    for row in api_run.scan_history():
        end = max(end, row.get("_timestamp") or start)
        lines.append(runlog.HISTORY + runlog.encode(row) + "\n")
    summary = {k: v for k, v in api_run.summary.items() if k != "_wandb"}
    lines.append(runlog.SUMMARY + runlog.encode(summary) + "\n")
    ended = (mlflow.info.end_time or 0) / 1000 or end
    lines.append(runlog.EXIT + runlog.encode(runlog.ExitRecord(exit_code=0, state=_state(api_run),
                                                               time=ended).encode()) + "\n")
    folder.create()
    tmp = folder.log_path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as handle:
        handle.writelines(lines)
    folder.write_sync_state(tracking_uri, {"offset": os.path.getsize(tmp), "mlflow_run_id": mlflow.info.run_id,
                                           "experiment_id": mlflow.info.experiment_id})
    os.replace(tmp, folder.log_path)


def claim_lease(tracking_uri: str, mlflow_run_id: str, run_path: str) -> None:
    """Lease the run for this process where the store keeps leases; RunInUseError if another
    live process (on any machine) holds it."""
    from tracklab.backend import run_lease

    leases = run_lease.leases_for(tracking_uri)
    if leases is None:
        return
    claim = leases.claim(mlflow_run_id, run_lease.holder_for(), run_lease.ttl())
    if not claim.granted:
        raise RunInUseError(
            f"run {run_path!r} is in use by {claim.holder} (its lease on {tracking_uri} runs "
            f"{claim.seconds_left:.0f} s more unless renewed): a run can be resumed by one process at a time "
            f"(finish it there, wait for its lease to expire after that process died, or resume under another id)")
