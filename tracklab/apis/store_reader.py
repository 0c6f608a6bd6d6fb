"""Reading runs back from any MLflow store: MLflow's client for entities and artifacts, plain
SQL for the history of runs in a local SQLite store (MLflow's per-key history reads ~40 k
points/s; one indexed query reads the whole run)."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import tempfile
from typing import Any, Iterable

from tracklab.backend import location, mapping


class StoreReader:
    """The store behind `tracklab.Api()`."""

    def __init__(self, tracking_uri: str) -> None:
        self.tracking_uri = tracking_uri
        self._db_path = location.sqlite_path(tracking_uri)
        self._client: Any = None

    @property
    def client(self) -> Any:
        """MLflow's client, imported on first use (looking a run up and reading its history in
        a local store need no MLflow: see `sqlite_runs`)."""
        if self._client is None:
            from mlflow.tracking import MlflowClient

            self._client = MlflowClient(tracking_uri=self.tracking_uri)
        return self._client

    # -- entities ------------------------------------------------------------------------
    def experiment(self, project: str) -> Any:
        return self.client.get_experiment_by_name(project)

    def experiments(self) -> list[Any]:
        return list(self.client.search_experiments())

    def search(self, experiment_id: str, filter_string: str = "", order_by: list[str] | None = None) -> Iterable[Any]:
        token = None
        while True:
            page = self.client.search_runs([experiment_id], filter_string=filter_string, max_results=1000,
                                           order_by=order_by, page_token=token)
            yield from page
            token = page.token
            if not token:
                return

    def find_run(self, project: str, run_id: str) -> Any | None:
        """The MLflow run of wandb id `run_id` in `project` (or an MLflow run id)."""
        if self._db_path and os.path.exists(self._db_path):
            from tracklab.apis import sqlite_runs

            return sqlite_runs.find_run(self._db_path, project, run_id)
        experiment = self.experiment(project)
        if experiment is None:
            return None
        found = self.client.search_runs([experiment.experiment_id],
                                        filter_string=f"tags.`{mapping.TAG_RUN_ID}` = '{run_id}'", max_results=1)
        if found:
            return found[0]
        if len(run_id) == 32:
            try:
                run = self.client.get_run(run_id)
            except Exception:
                return None
            return run if run.info.experiment_id == experiment.experiment_id else None
        return None

    # -- artifacts ------------------------------------------------------------------------
    def _local_artifact_dir(self, run: Any) -> str | None:
        uri = run.info.artifact_uri
        path = uri[len("file://"):] if uri.startswith("file://") else uri
        return path if os.path.isabs(path) else None

    def read_artifact(self, run: Any, path: str) -> bytes | None:
        local = self._local_artifact_dir(run)
        if local is not None:
            try:
                with open(os.path.join(local, path), "rb") as handle:
                    return handle.read()
            except OSError:
                return None
        import mlflow.artifacts

        with tempfile.TemporaryDirectory() as tmp:
            try:
                target = mlflow.artifacts.download_artifacts(run_id=run.info.run_id, artifact_path=path,
                                                             dst_path=tmp, tracking_uri=self.tracking_uri)
            except Exception:
                return None
            with open(target, "rb") as handle:
                return handle.read()

    def write_artifact(self, run: Any, path: str, data: bytes) -> None:
        with tempfile.TemporaryDirectory() as tmp:
            local = os.path.join(tmp, os.path.basename(path))
            with open(local, "wb") as handle:
                handle.write(data)
            self.client.log_artifact(run.info.run_id, local, os.path.dirname(path) or None)

    def list_artifacts(self, run: Any, path: str | None = None) -> list[Any]:
        files = []
        for info in self.client.list_artifacts(run.info.run_id, path):
            if info.is_dir:
                files.extend(self.list_artifacts(run, info.path))
            else:
                files.append(info)
        return files

    def download_artifact(self, run: Any, path: str, root: str) -> str:
        local = self._local_artifact_dir(run)
        target = os.path.join(root, path)
        os.makedirs(os.path.dirname(target) or ".", exist_ok=True)
        if local is not None:
            shutil.copyfile(os.path.join(local, path), target)
            return target
        import mlflow.artifacts

        with tempfile.TemporaryDirectory() as tmp:
            got = mlflow.artifacts.download_artifacts(run_id=run.info.run_id, artifact_path=path, dst_path=tmp,
                                                      tracking_uri=self.tracking_uri)
            shutil.copyfile(got, target)
        return target

    # -- history --------------------------------------------------------------------------
    def metric_points(self, run: Any, keys: Iterable[str] | None = None) -> dict[str, list[tuple[int, float, int]]]:
        """{MLflow key: [(step, value, timestamp ms), ...] in step order}."""
        run_id = run.info.run_id
        if self._db_path and os.path.exists(self._db_path):
            return self._sqlite_points(run_id, keys)
        wanted = list(keys) if keys is not None else list(run.data.metrics)
        out = {}
        for key in wanted:
            history = self.client.get_metric_history(run_id, key)
            out[key] = sorted((m.step, m.value, m.timestamp) for m in history)
        return out

    def _sqlite_points(self, run_id: str, keys: Iterable[str] | None) -> dict[str, list[tuple[int, float, int]]]:
        conn = sqlite3.connect(f"file:{self._db_path}?mode=ro", uri=True, timeout=30)
        try:
            sql = ("SELECT key, step, CASE WHEN is_nan THEN 'NaN' ELSE value END, timestamp FROM metrics "
                   "WHERE run_uuid = ?")
            args: list[Any] = [run_id]
            if keys is not None:
                keys = list(keys)
                sql += f" AND key IN ({','.join('?' * len(keys))})"
                args += keys
            rows = conn.execute(sql + " ORDER BY key, step, timestamp", args).fetchall()
        finally:
            conn.close()
        out: dict[str, list[tuple[int, float, int]]] = {}
        current_key = None
        bucket: list = []
        for key, step, value, ts in rows:
            if key != current_key:
                bucket = out.setdefault(key, [])
                current_key = key
            bucket.append((step, float(value) if type(value) is str else value, ts))
        return out

    def history_objects(self, run: Any) -> list[dict[str, Any]]:
        data = self.read_artifact(run, mapping.OBJECTS_ARTIFACT)
        if not data:
            return []
        return [json.loads(line) for line in data.decode("utf-8").splitlines() if line]
