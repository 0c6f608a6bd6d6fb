"""`tracklab import-wandb`: load wandb offline runs into the MLflow store."""

from __future__ import annotations

import click

from tracklab.cli._messages import one_line
from tracklab.cli._progress import echo_result, progress


def import_run_files(run_files: list[str], uri: str, project: str | None) -> int:
    """Import wandb run files into `uri`, one result line each; returns how many failed."""
    from tracklab.wandb_import import import_run
    from tracklab.wandb_import.run_file import WandbRunFileError

    failures = 0
    with progress(run_files, "importing", describe=lambda f: f and f.rsplit("/", 1)[-1]) as bar:
        for run_file in bar:
            try:
                outcome = import_run(run_file, uri, project)
            except (WandbRunFileError, ValueError, OSError) as exc:
                echo_result(f"{run_file}: failed: {one_line(exc)}", err=True)
                failures += 1
                continue
            echo_result(f"{run_file}: {outcome}")
    return failures


@click.command(name="import-wandb")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True))
@click.option("--project", default=None, help="Put every run in this project (default: each run's own).")
@click.option("--tracking-uri", default=None, help="MLflow tracking URI to load into (default: the local store).")
def import_wandb(paths: tuple[str, ...], project: str | None, tracking_uri: str | None) -> None:
    """Import wandb run folders (`wandb/offline-run-*`, or a `wandb/` folder) with their history,
    summary, config, files and media. Importing twice changes nothing."""
    from tracklab.backend.location import resolve_tracking_uri
    from tracklab.wandb_import import find_run_files

    uri = resolve_tracking_uri(tracking_uri)
    files = find_run_files(paths)
    if not files:
        raise click.ClickException(f"no wandb run files (run-*.wandb) under {', '.join(paths)}")
    if import_run_files(files, uri, project):
        raise SystemExit(1)
