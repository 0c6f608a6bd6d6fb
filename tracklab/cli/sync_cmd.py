"""`tracklab sync`: load offline or unfinished runs into an MLflow store.

wandb's own run folders (`wandb/offline-run-*`, holding `run-*.wandb`) given as PATHS are imported
as `tracklab import-wandb` does, so a script's `wandb sync wandb/offline-run-*` keeps working under
the stand-in.
"""

from __future__ import annotations

import glob
import os
from typing import Any

import click

from tracklab.cli._messages import one_line
from tracklab.cli._progress import echo_result, progress


def _is_wandb_run(path: str) -> bool:
    return bool(glob.glob(os.path.join(path, "run-*.wandb")))


@click.command()
@click.argument("paths", nargs=-1, type=click.Path(exists=True, file_okay=False))
@click.option("--tracking-uri", default=None, help="MLflow tracking URI to load into (default: the local store).")
@click.option("--include-synced", is_flag=True, help="Also re-check runs already fully loaded.")
@click.option("-p", "--project", default=None, help="Project for wandb run folders given as PATHS (default: their own).")
@click.option("--dry-run", is_flag=True, help="List the runs that would be loaded; load nothing.")
@click.option("--yes", is_flag=True, help="Accepted for wandb's scripts: TrackLab never asks before syncing.")
def sync(paths: tuple[str, ...], tracking_uri: str | None, include_synced: bool, project: str | None,
         dry_run: bool, yes: bool) -> None:
    """Load run folders (default: every run of the local store not yet fully in MLflow)."""
    from tracklab.backend import location
    from tracklab.backend.run_folder import RunFolder, iter_run_folders
    from tracklab.backend.artifact_store._staging import has_staged

    uri = location.resolve_tracking_uri(tracking_uri)
    wandb_runs = [p for p in paths if _is_wandb_run(p)]
    own = [p for p in paths if p not in wandb_runs]
    folders = [RunFolder(os.path.abspath(p)) for p in own] if paths else list(iter_run_folders())
    failures = 0
    todo = []
    for folder in folders:
        if not folder.exists():
            click.echo(f"{folder.path}: not a TrackLab run folder (no run log) nor a wandb run folder "
                       "(no run-*.wandb)", err=True)
            failures += 1
            continue
        if not paths and folder.is_owned_by_live_process():
            continue  # live runs have their own writer
        if not paths and not include_synced and folder.is_complete(uri) and not has_staged(folder.path):
            continue
        todo.append(folder)
    if dry_run:
        for item in [*(f.path for f in todo), *wandb_runs]:
            click.echo(f"{item}: would be loaded")
        click.echo(f"{len(todo) + len(wandb_runs)} run(s) would be loaded into {uri} (dry run)")
        raise SystemExit(1 if failures else 0)
    failed_here = _load(todo, uri)
    done = len(todo) - failed_here
    failures += failed_here
    if wandb_runs:
        from tracklab.cli.import_cmd import import_run_files
        from tracklab.wandb_import import find_run_files

        run_files = find_run_files(wandb_runs)
        failed_here = import_run_files(run_files, uri, project)
        done += len(run_files) - failed_here
        failures += failed_here
    click.echo(f"{done} run(s) processed into {uri}")
    if failures:
        raise SystemExit(1)


def _load(folders: list[Any], uri: str) -> int:
    """Run the writer over each folder; returns how many failed."""
    from tracklab.backend.writer import sync_folder

    failures = 0
    with progress(folders, "syncing", describe=lambda f: f and os.path.basename(f.path)) as bar:
        for folder in bar:
            try:
                outcome = sync_folder(folder, uri)
            except Exception as exc:  # report and go on with the other runs
                echo_result(f"{folder.path}: failed: {one_line(exc)}", err=True)
                failures += 1
                continue
            echo_result(f"{folder.path}: {outcome}")
    return failures
