"""Serve MLflow's own UI and REST API over a store, for the UI test:
`python _mlflow_ui.py <tracking uri> <served artifacts folder> <port>`.

It runs MLflow's Flask app (what `mlflow server` serves) directly, which starts in a few
seconds instead of the tens `mlflow server` needs on a small machine. Artifacts are served
(`mlflow-artifacts:/`), so clients that log through it act as on a remote server; runs
written straight into the database keep their local artifact folders."""

from __future__ import annotations

import os
import sys


def main() -> None:
    uri, served, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
    os.environ["_MLFLOW_SERVER_FILE_STORE"] = uri
    os.environ["_MLFLOW_SERVER_REGISTRY_STORE"] = uri
    os.environ["_MLFLOW_SERVER_ARTIFACT_ROOT"] = "mlflow-artifacts:/"
    os.environ["_MLFLOW_SERVER_SERVE_ARTIFACTS"] = "true"
    os.environ["_MLFLOW_SERVER_ARTIFACT_DESTINATION"] = served
    from mlflow.server import app
    from werkzeug.serving import make_server

    make_server("127.0.0.1", port, app, threaded=True).serve_forever()


if __name__ == "__main__":
    main()
