"""`tracklab server`: MLflow's tracking server with TrackLab's plugin, for a team.

It is `mlflow server --app-name tracklab` with the settings a shared server needs spelled out:
a database as the backend store, proxied artifacts in one destination (training machines need
no storage credentials and no shared disk), and the plugin's routes (panels, the bulk write
route the TrackLab writer uses). The command replaces itself with MLflow's, so signals, exit
status and logs are MLflow's own. See docs/team-server.md.
"""

from __future__ import annotations

import os
import sys

import click

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 5000
DEFAULT_WORKERS = 4  # MLflow's default; each uvicorn worker is one process


def _artifacts_destination(value: str) -> str:
    """An absolute, existing folder for a local destination; any other URI (s3://...) as is."""
    if "://" in value and not value.startswith("file://"):
        return value
    path = os.path.abspath(os.path.expanduser(value[len("file://"):] if value.startswith("file://") else value))
    os.makedirs(path, exist_ok=True)
    return path


def command(host: str, port: int, workers: int, artifacts_destination: str, allowed_hosts: str | None,
            cors_allowed_origins: str | None) -> list[str]:
    """MLflow's server command line (the backend store URI travels in the environment)."""
    argv = [sys.executable, "-m", "mlflow", "server",
            "--app-name", "tracklab",
            "--serve-artifacts", "--artifacts-destination", artifacts_destination,
            "--host", host, "--port", str(port), "--workers", str(workers)]
    if allowed_hosts:
        argv += ["--allowed-hosts", allowed_hosts]
    if cors_allowed_origins:
        argv += ["--cors-allowed-origins", cors_allowed_origins]
    return argv


def environment(backend_store_uri: str, jobs: bool, auth: bool) -> dict[str, str]:
    from mlflow_plugins.tracklab_app import AUTH_ENV

    env = dict(os.environ)
    env[AUTH_ENV] = "1" if auth else "0"
    if auth and not env.get("MLFLOW_FLASK_SERVER_SECRET_KEY"):
        # MLflow's auth app signs its sign-up form with it; every worker of this server gets the
        # same one from here. Several servers behind one address need one key set by hand.
        import secrets

        env["MLFLOW_FLASK_SERVER_SECRET_KEY"] = secrets.token_hex(32)
    # The URI may hold the database password: MLflow reads it from here, so `ps` never shows it.
    env["MLFLOW_BACKEND_STORE_URI"] = backend_store_uri
    env.setdefault("MLFLOW_SERVER_ENABLE_JOB_EXECUTION", "true" if jobs else "false")
    env.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
    env["PYTHONUNBUFFERED"] = "1"
    env.pop("MLFLOW_TRACKING_URI", None)
    return env


@click.command()
@click.option("--backend-store-uri", envvar="TRACKLAB_BACKEND_STORE_URI", required=True,
              help="The database that holds runs, e.g. postgresql://user:pass@dbhost:5432/mlflow "
                   "(or set TRACKLAB_BACKEND_STORE_URI, which keeps the password off the command line).")
@click.option("--artifacts-destination", envvar="TRACKLAB_ARTIFACTS_DESTINATION", required=True,
              help="Where the server stores artifacts it receives: a folder, or s3://, gs://, ... "
                   "Clients upload through the server (proxied artifacts).")
@click.option("--host", default=DEFAULT_HOST, show_default=True,
              help="Address to bind: 0.0.0.0 to serve other machines.")
@click.option("--port", default=DEFAULT_PORT, show_default=True, type=click.IntRange(1, 65535))
@click.option("--workers", default=DEFAULT_WORKERS, show_default=True, type=click.IntRange(1, 64),
              help="Server worker processes.")
@click.option("--allowed-hosts", default=None,
              help="Comma-separated Host headers the server answers (e.g. tracking.lab,tracking.lab:5000); "
                   "MLflow's default allows localhost and private addresses only.")
@click.option("--cors-allowed-origins", default=None,
              help="Comma-separated origins whose pages may call the server (MLflow's default: localhost).")
@click.option("--auth", is_flag=True,
              help="Require MLflow's basic authentication: users, passwords and experiment permissions in the "
                   "database named by MLflow's auth config (MLFLOW_AUTH_CONFIG_PATH; see docs/team-server.md).")
@click.option("--jobs/--no-jobs", default=False, show_default=True,
              help="MLflow's background job runner (GenAI evaluation jobs); TrackLab needs none.")
def server(backend_store_uri: str, artifacts_destination: str, host: str, port: int, workers: int,
           allowed_hosts: str | None, cors_allowed_origins: str | None, auth: bool, jobs: bool) -> None:
    """Start the team's tracking server: MLflow's server with TrackLab's panels and bulk writes.

    Training machines then set only TRACKLAB_TRACKING_URI=http://HOST:PORT.
    """
    from tracklab.backend import location
    from tracklab.backend.ui_registry import address, printable_uri

    db = location.sqlite_path(backend_store_uri)
    if db:  # a single-machine trial: TrackLab's own store set-up (WAL, page size)
        from tracklab.backend.store_setup import ensure_sqlite_store

        db = os.path.abspath(os.path.expanduser(db))
        backend_store_uri = "sqlite:///" + db
        ensure_sqlite_store(db, os.path.join(os.path.dirname(db), "artifacts"))
    destination = _artifacts_destination(artifacts_destination)
    url = address(host, port)
    click.echo(f"TrackLab server: {url}  (MLflow UI; TrackLab panels at {url}/tracklab/)", err=True)
    click.echo(f"Backend store: {printable_uri(backend_store_uri)}", err=True)
    click.echo(f"Artifacts: {destination} (proxied: clients upload through the server)", err=True)
    click.echo(f"On each training machine: export TRACKLAB_TRACKING_URI=http://<this host>:{port}", err=True)
    sys.stderr.flush()
    argv = command(host, port, workers, destination, allowed_hosts, cors_allowed_origins)
    os.execve(argv[0], argv, environment(backend_store_uri, jobs, auth))
