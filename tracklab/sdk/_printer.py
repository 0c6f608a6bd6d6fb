"""The console lines a run prints, like wandb's, silenced by WANDB_SILENT / settings.quiet."""

from __future__ import annotations

import sys
from typing import Any

PREFIX = "tracklab: "


def _say(text: str) -> None:
    stream = sys.__stderr__ or sys.stderr
    stream.write(PREFIX + text + "\n")
    stream.flush()


def header(run: Any) -> None:
    settings = run.settings
    if settings.silent or settings.quiet:
        return
    verb = "Resuming run" if run.resumed else "Tracking run"
    _say(f"{verb} {run.name} ({run.id}) in project {run.project}")
    if run.offline:
        _say(f"Run data is saved locally in {run.sync_dir}")
        _say("Run `tracklab sync` to load this offline run into MLflow.")
    elif run.url:
        _say(f"View run at {run.url}  (start the UI with `tracklab ui`)")
    _say(f"Run files: {run.dir}")


def footer(run: Any, state: str) -> None:
    _say(f"Run {run.name} ({run.id}) {state}.")
    if run.url:
        _say(f"View run at {run.url}")
    elif run.offline:
        _say(f"Offline run saved in {run.sync_dir}; load it with `tracklab sync {run.sync_dir}`")
