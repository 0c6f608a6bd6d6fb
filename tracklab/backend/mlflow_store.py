"""Writes through MLflow's client: PostgreSQL and other SQL stores, `http://` servers (REST
batch calls), and SQLite stores at a schema revision the bulk writer does not know."""

from __future__ import annotations

from typing import Any

from tracklab.backend import mapping
from tracklab.backend.store import Batch, log_artifact_as


class MlflowClientStore:
    """The portable store: every write is an MLflow client call."""

    def __init__(self, tracking_uri: str, artifact_root: str, tracklab_root: str | None = None) -> None:
        from tracklab.backend import mlflow_client

        self.tracking_uri = tracking_uri
        self.artifact_root = artifact_root
        self.tracklab_root = tracklab_root
        self.client = mlflow_client.client(tracking_uri)

    def _experiment_id(self, name: str) -> str:
        from tracklab.backend import mlflow_client

        return mlflow_client.ensure_experiment(self.client, self.tracking_uri, name, self.tracklab_root)

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
        tag_values = dict(batch.tags)
        params: list[Any] = []
        if batch.params:
            run = self.client.get_run(run_id)
            new, changed = mapping.params_through_mlflow(
                run.data.params, run.data.tags.get(mapping.TAG_CHANGED_PARAMS), batch.params)
            params = [Param(k, v) for k, v in new.items()]
            tag_values.update(changed)
        tags = [RunTag(k, mapping.tag_value(v)) for k, v in tag_values.items()]
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
