"""`tracklab import-wandb`: a wandb run file becomes a TrackLab run folder (run log + files),
which the ordinary writer then loads into the store, so imported runs are stored exactly as
TrackLab's own and importing twice changes nothing."""

from __future__ import annotations

import glob
import os
import shutil
import uuid
from typing import Any, Iterable

from tracklab.backend import runlog
from tracklab.backend.run_folder import RunFolder
from tracklab.wandb_import.run_file import read_run_file


def find_run_files(paths: Iterable[str]) -> list[str]:
    """The `run-<id>.wandb` files named by `paths` (files, run folders or a `wandb/` folder)."""
    found: list[str] = []
    for path in paths:
        if os.path.isfile(path):
            found.append(os.path.abspath(path))
        else:
            found += sorted(os.path.abspath(p) for p in glob.glob(os.path.join(path, "**", "run-*.wandb"),
                                                                  recursive=True))
    return found


def _records(data: dict[str, Any], project: str, files_dir: str, source: str) -> list[tuple[str, Any]]:
    meta = data["meta"]
    start = data["start_time"]
    header = runlog.RunHeader(
        id=data["run_id"], mlflow_run_id=uuid.uuid4().hex, project=project, entity=meta.get("entity") or "",
        name=meta.get("name") or data["run_id"], notes=meta.get("notes") or None, tags=meta.get("tags") or [],
        group=meta.get("group") or None, job_type=meta.get("job_type") or None, start_time=start, resumed=False,
        mode="online", files_dir=files_dir, imported_from=source,
    )
    # wandb's API hides the `_wandb` config entry (its own bookkeeping): so does the imported run.
    config = {k: v for k, v in data["config"].items() if k != "_wandb"}
    records: list[tuple[str, Any]] = [(runlog.HEADER, header), (runlog.CONFIG, config)]
    end = start
    for row in data["history"]:
        row = {k: v for k, v in row.items() if k != "_wandb"}
        row.setdefault("_timestamp", start)
        row.setdefault("_runtime", row["_timestamp"] - start)
        end = max(end, row["_timestamp"])
        records.append((runlog.HISTORY, row))
    records.append((runlog.SUMMARY, {k: v for k, v in data["summary"].items() if k != "_wandb"}))
    code = data["exit_code"]
    state = "killed" if code is None else ("finished" if code == 0 else "failed")
    records.append((runlog.EXIT, {"exit_code": code or 0, "state": state, "time": end}))
    return records


def import_run(run_file: str, tracking_uri: str, project: str | None = None, root: str | None = None) -> str:
    """Import one wandb run file; return the outcome ("imported", "already imported", ...)."""
    from tracklab.backend.writer import sync_folder

    data = read_run_file(run_file, strip_internal=False, flatten=True)
    if not data["run_id"]:
        raise ValueError(f"{run_file}: no run record, not a complete wandb run file")
    project = project or data["meta"].get("project") or "uncategorized"
    folder = RunFolder.for_run(project, data["run_id"], root)
    if folder.exists():
        if folder.is_complete(tracking_uri):
            return "already imported"
        return sync_folder(folder, tracking_uri, root)
    folder.create()
    source_files = os.path.join(os.path.dirname(run_file), "files")
    if os.path.isdir(source_files):
        shutil.copytree(source_files, folder.files_dir, dirs_exist_ok=True, symlinks=False)
    lines = [kind + runlog.encode(payload) + "\n" for kind, payload in _records(data, project, folder.files_dir,
                                                                                 run_file)]
    tmp = folder.log_path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as handle:
        handle.writelines(lines)
    os.replace(tmp, folder.log_path)
    outcome = sync_folder(folder, tracking_uri, root)
    return "imported" if outcome == "synced" else outcome
