"""`tracklab runs ls` and `tracklab runs show`: a terminal look at a project."""

from __future__ import annotations

import json

import click


@click.group()
def runs() -> None:
    """List and inspect runs in the store."""


@runs.command(name="ls")
@click.argument("project", required=False)
@click.option("--tracking-uri", default=None, help="MLflow tracking URI (default: the local store).")
def ls(project: str | None, tracking_uri: str | None) -> None:
    """List runs of PROJECT (or the projects, with no argument)."""
    import tracklab

    api = tracklab.Api(tracking_uri=tracking_uri)
    if project is None:
        for item in api.projects():
            click.echo(item.name)
        return
    try:
        found = list(api.runs(project))
    except tracklab.Error as exc:
        raise click.ClickException(str(exc)) from None
    if not found:
        raise click.ClickException(f"no runs in project {project!r}")
    click.echo(f"{'ID':10} {'NAME':24} {'STATE':9} {'CREATED':19} SUMMARY")
    for run in found:
        scalars = {k: v for k, v in run.summary.items() if not k.startswith("_") and isinstance(v, (int, float))}
        brief = ", ".join(f"{k}={v:.4g}" for k, v in list(scalars.items())[:4])
        click.echo(f"{run.id:10} {run.name[:24]:24} {run.state:9} {run.created_at:19} {brief}")


@runs.command()
@click.argument("path")
@click.option("--tracking-uri", default=None, help="MLflow tracking URI (default: the local store).")
def show(path: str, tracking_uri: str | None) -> None:
    """Show one run (PROJECT/RUN_ID): config, summary, tags and history keys."""
    import tracklab

    try:
        run = tracklab.Api(tracking_uri=tracking_uri).run(path)
    except tracklab.Error as exc:
        raise click.ClickException(str(exc)) from None
    data = {"id": run.id, "name": run.name, "state": run.state, "created_at": run.created_at, "tags": run.tags,
            "group": run.group, "job_type": run.job_type, "notes": run.notes, "config": run.config,
            "summary": run.summary, "history_keys": sorted(run.history_keys["keys"])}
    click.echo(json.dumps(data, indent=2, default=str))
