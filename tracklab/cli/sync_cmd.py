"""`tracklab sync`: load offline or unfinished runs into an MLflow store."""

from __future__ import annotations

import os

import click


@click.command()
@click.argument("paths", nargs=-1, type=click.Path(exists=True, file_okay=False))
@click.option("--tracking-uri", default=None, help="MLflow tracking URI to load into (default: the local store).")
@click.option("--include-synced", is_flag=True, help="Also re-check runs already fully loaded.")
def sync(paths: tuple[str, ...], tracking_uri: str | None, include_synced: bool) -> None:
    """Load run folders (default: every run of the local store not yet fully in MLflow)."""
    from tracklab.artifacts import has_staged
    from tracklab.backend import location
    from tracklab.backend.run_folder import RunFolder, iter_run_folders
    from tracklab.backend.writer import sync_folder

    uri = location.resolve_tracking_uri(tracking_uri)
    folders = [RunFolder(os.path.abspath(p)) for p in paths] if paths else list(iter_run_folders())
    failures = 0
    done = 0
    for folder in folders:
        if not folder.exists():
            click.echo(f"{folder.path}: not a TrackLab run folder (no run log)", err=True)
            failures += 1
            continue
        if not paths and folder.is_owned_by_live_process():
            continue  # live runs have their own writer
        if not paths and not include_synced and folder.is_complete(uri) and not has_staged(folder.path):
            continue
        try:
            outcome = sync_folder(folder, uri)
        except Exception as exc:  # report and go on with the other runs
            click.echo(f"{folder.path}: failed: {exc}", err=True)
            failures += 1
            continue
        done += 1
        click.echo(f"{folder.path}: {outcome}")
    click.echo(f"{done} run(s) processed into {uri}")
    if failures:
        raise SystemExit(1)
