"""TrackLab's MLflow server plugin (`mlflow server --app-name tracklab`).

`tracklab_app.create_app` is registered under the `mlflow.app` entry point. It adds wandb-style
panel pages under `/tracklab/` (files in `ui_extensions/`) and read-only JSON routes under
`/tracklab/api/` to MLflow's own server; the stock MLflow UI keeps working at `/`.
"""
