"""`tracklab import-wandb`: load wandb offline runs into the MLflow store."""

from __future__ import annotations

import click


@click.command(name="import-wandb")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True))
@click.option("--project", default=None, help="Put every run in this project (default: each run's own).")
@click.option("--tracking-uri", default=None, help="MLflow tracking URI to load into (default: the local store).")
def import_wandb(paths: tuple[str, ...], project: str | None, tracking_uri: str | None) -> None:
    """Import wandb run folders (`wandb/offline-run-*`, or a `wandb/` folder) with their history,
    summary, config, files and media. Importing twice changes nothing."""
    from tracklab.backend.location import resolve_tracking_uri
    from tracklab.wandb_import import find_run_files, import_run
    from tracklab.wandb_import.run_file import WandbRunFileError

    uri = resolve_tracking_uri(tracking_uri)
    files = find_run_files(paths)
    if not files:
        raise click.ClickException(f"no wandb run files (run-*.wandb) under {', '.join(paths)}")
    failures = 0
    for run_file in files:
        try:
            outcome = import_run(run_file, uri, project)
        except (WandbRunFileError, ValueError, OSError) as exc:
            click.echo(f"{run_file}: failed: {exc}", err=True)
            failures += 1
            continue
        click.echo(f"{run_file}: {outcome}")
    if failures:
        raise SystemExit(1)
