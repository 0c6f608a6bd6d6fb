"""The read side of a store: what `tracklab.Api()`, the UI plugin, artifacts and `init()` read.

`open_reader(tracking_uri)` (`backend/factory.py`) gives one of two implementations:
`StoreReader` here reads any MLflow store through MLflow's client; `SqliteReader`
(`backend/sqlite_reader.py`) reads a local SQLite store at a schema revision we checked
(`store_setup.KNOWN_REVISIONS`) with plain SQL where that is faster (looking a run up, its
history, chart series) and falls back to this class for the rest. A reader for another
database (PostgreSQL) is one more subclass overriding the same methods.

The interface (runs are MLflow `Run` entities or anything shaped like them: `.info.run_id`,
`.info.experiment_id`, `.info.status`, `.info.start_time`, `.info.end_time`,
`.info.artifact_uri`, `.data.metrics`, `.data.params`, `.data.tags`):

- `client`: MLflow's client for this URI (shared per process; edits go through it);
- `experiment(project)`, `experiments()`, `experiment_name(experiment_id)`;
- `experiment_id(project, create=False)`: the one lookup (and find-or-create) of a project;
- `known_experiment_id(project)`: the same only where it is cheap (no MLflow import, no
  server call): for links printed by `init()`; None when it cannot tell;
- `search(experiment_id, filter_string, order_by)`, `count_runs(experiment_id)`;
- `find_run(project, run_id)` (a wandb id, or an MLflow run id), `get_run(mlflow_run_id)`;
- `metric_points(run, keys)`, `series(run_id, key, points)`, `series_version(run_id, key)`,
  `values_at(run_id, key, steps)`;
- `artifact_dir(run)`, `read_artifact`, `write_artifact`, `list_artifacts`,
  `download_artifact`, `history_objects(run)`.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from tracklab.backend import location, mapping
from tracklab.backend.series import Point, Series, sample


class StoreReader:
    """Reads any MLflow store through MLflow's client."""

    def __init__(self, tracking_uri: str) -> None:
        self.tracking_uri = tracking_uri

    @property
    def client(self) -> Any:
        """MLflow's client, imported on first use (one per URI and process)."""
        from tracklab.backend import mlflow_client

        return mlflow_client.client(self.tracking_uri)

    # -- experiments -----------------------------------------------------------------------
    def experiment(self, project: str) -> Any:
        """The MLflow experiment of a project, or None."""
        return self.client.get_experiment_by_name(project)

    def experiments(self) -> list[Any]:
        return list(self.client.search_experiments())

    def experiment_name(self, experiment_id: str) -> str:
        return self.client.get_experiment(experiment_id).name

    def experiment_id(self, project: str, create: bool = False) -> str | None:
        """The experiment id of a project; with `create`, made (where the writer would make it) if missing."""
        if create:
            from tracklab.backend import mlflow_client

            return mlflow_client.ensure_experiment(self.client, self.tracking_uri, project)
        experiment = self.experiment(project)
        return None if experiment is None else experiment.experiment_id

    def known_experiment_id(self, project: str) -> str | None:
        """The experiment id of a project when it can be read cheaply (never for this reader)."""
        return None

    def store_signature(self) -> Any:
        """Something that changes whenever the store may have changed, read cheaply; None when
        this store cannot tell (then nothing read from it is kept between requests)."""
        return None

    # -- runs ------------------------------------------------------------------------------
    def search(self, experiment_id: str, filter_string: str = "", order_by: list[str] | None = None) -> Iterator[Any]:
        """Every active run of an experiment matching MLflow's `filter_string`."""
        token = None
        while True:
            page = self.client.search_runs([experiment_id], filter_string=filter_string, max_results=1000,
                                           order_by=order_by, page_token=token)
            yield from page
            token = page.token
            if not token:
                return

    def count_runs(self, experiment_id: str, at_most: int = 1000) -> int:
        """How many active runs an experiment has (counted up to `at_most`)."""
        return len(self.client.search_runs([experiment_id], max_results=at_most))

    def find_run(self, project: str, run_id: str) -> Any | None:
        """The MLflow run of wandb id `run_id` in `project` (or an MLflow run id)."""
        experiment = self.experiment(project)
        if experiment is None:
            return None
        found = self.client.search_runs([experiment.experiment_id],
                                        filter_string=f"tags.`{mapping.TAG_RUN_ID}` = '{run_id}'", max_results=1)
        if found:
            return found[0]
        if len(run_id) == 32:
            run = self.get_run(run_id)
            return run if run is not None and run.info.experiment_id == experiment.experiment_id else None
        return None

    def get_run(self, mlflow_run_id: str) -> Any | None:
        """The run with this MLflow run id, or None."""
        try:
            return self.client.get_run(mlflow_run_id)
        except Exception:  # MLflow raises its own exception types for a missing run
            return None

    def get_runs(self, mlflow_run_ids: Sequence[str]) -> list[Any]:
        """The runs with these MLflow run ids that exist, in no particular order."""
        return [run for run in map(self.get_run, mlflow_run_ids) if run is not None]

    # -- history ---------------------------------------------------------------------------
    def metric_points(self, run: Any, keys: Iterable[str] | None = None) -> dict[str, list[Point]]:
        """{MLflow key: [(step, value, timestamp ms), ...] in step order}."""
        wanted = list(keys) if keys is not None else list(run.data.metrics)
        out = {}
        for key in wanted:
            history = self.client.get_metric_history(run.info.run_id, key)
            out[key] = sorted((m.step, m.value, m.timestamp) for m in history)
        return out

    def _finite_points(self, run_id: str, key: str) -> list[Point]:
        history = self.client.get_metric_history(run_id, key)
        return sorted((m.step, m.value, m.timestamp) for m in history if not math.isnan(m.value))

    def series(self, run_id: str, key: str, points: int) -> Series:
        """One metric's non-NaN points, min/max-reduced to about `points` ranges when longer."""
        return sample(self._finite_points(run_id, key), points)

    def series_version(self, run_id: str, key: str) -> Any:
        """A value that changes whenever a series gains points, or None when that is not cheap to
        know (then a live run's series is read afresh each time)."""
        return None

    def values_at(self, run_id: str, key: str, steps: Sequence[int]) -> dict[int, float]:
        """{step: value} of `key` at the given steps (for custom x axes)."""
        wanted = set(steps)
        return {s: v for s, v, _ in self._finite_points(run_id, key) if s in wanted}

    def history_objects(self, run: Any) -> list[dict[str, Any]]:
        """The run's history-objects rows (exact values metrics cannot hold, media descriptors)."""
        data = self.read_artifact(run, mapping.OBJECTS_ARTIFACT)
        if not data:
            return []
        return [json.loads(line) for line in data.decode("utf-8").splitlines() if line]

    # -- artifacts -------------------------------------------------------------------------
    def artifact_dir(self, run: Any) -> str | None:
        """The run's artifact folder when it is on this machine, else None."""
        return location.local_path(run.info.artifact_uri)

    def read_artifact(self, run: Any, path: str) -> bytes | None:
        local = self.artifact_dir(run)
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
        """Every file of the run's artifacts (recursively), as MLflow's `FileInfo`."""
        files = []
        for info in self.client.list_artifacts(run.info.run_id, path):
            if info.is_dir:
                files.extend(self.list_artifacts(run, info.path))
            else:
                files.append(info)
        return files

    def download_artifact(self, run: Any, path: str, root: str) -> str:
        """Copy one artifact to `root/path`; return that path."""
        local = self.artifact_dir(run)
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

    def close(self) -> None:
        """Release connections (the shared client stays)."""
