"""`wandb._attach`: another process logs into a live run (Lightning hands `run._attach_id` to
its DDP-spawn workers, which call `wandb._attach(attach_id)`).

The attach id names the run folder. The attached process appends its records to the same run
log (appends of whole lines from several processes are safe with O_APPEND), so the run's one
writer moves them into the store; it writes no start or exit record of its own, and the run
ends when the process that started it finishes. That process folds what attached processes
logged into its final summary (see `merge_attached_summary`).
"""

from __future__ import annotations

import atexit
import glob
import os
from typing import TYPE_CHECKING

from tracklab.backend import location, runlog
from tracklab.backend.run_folder import RunFolder
from tracklab.errors import UsageError

if TYPE_CHECKING:
    from tracklab.sdk.wandb_run import Run

ATTACHED_MARKER = "attached"


def attach(attach_id: str | None = None, run_id: str | None = None) -> Run | None:
    """The run `attach_id` (or `run_id`) names: the live one of this process, or the run of
    another live process, attached."""
    from tracklab.sdk import wandb_setup

    current = wandb_setup.current_run()
    wanted = attach_id or run_id
    if current is not None and (wanted is None or wanted in (current.id, current._attach_id)):
        return current
    if wanted is None:
        return current
    folder = _find_folder(attach_id, run_id)
    if folder is None:
        raise UsageError(f"Unable to attach to run {wanted!r}: no run folder of that id under "
                         f"{location.runs_dir()} (rule: attach to a run started on this machine)")
    run = _attached_run(folder)
    if current is None:
        wandb_setup.set_current(run)
    return run


def _find_folder(attach_id: str | None, run_id: str | None) -> RunFolder | None:
    if attach_id and os.path.isabs(attach_id):
        folder = RunFolder(attach_id)
        return folder if folder.exists() else None
    wanted = attach_id or run_id
    matches = sorted(glob.glob(os.path.join(glob.escape(location.runs_dir()), "*", glob.escape(wanted or ""),
                                            runlog.LOG_NAME)), key=os.path.getmtime)
    return RunFolder(os.path.dirname(matches[-1])) if matches else None


def _attached_run(folder: RunFolder) -> Run:
    from tracklab.sdk.wandb_init import _read_prior, _settings_for
    from tracklab.sdk.wandb_run import Run

    prior = _read_prior(folder)
    header = next((payload for kind, payload in runlog.iter_all_records(folder.log_path)
                   if kind == runlog.HEADER), {})
    runs_root = os.path.dirname(os.path.dirname(folder.path))
    settings = _settings_for({
        "project": header.get("project"), "run_id": header.get("id") or os.path.basename(folder.path),
        "entity": prior.get("entity"), "run_name": prior.get("name"), "run_notes": prior.get("notes"),
        "run_group": prior.get("group"), "run_job_type": prior.get("job_type"), "mode": header.get("mode"),
        "tracklab_dir": os.path.dirname(runs_root),
    }, None)
    folder.files_dir = prior.get("files_dir") or folder.files_dir
    settings._bind_run_folder(folder.path, folder.files_dir)
    run = Run(settings, folder=folder, resumed=True, start_step=int(prior.get("step", 0)), prior=prior)
    run._start_attached()
    with open(os.path.join(folder.path, ATTACHED_MARKER), "a") as marker:
        marker.write(f"{os.getpid()}\n")
    atexit.register(run.finish)
    try:  # multiprocessing children that leave with os._exit run its finalizers, not atexit
        from multiprocessing import util

        util.Finalize(run, run.finish, exitpriority=100)
    except ImportError:
        pass
    return run


def merge_attached_summary(run: Run) -> None:
    """Before the owning process's final summary: add the keys attached processes logged
    (their rows and snapshots are in the run log; the owner's own values win)."""
    folder = run._folder
    if not os.path.exists(os.path.join(folder.path, ATTACHED_MARKER)):
        return
    from tracklab.sdk.wandb_init import _read_prior

    logged = _read_prior(folder)["summary"]
    run.summary._add_missing({key: value for key, value in logged.items() if not key.startswith("_")})
