"""wandb's account and mode verbs, which mean little or nothing locally, and `tracklab demo`."""

from __future__ import annotations

import json
import os

import click


@click.command()
@click.argument("key", required=False)
@click.option("--relogin", is_flag=True, hidden=True)
@click.option("--host", default=None, hidden=True)
@click.option("--cloud", is_flag=True, hidden=True)
@click.option("--verify", is_flag=True, hidden=True)
def login(key: str | None, relogin: bool, host: str | None, cloud: bool, verify: bool) -> None:
    """Nothing to log in to: TrackLab keeps runs on this machine or your MLflow server."""
    click.echo("tracklab: no login needed; runs go to " + _uri())


@click.command()
def logout() -> None:
    """Nothing to log out of."""
    click.echo("tracklab: no login needed, nothing to log out of")


def _uri() -> str:
    from tracklab.backend.location import resolve_tracking_uri

    return resolve_tracking_uri()


@click.command()
def status() -> None:
    """Print the settings in force here (directory file and environment) as JSON."""
    from tracklab.sdk.wandb_settings import directory_settings_path, settings_from_directory, settings_from_environment

    data = {"tracking_uri": _uri(), "settings_file": directory_settings_path(),
            "directory": settings_from_directory(), "environment": settings_from_environment()}
    click.echo(json.dumps(data, indent=2, default=str))


def _set_mode(mode: str | None) -> None:
    from tracklab.sdk.wandb_settings import write_directory_settings

    path = write_directory_settings({"mode": mode})
    click.echo(f"tracklab: mode {'cleared' if mode is None else mode!r} in {path}")


@click.command()
def online() -> None:
    """Runs in this directory write to the store (the default)."""
    _set_mode("online")


@click.command()
def offline() -> None:
    """Runs in this directory write only their local run log; `tracklab sync` loads them."""
    _set_mode("offline")


@click.command()
def disabled() -> None:
    """Runs in this directory are no-ops."""
    _set_mode("disabled")


@click.command()
def enabled() -> None:
    """Undo `tracklab disabled` (back to online)."""
    _set_mode("online")


@click.command(name="init")
@click.option("-p", "--project", default=None, help="Default project for runs started here.")
@click.option("-e", "--entity", default=None, help="Default entity.")
@click.option("--mode", type=click.Choice(["online", "offline", "disabled"]), default=None)
@click.option("--reset", is_flag=True, help="Forget this directory's defaults.")
def init(project: str | None, entity: str | None, mode: str | None, reset: bool) -> None:
    """Set defaults (project, entity, mode) for runs started in this directory."""
    from tracklab.sdk.wandb_settings import directory_settings_path, write_directory_settings

    if reset:
        path = directory_settings_path()
        if os.path.exists(path):
            os.remove(path)
        click.echo(f"tracklab: removed {path}")
        return
    given = {k: v for k, v in {"project": project, "entity": entity, "mode": mode}.items() if v is not None}
    path = write_directory_settings(given)
    click.echo(f"tracklab: defaults written to {path}")


@click.command()
@click.option("--project", default="tracklab-demo", show_default=True)
@click.option("--steps", default=200, show_default=True)
def demo(project: str, steps: int) -> None:
    """Log a small demo run (scalars, a config, an image, a table) to look at in `tracklab ui`."""
    from tracklab import demo as demo_module

    run_path = demo_module.run_demo(project=project, steps=steps)
    import tracklab

    tracklab.Api().run(run_path)  # the store took it (a wrong store fails here, with one line)
    click.echo(f"tracklab: demo run {run_path} logged; now run `tracklab ui`")
