"""`restore`: bring a file saved by a run back to disk (wandb.restore)."""

from __future__ import annotations

import os
from typing import TextIO

from tracklab.sdk import wandb_setup


def restore(name: str, run_path: str | None = None, replace: bool = False, root: str | None = None) -> TextIO | None:
    """Download the run file `name` into `root` and return it opened for reading.

    `run_path` ("project/run_id") defaults to the current run, `root` to the current run's
    files folder, else the working directory. A file already at the destination is returned
    as is unless `replace`. Returns None under a disabled run or when the run has no such file.
    """
    current = wandb_setup.current_run()
    disabled = current is not None and current.disabled
    run = None if disabled else current
    if run_path is None:
        if run is None:
            raise ValueError("restore: run_path is required when no run is active (call init() first)")
        run_path = run.path
    if root is None:
        root = run.dir if run is not None else os.getcwd()
    path = os.path.join(root, name)
    if os.path.exists(path) and not replace:
        return open(path)
    if disabled:
        return None
    from tracklab.backend import location, mapping
    from tracklab.backend.factory import open_reader
    from tracklab.errors import CommError

    _, project, run_id = mapping.split_run_path(run_path)
    reader = open_reader(location.resolve_tracking_uri(), must_exist=True)
    stored = reader.find_run(project, run_id)
    if stored is None:
        raise CommError(f"Could not find run {run_path!r} in {reader.tracking_uri}")
    if not any(info.path == name for info in reader.list_artifacts(stored)):
        return None
    return open(reader.download_artifact(stored, name, root))
