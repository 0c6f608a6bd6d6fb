"""`create_app`: the `mlflow.app` entry point (`mlflow server --app-name tracklab`).

Modelled on MLflow's own `basic-auth` app: routes are added to MLflow's Flask app, and under
uvicorn (MLflow's default) the FastAPI wrapper MLflow builds around it is returned, so MLflow's
Host-header and CORS middleware guard our routes exactly as they guard MLflow's.
"""

from __future__ import annotations

import os
from typing import Any

# Set by `tracklab server --auth`: MLflow's basic-auth app wraps ours (logins, permissions).
AUTH_ENV = "TRACKLAB_SERVER_AUTH"


def auth_enabled() -> bool:
    return os.environ.get(AUTH_ENV) == "1"


def tracking_uri() -> str:
    """The backend store the server was started on."""
    from mlflow.server.constants import BACKEND_STORE_URI_ENV_VAR

    from tracklab.backend import location
    from tracklab.backend.ui_registry import TRACKING_URI_ENV

    return (os.environ.get(BACKEND_STORE_URI_ENV_VAR) or os.environ.get(TRACKING_URI_ENV)
            or location.resolve_tracking_uri())


def static_prefix() -> str:
    """MLflow's `--static-prefix` (empty when none)."""
    from mlflow.server.handlers import _add_static_prefix

    return _add_static_prefix("/").rstrip("/")


def create_app(app: Any = None) -> Any:
    """Add TrackLab's pages and JSON routes to MLflow's server app."""
    from mlflow.environment_variables import _MLFLOW_SGI_NAME
    from mlflow.server import app as mlflow_app

    from mlflow_plugins import _api, _inject
    from mlflow_plugins._bulk import bulk
    from mlflow_plugins._lease import lease
    from mlflow_plugins._pages import pages
    from mlflow_plugins._run_page import run_page
    from mlflow_plugins._sweep_journal import journal
    from tracklab.sweeps import _storage as sweep_storage

    flask_app = app or mlflow_app
    if "tracklab_pages" not in flask_app.blueprints:
        prefix = static_prefix() + "/tracklab"
        _api.init(tracking_uri())
        sweep_storage.bind(tracking_uri())  # sweeps live with the server's store
        flask_app.register_blueprint(pages, url_prefix=prefix)
        flask_app.register_blueprint(_api.api, url_prefix=prefix)
        from mlflow_plugins._workspace_api import workspace_api  # the runs table (workspace)
        flask_app.register_blueprint(workspace_api, url_prefix=prefix)
        flask_app.register_blueprint(bulk, url_prefix=static_prefix() or None)
        flask_app.register_blueprint(journal, url_prefix=static_prefix() or None)
        flask_app.register_blueprint(lease, url_prefix=static_prefix() or None)
        flask_app.register_blueprint(run_page, url_prefix=prefix)
        _inject.install(flask_app)
    if auth_enabled():
        # MLflow's own auth factory, on the app that now holds our routes: every request then
        # needs a login, and MLflow's permission checks run before every handler (ours too).
        from mlflow.server.auth import create_app as create_auth_app

        from mlflow_plugins import _bulk, _lease, _sweep_journal

        _bulk.register_auth_validators(static_prefix())
        _lease.register_auth_validators(static_prefix())
        _sweep_journal.register_auth_validators(static_prefix())
        return create_auth_app(flask_app)
    if _MLFLOW_SGI_NAME.get() == "uvicorn":
        from mlflow.server.fastapi_app import create_fastapi_app

        return create_fastapi_app(flask_app)
    return flask_app
