"""Writes through MLflow's client: PostgreSQL and other SQL stores, `http://` servers (REST
batch calls), and SQLite stores at a schema revision the bulk writer does not know."""

from __future__ import annotations

import os
from typing import Any

from tracklab.backend import mapping
from tracklab.backend.store import Batch, log_artifact_as


class MlflowClientStore:
    """The portable store: every write is an MLflow client call."""

    def __init__(self, tracking_uri: str, artifact_root: str) -> None:
        from mlflow.tracking import MlflowClient

        self.tracking_uri = tracking_uri
        self.artifact_root = artifact_root
        self.client = MlflowClient(tracking_uri=tracking_uri)
        self._remote = tracking_uri.startswith(("http://", "https://"))

    def _experiment_id(self, name: str) -> str:
        from mlflow.exceptions import MlflowException

        experiment = self.client.get_experiment_by_name(name)
        if experiment is not None:
            if experiment.lifecycle_stage != "active":
                self.client.restore_experiment(experiment.experiment_id)
            return experiment.experiment_id
        # A server picks its own artifact location; a direct database store gets one in our root.
        location = None if self._remote else os.path.join(self.artifact_root, mapping.experiment_slug(name))
        try:
            return self.client.create_experiment(name, artifact_location=location)
        except MlflowException:  # another writer created it first
            experiment = self.client.get_experiment_by_name(name)
            if experiment is None:
                raise
            return experiment.experiment_id

    def ensure_run(self, header: dict[str, Any], known_run_id: str | None) -> str:
        from mlflow.entities import RunStatus

        tags = mapping.run_tags(header)
        run_id = known_run_id
        if run_id is None:
            experiment_id = self._experiment_id(header["project"])
            found = self.client.search_runs(
                [experiment_id], filter_string=f"tags.`{mapping.TAG_RUN_ID}` = '{header['id']}'", max_results=1
            )
            if found:
                run_id = found[0].info.run_id
            else:
                run = self.client.create_run(experiment_id, start_time=int(header["start_time"] * 1000),
                                             tags=tags, run_name=header.get("name"))
                return run.info.run_id
        self.client.update_run(run_id, status=RunStatus.to_string(RunStatus.RUNNING), name=header.get("name"))
        self.write(run_id, Batch(tags=tags))
        return run_id

    def write(self, run_id: str, batch: Batch) -> None:
        from mlflow.entities import Metric, Param, RunTag

        metrics = [Metric(k, float("nan") if nan else v, ts, step) for k, v, ts, step, nan in batch.points()]
        params = [Param(k, v) for k, v in batch.params.items()]
        tags = [RunTag(k, mapping.tag_value(v)) for k, v in batch.tags.items()]
        # MLflow's limits: 1000 metrics and 100 params/tags per call.
        size = mapping.MAX_METRICS_PER_BATCH
        small = mapping.MAX_PARAMS_TAGS_PER_BATCH
        for start in range(0, max(len(metrics), 1), size):
            chunk = metrics[start:start + size]
            if chunk:
                self.client.log_batch(run_id, metrics=chunk, synchronous=True)
        for start in range(0, len(params), small):
            self.client.log_batch(run_id, params=params[start:start + small], synchronous=True)
        for start in range(0, len(tags), small):
            self.client.log_batch(run_id, tags=tags[start:start + small], synchronous=True)
        if batch.run_name:
            self.client.update_run(run_id, name=batch.run_name)

    def experiment_id_of(self, run_id: str) -> str | None:
        return self.client.get_run(run_id).info.experiment_id

    def put_artifact(self, run_id: str, artifact_path: str, local_path: str) -> None:
        log_artifact_as(lambda local, directory: self.client.log_artifact(run_id, local, directory),
                        artifact_path, local_path)

    def end_run(self, run_id: str, status: str, end_time_ms: int) -> None:
        self.client.set_terminated(run_id, status=status, end_time=end_time_ms)

    def close(self) -> None:
        pass
