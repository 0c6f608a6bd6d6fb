"""`Api().sync_tensorboard(root_dir)`: TensorBoard event files already on disk become a run,
converted as the live TensorBoard sync converts them (tracklab.sdk.tensorboard.events)."""

from __future__ import annotations

import glob
import os
from collections import defaultdict
from typing import Any


def event_files(root_dir: str) -> list[str]:
    """Every `*tfevents*` file under `root_dir`, in path order."""
    found = glob.glob(os.path.join(glob.escape(root_dir), "**", "*tfevents*"), recursive=True)
    return sorted(p for p in found if os.path.isfile(p))


def rows_by_step(root_dir: str) -> list[tuple[int, dict[str, Any]]]:
    """The summaries of all event files, merged per step (a sub-folder's tags get its path as prefix)."""
    from tensorboard.backend.event_processing.event_file_loader import EventFileLoader

    from tracklab.sdk.tensorboard.events import summary_values

    rows: dict[int, dict[str, Any]] = defaultdict(dict)
    for path in event_files(root_dir):
        rel = os.path.relpath(os.path.dirname(path), root_dir)
        namespace = "" if rel == "." else rel.replace(os.sep, "/")
        for event in EventFileLoader(path).Load():
            if not event.HasField("summary"):
                continue
            values = summary_values(event.summary, namespace)
            if values:
                rows[int(event.step)].update(values)
    return sorted(rows.items())


def sync(root_dir: str, project: str, run_id: str, entity: str | None, tracking_uri: str) -> None:
    """Log the event files under `root_dir` as run `project/run_id` (global_step as wandb records it)."""
    from tracklab.sdk.wandb_init import init
    from tracklab.sdk.wandb_settings import Settings

    if not os.path.isdir(root_dir):
        raise ValueError(f"sync_tensorboard: root_dir={root_dir!r} is not a folder")
    rows = rows_by_step(root_dir)
    if not rows:
        raise ValueError(f"sync_tensorboard: no TensorBoard event files (*tfevents*) under {root_dir!r}")
    settings = Settings(quiet=True, x_disable_stats=True, console="off", tracking_uri=tracking_uri)
    run = init(project=project, id=run_id, entity=entity, reinit="create_new", resume="allow", settings=settings)
    try:
        for step, values in rows:
            run.log({**values, "global_step": step})
    finally:
        run.finish()
