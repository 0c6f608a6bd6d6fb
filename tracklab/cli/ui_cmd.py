"""`tracklab ui`: the MLflow UI with TrackLab's panels, on your store."""

from __future__ import annotations

import click

from tracklab.backend.ui_registry import DEFAULT_HOST, DEFAULT_PORT, DEFAULT_WORKERS


@click.command()
@click.option("--host", default=DEFAULT_HOST, show_default=True,
              help="Address to bind: 127.0.0.1 serves this machine only; 0.0.0.0 every interface.")
@click.option("--port", default=DEFAULT_PORT, show_default=True, type=click.IntRange(1, 65535))
@click.option("--store", type=click.Path(file_okay=False), default=None,
              help="A TrackLab folder (its mlflow.db and artifacts/) instead of the default one.")
@click.option("--tracking-uri", default=None, help="Any MLflow backend store URI (e.g. sqlite:///x.db, postgresql://...).")
@click.option("--workers", default=DEFAULT_WORKERS, show_default=True, type=click.IntRange(1, 16),
              help="Server worker processes.")
def ui(host: str, port: int, store: str | None, tracking_uri: str | None, workers: int) -> None:
    """Start the MLflow UI with TrackLab's panels (reuses a server already on that store)."""
    from tracklab.backend.ui_registry import spec_for
    from tracklab.errors import UsageError
    from tracklab.ui import serve

    try:
        spec = spec_for(store=store, tracking_uri=tracking_uri, host=host, port=port, workers=workers)
        status = serve.run(spec, click.echo)
    except UsageError as exc:
        raise click.ClickException(str(exc)) from None
    raise SystemExit(status)
