"""`tracklab pull RUN_PATH`: download every file of a run into the current folder (wandb's `wandb pull`).

As in wandb: all files, media included, mirroring the run's subfolders; a file already here with
the same bytes is skipped ("up to date"); a run without files is an error.
"""

from __future__ import annotations

import click

from tracklab.cli._progress import echo_result
from tracklab.cli._run_files import Fetched, fetch_files, find_run, run_files


@click.command()
@click.argument("run_path", envvar=["TRACKLAB_RUN_ID", "WANDB_RUN_ID"])
@click.option("-p", "--project", envvar=["TRACKLAB_PROJECT", "WANDB_PROJECT"], default=None,
              help="Project of a bare RUN_ID.")
@click.option("-e", "--entity", envvar=["TRACKLAB_ENTITY", "WANDB_ENTITY"], default=None,
              help="Entity (kept for wandb's scripts; runs are found by project and id).")
@click.option("--tracking-uri", default=None, help="MLflow tracking URI (default: the local store).")
def pull(run_path: str, project: str | None, entity: str | None, tracking_uri: str | None) -> None:
    """Download all files of run RUN_PATH (entity/project/run_id, project/run_id or run_id) here."""
    run = find_run(run_path, project, entity, tracking_uri)
    files = run_files(run)
    if not files:
        raise click.ClickException(f"run {run.project}/{run.id} has no files")
    click.echo(f"Downloading: {run.project}/{run.id}")

    def report(item: Fetched) -> None:
        echo_result(f"File {item.name} is up to date" if item.outcome == "up to date" else f"File {item.name}")

    fetch_files(files, ".", keep_identical=True, label=f"pulling {run.id}", report=report)
