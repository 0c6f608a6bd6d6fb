"""`tracklab.Api()`: wandb's public API (`wandb.Api()`) on the local store or any MLflow URI."""

from __future__ import annotations

import datetime
import io
import json
import os
from typing import Any, Iterator, Mapping, Sequence

from tracklab.apis import _features
from tracklab.apis import filters as _filters
from tracklab.backend import location, mapping
from tracklab.backend.factory import open_reader
from tracklab.backend.reader import StoreReader
from tracklab.errors import CommError, UsageError


class Api:
    """Read (and edit) runs in the store (wandb.Api)."""

    def __init__(self, overrides: Mapping[str, Any] | None = None, timeout: int | None = None,
                 api_key: str | None = None, tracking_uri: str | None = None) -> None:
        overrides = dict(overrides or {})
        self.tracking_uri = location.resolve_tracking_uri(tracking_uri or overrides.get("tracking_uri"))
        self.settings = {"entity": overrides.get("entity"), "project": overrides.get("project")}
        self._reader = open_reader(self.tracking_uri, must_exist=True)

    @property
    def reader(self) -> StoreReader:
        """The store reader behind this Api (`tracklab.backend.reader`)."""
        return self._reader

    @property
    def default_entity(self) -> str | None:
        return self.settings.get("entity")

    @property
    def viewer(self) -> dict[str, Any]:
        import getpass

        return {"username": getpass.getuser(), "entity": self.default_entity}

    def _split(self, path: str | None, want_run: bool) -> tuple[str | None, str, str | None]:
        if want_run:
            return mapping.split_run_path(path or "", self.settings.get("project"))
        parts = [p for p in (path or "").split("/") if p]
        if not parts:
            project = self.settings.get("project")
            if not project:
                raise UsageError("runs(): give a path 'project' or 'entity/project'")
            return self.settings.get("entity"), project, None
        return (parts[-2] if len(parts) >= 2 else None), parts[-1], None

    def run(self, path: str = "") -> "Run":
        """One run: 'project/run_id' or 'entity/project/run_id' (also .../runs/run_id)."""
        entity, project, run_id = self._split(path, want_run=True)
        found = self._reader.find_run(project, run_id)
        if found is None:
            raise CommError(f"Could not find run {path!r} in {self.tracking_uri}")
        return Run(self, found, project)

    def runs(self, path: str | None = None, filters: Mapping[str, Any] | None = None, order: str = "+created_at",
             per_page: int = 50, include_sweeps: bool = True, lazy: bool = True) -> "Runs":
        """Runs of a project, filtered with wandb's MongoDB-style filters."""
        entity, project, _ = self._split(path, want_run=False)
        return Runs(self, project, filters or {}, order, per_page)

    def projects(self, entity: str | None = None, per_page: int = 200) -> list["Project"]:
        return [Project(self, e.name, e) for e in self._reader.experiments() if e.name != "Default"]

    def project(self, name: str, entity: str | None = None) -> "Project":
        experiment = self._reader.experiment(name)
        if experiment is None:
            raise CommError(f"Could not find project {name!r}")
        return Project(self, name, experiment)

    def flush(self) -> None:
        """wandb caches queries; nothing is cached here."""

    # -- artifacts (tracklab.sdk.artifacts.api_artifacts does the work) --------------
    def artifact(self, name: str, type: str | None = None) -> Any:
        return _artifacts().artifact(self, name, type)

    def artifacts(self, type_name: str, name: str, order: str | None = None, per_page: int = 50,
                  tags: Any = None, start: str | None = None) -> Any:
        """Versions of collection `name`; `order` "created_at" / "-created_at", `start` the last
        version already seen ("v3" or "name:v3"): the list goes on after it."""
        found = _artifacts().artifacts(self, type_name, name, per_page, tags)
        return _page(found, order, start, lambda a: (a.name, a.version), "artifacts")

    def artifact_versions(self, type_name: str, name: str, per_page: int = 50) -> Any:
        """Deprecated wandb name of `artifacts`."""
        return self.artifacts(type_name, name, per_page=per_page)

    def artifact_collection(self, type_name: str, name: str) -> Any:
        return _artifacts().artifact_collection(self, type_name, name)

    def artifact_collections(self, project_name: str, type_name: str | None = None, order: str | None = None,
                             per_page: int = 50, start: str | None = None) -> Any:
        """Collections of a project; `order` and `start` (the last collection name seen) as in artifacts()."""
        found = _artifacts().artifact_collections(self, project_name, type_name)
        return _page(found, order, start, lambda c: (c.name,), "artifact_collections")

    def artifact_type(self, type_name: str, project: str | None = None) -> Any:
        return _artifacts().artifact_type(self, type_name, project)

    def artifact_types(self, project: str | None = None, start: str | None = None) -> Any:
        """Artifact types of a project, by name; `start` is the last type name already seen."""
        return _page(_artifacts().artifact_types(self, project), None, start, lambda t: (t.name,), "artifact_types")

    def artifact_exists(self, name: str, type: str | None = None) -> bool:
        return _artifacts().artifact_exists(self, name, type)

    def artifact_collection_exists(self, name: str, type: str) -> bool:
        return _artifacts().artifact_collection_exists(self, name, type)

    # -- sweeps ----------------------------------------------------------------------------
    def sweep(self, path: str = "") -> Any:
        """A sweep ('sweep_id' with the Api's project, 'project/sweep_id' or 'entity/project/sweep_id')."""
        if not path.strip("/ "):
            raise UsageError("sweep(): give the sweep's path: 'sweep_id' (with Api(overrides={'project': ...})), "
                             "'project/sweep_id' or 'entity/project/sweep_id'")
        return _features.call("sweep", self, path.replace("/sweeps/", "/"))

    # -- creating --------------------------------------------------------------------------
    def create_project(self, name: str, entity: str) -> None:
        """Create project `name` (an MLflow experiment); an existing one is kept, as wandb upserts."""
        from tracklab.apis import _create

        _create.create_project(self.tracking_uri, name)

    def create_run(self, *, run_id: str | None = None, project: str | None = None,
                   entity: str | None = None) -> "Run":
        """A new run in the "running" state (project default: the Api's, else "uncategorized").

        An existing run with that id is returned as it is (wandb upserts)."""
        from tracklab.apis import _create
        from tracklab.sdk.lib import runid

        run_id = run_id or runid.generate_id()
        project = project or self.settings.get("project") or "uncategorized"
        if self._reader.find_run(project, run_id) is None:
            _create.create_run(self.tracking_uri, project, run_id, entity or self.default_entity)
        return self.run(f"{project}/{run_id}")

    def from_path(self, path: str) -> Any:
        """The project, run or sweep a path names, as wandb parses it: 'project', 'entity/project',
        'entity/project/run_id', 'entity/project/runs/run_id', 'entity/project/sweeps/sweep_id'."""
        from tracklab.apis import _create

        kind, parts = _create.split_from_path(path)
        if kind == "project":
            return self.project(parts[-1], parts[0] if len(parts) == 2 else None)
        if kind == "sweep":
            return self.sweep("/".join([parts[0], parts[1], parts[3]]))
        return self.run("/".join(parts))

    def sync_tensorboard(self, root_dir: str, run_id: str | None = None, project: str | None = None,
                         entity: str | None = None) -> "Run":
        """Load the TensorBoard event files under `root_dir` as a new run (or into run `run_id`)."""
        from tracklab.apis import _tensorboard_import
        from tracklab.sdk.lib import runid

        run_id = run_id or runid.generate_id()
        project = project or self.settings.get("project") or "uncategorized"
        _tensorboard_import.sync(os.fspath(root_dir), project, run_id, entity or self.default_entity,
                                 self.tracking_uri)
        return self.run(f"{project}/{run_id}")


class Project:
    """A project (an MLflow experiment)."""

    def __init__(self, api: Api, name: str, experiment: Any) -> None:
        self._api = api
        self.name = name
        self.id = experiment.experiment_id
        self.entity = api.default_entity
        self.created_at = _iso(experiment.creation_time)

    def runs(self, **kwargs: Any) -> "Runs":
        return self._api.runs(self.name, **kwargs)

    def sweeps(self) -> list[Any]:
        return _features.call("project_sweeps", self._api, self.name)

    def __repr__(self) -> str:
        return f"<Project {self.name}>"


class Runs(Sequence["Run"]):
    """The runs matching a query (a list-like, loaded on first use)."""

    def __init__(self, api: Api, project: str, filters: Mapping[str, Any], order: str, per_page: int) -> None:
        self._api = api
        self.project = project
        self.filters = filters
        self.order = order
        self.per_page = per_page
        self._runs: list[Run] | None = None

    def _load(self) -> list["Run"]:
        if self._runs is None:
            experiment = self._api._reader.experiment(self.project)
            runs: list[Run] = []
            if experiment is not None:
                runs = [Run(self._api, r, self.project) for r in self._api._reader.search(experiment.experiment_id)
                        if not mapping.is_sweep_parent(r.data.tags)]
            if self.filters:
                runs = [r for r in runs if _filters.matches(r, self.filters)]
            key, reverse = _filters.sort_key(self.order or "+created_at")
            runs.sort(key=key, reverse=reverse)
            self._runs = runs
        return self._runs

    def __getitem__(self, index: Any) -> Any:
        return self._load()[index]

    def __len__(self) -> int:
        return len(self._load())

    def __iter__(self) -> Iterator["Run"]:
        return iter(self._load())

    @property
    def length(self) -> int:
        return len(self)

    def histories(self, samples: int = 500, keys: list[str] | None = None, x_axis: str = "_step",
                  format: str = "default", stream: str = "default") -> Any:
        """Every run's history with a `run_id` column."""
        frames = []
        for run in self:
            rows = run.history(samples=samples, keys=keys, x_axis=x_axis, pandas=False, stream=stream)
            for row in rows:
                row["run_id"] = run.id
            frames.extend(rows)
        if format == "pandas":
            import pandas as pd

            return pd.DataFrame(frames)
        return frames


class File:
    """A file of a run (an MLflow artifact)."""

    def __init__(self, run: "Run", info: Any) -> None:
        self._run = run
        self.name = info.path
        self.size = info.file_size
        self.path_uri = f"{run._mlflow.info.artifact_uri.rstrip('/')}/{info.path}"

    def download(self, root: str = ".", replace: bool = False, exist_ok: bool = False) -> io.TextIOWrapper:
        """Copy the file under `root`; returns it opened for reading, as wandb does."""
        target = os.path.join(root, self.name)
        if os.path.exists(target) and not replace:
            if not exist_ok:
                raise ValueError(f"File already exists, pass replace=True to overwrite: {target}")
        else:
            self._run._api._reader.download_artifact(self._run._mlflow, self.name, root)
        return open(target)

    def __repr__(self) -> str:
        return f"<File {self.name} ({self.size} bytes)>"


class Run:
    """A stored run (wandb.apis.public.Run)."""

    def __init__(self, api: Api, mlflow_run: Any, project: str) -> None:
        self._api = api
        self._mlflow = mlflow_run
        self.project = project
        self._tags_raw = mlflow_run.data.tags
        fields = mapping.run_fields(self._tags_raw)
        self.id: str = fields["id"] or mlflow_run.info.run_id
        self.name: str = fields["name"] or mlflow_run.info.run_name or self.id
        self.entity: str = fields["entity"] or ""
        self.notes: str | None = fields["notes"]
        self.group: str | None = fields["group"]
        self.job_type: str | None = fields["job_type"]
        self.sweep_id: str | None = fields["sweep_id"]
        self.tags: list[str] = fields["tags"]
        self.username: str | None = fields["user"]
        self._config: dict[str, Any] | None = None
        self._summary: dict[str, Any] | None = None
        self._keymap: dict[str, str] | None = None
        self._metadata: dict[str, Any] | None = None

    # -- identity ------------------------------------------------------------------------
    @property
    def mlflow_run(self) -> Any:
        """The MLflow run entity behind this run (MLflow's `Run`, or the SQLite reader's look-alike)."""
        return self._mlflow

    @property
    def api(self) -> Api:
        """The Api this run was read through."""
        return self._api

    @property
    def mlflow_run_id(self) -> str:
        return self._mlflow.info.run_id

    @property
    def path(self) -> list[str]:
        return [self.entity, self.project, self.id]

    @property
    def url(self) -> str:
        """The run's page: the same address `run.url` gave while it ran (the running `tracklab ui`
        of the store, else the address `tracklab ui` will serve, or the MLflow server)."""
        from types import SimpleNamespace

        from tracklab.backend.links import run_url
        from tracklab.sdk.wandb_settings import settings_from_environment

        env = settings_from_environment()
        settings = SimpleNamespace(tracking_uri=self._api.tracking_uri, ui_host=env.get("ui_host", "127.0.0.1"),
                                   ui_port=env.get("ui_port", 5000))
        return run_url(settings, self._mlflow.info.experiment_id, self.mlflow_run_id)

    @property
    def state(self) -> str:
        return mapping.run_state(self._mlflow.info.status, self._tags_raw)

    @property
    def created_at(self) -> str:
        return _iso(self._mlflow.info.start_time)

    @property
    def created_at_ms(self) -> int:
        return self._mlflow.info.start_time

    @property
    def duration(self) -> float | None:
        info = self._mlflow.info
        return (info.end_time - info.start_time) / 1000 if info.end_time else None

    @property
    def storage_id(self) -> str:
        return self.mlflow_run_id

    # -- config and summary -----------------------------------------------------------------
    @property
    def keymap(self) -> dict[str, str]:
        """{MLflow key: original wandb key} for the keys the writer had to escape."""
        if self._keymap is None:
            self._keymap = mapping.keymap_from_tags(self._tags_raw)
        return self._keymap

    def _key(self, mlflow_key: str) -> str:
        return self.keymap.get(mlflow_key, mlflow_key)

    @property
    def config(self) -> dict[str, Any]:
        if self._config is None:
            data = self._api._reader.read_artifact(self._mlflow, mapping.CONFIG_ARTIFACT)
            if data:
                self._config = mapping.config_from_yaml(data)
            else:
                self._config = {self._key(k): v for k, v in self._mlflow.data.params.items()}
        return self._config

    @config.setter
    def config(self, value: Mapping[str, Any]) -> None:
        self._config = dict(value)

    @property
    def rawconfig(self) -> dict[str, Any]:
        return {k: {"value": v} for k, v in self.config.items()}

    @property
    def json_config(self) -> str:
        return json.dumps(self.rawconfig)

    @property
    def summary(self) -> dict[str, Any]:
        if self._summary is None:
            data = self._api._reader.read_artifact(self._mlflow, mapping.SUMMARY_ARTIFACT)
            if data:
                self._summary = json.loads(data)
            else:
                self._summary = {self._key(k): v for k, v in self._mlflow.data.metrics.items()
                                 if not k.startswith("system/")}
        return self._summary

    @property
    def summary_metrics(self) -> dict[str, Any]:
        return self.summary

    @property
    def system_metrics(self) -> dict[str, Any]:
        return {k: v for k, v in self._mlflow.data.metrics.items() if k.startswith("system/")}

    @property
    def metadata(self) -> dict[str, Any] | None:
        if self._metadata is None:
            data = self._api._reader.read_artifact(self._mlflow, mapping.METADATA_ARTIFACT)
            self._metadata = json.loads(data) if data else {}
        return self._metadata

    @property
    def lastHistoryStep(self) -> int:  # noqa: N802 - wandb's name
        return int(self.summary.get("_step", -1))

    @property
    def history_keys(self) -> dict[str, Any]:
        keys = [self._key(k) for k in self._mlflow.data.metrics if not k.startswith("system/")]
        keys += mapping.object_keys_from_tags(self._tags_raw) or []
        return {"keys": {k: {} for k in sorted(set(keys))}, "lastStep": self.lastHistoryStep}

    # -- history -------------------------------------------------------------------------
    def _rows(self, keys: Sequence[str] | None, stream: str) -> list[dict[str, Any]]:
        """Every history row in step order, with original keys and exact values."""
        reader = self._api._reader
        system = stream == "system"
        points = reader.metric_points(self._mlflow)
        start = self._mlflow.info.start_time / 1000
        rows: dict[int, dict[str, Any]] = {}
        for mlflow_key, series in points.items():
            if mlflow_key.startswith("system/") != system:
                continue
            key = self._key(mlflow_key)
            if keys is not None and key not in keys:
                continue
            for step, value, ts in series:
                row = rows.get(step)
                if row is None:
                    row = rows[step] = {"_step": step, "_timestamp": ts / 1000, "_runtime": ts / 1000 - start}
                row[key] = value
        if not system:
            for objects in reader.history_objects(self._mlflow):
                step = objects.pop("_step")
                ts = objects.pop("_timestamp", None)
                if keys is not None:
                    objects = {k: v for k, v in objects.items() if k in keys}
                    if not objects:
                        continue
                row = rows.get(step)
                if row is None:
                    row = rows[step] = {"_step": step}
                    if ts is not None:
                        row["_timestamp"], row["_runtime"] = ts, ts - start
                row.update(objects)
        return [rows[s] for s in sorted(rows)]

    def history(self, samples: int = 500, keys: Sequence[str] | None = None, x_axis: str = "_step",
                pandas: bool = True, stream: str = "default") -> Any:
        """Sampled history (at most `samples` rows), as a DataFrame by default."""
        if keys is not None:
            keys = list(keys)
            if x_axis not in keys:
                keys.append(x_axis)
        if pandas and keys is None and stream == "default":
            return self._history_frame(samples)
        rows = self._rows(keys, stream)
        if keys is not None:
            rows = [r for r in rows if all(k in r for k in keys if not k.startswith("_"))]
        rows = _sample(rows, samples)
        if not pandas:
            return rows
        import pandas as pd

        return pd.DataFrame(rows)

    def _history_frame(self, samples: int) -> Any:
        """The whole history as a DataFrame, built column-wise (fast for millions of points)."""
        import numpy as np
        import pandas as pd

        frame, times = self._numeric_history()
        start = self._mlflow.info.start_time / 1000
        by_key: dict[str, dict[int, Any]] = {}
        stamps: dict[int, float] = {}
        for objects in self._api._reader.history_objects(self._mlflow):
            step = objects["_step"]
            if objects.get("_timestamp") is not None:
                stamps[step] = objects["_timestamp"] * 1000
            for key, value in objects.items():
                if key[:1] != "_":
                    by_key.setdefault(key, {})[step] = value
        if by_key:
            steps = sorted({s for values in by_key.values() for s in values})
            frame = frame.reindex(frame.index.union(pd.Index(steps, dtype=np.int64)))
            for key, values in by_key.items():
                merged = frame[key].dropna().to_dict() if key in frame else {}
                merged.update(values)  # exact values (strings, inf, big ints) win over the metric copy
                frame[key] = pd.Series(merged, dtype=object).reindex(frame.index)
            times = times.combine_first(pd.Series(stamps, dtype=float))
        frame = frame.sort_index()
        frame.index.name = "_step"
        ts_series = times.reindex(frame.index).astype(float) / 1000
        frame.insert(0, "_runtime", ts_series - start)
        frame.insert(0, "_timestamp", ts_series)
        frame = frame.reset_index()
        if samples and len(frame) > samples:
            index = np.unique(np.linspace(0, len(frame) - 1, samples).round().astype(int))
            frame = frame.iloc[index].reset_index(drop=True)
        return frame

    def _numeric_history(self) -> tuple[Any, Any]:
        """(wide frame of numeric history by step, timestamps ms by step).

        An ended run has the writer's columnar copy; a running one is read from MLflow's metrics.
        """
        import numpy as np
        import pandas as pd

        from tracklab.backend import history_columns

        if self._mlflow.info.status != "RUNNING":
            data = self._api._reader.read_artifact(self._mlflow, history_columns.ARTIFACT)
            if data:
                frame, times = history_columns.read_frame(data)
                frame.columns = [self._key(c) for c in frame.columns]
                return frame, times
        columns: dict[str, Any] = {}
        timestamps: dict[int, int] = {}
        for mlflow_key, series in self._api._reader.metric_points(self._mlflow).items():
            if mlflow_key.startswith("system/") or not series:
                continue
            steps, values, ts = zip(*series)
            columns[self._key(mlflow_key)] = pd.Series(np.asarray(values, dtype=float),
                                                       index=np.asarray(steps, dtype=np.int64))
            if len(steps) > len(timestamps):
                timestamps = dict(zip(steps, ts))
        return pd.DataFrame(columns), pd.Series(timestamps, dtype=float)

    def scan_history(self, keys: Sequence[str] | None = None, page_size: int = 1000, min_step: int | None = None,
                     max_step: int | None = None) -> Iterator[dict[str, Any]]:
        """Every history row (all of them, unsampled); with `keys`, only rows holding all of them."""
        wanted = list(keys) if keys is not None else None
        for row in self._rows(wanted + ["_step"] if wanted else None, "default"):
            step = row["_step"]
            if min_step is not None and step < min_step:
                continue
            if max_step is not None and step >= max_step:
                continue
            if wanted is not None:
                if not all(k in row for k in wanted):
                    continue
                row = {k: row[k] for k in wanted}
            yield row

    # -- files ---------------------------------------------------------------------------
    def files(self, names: Sequence[str] | None = None, per_page: int = 50) -> list[File]:
        infos = self._api._reader.list_artifacts(self._mlflow)
        files = [File(self, i) for i in infos]
        return [f for f in files if names is None or f.name in names]

    def file(self, name: str) -> File:
        for candidate in self.files():
            if candidate.name == name:
                return candidate
        raise CommError(f"run {self.id} has no file {name!r}")

    # -- edits -----------------------------------------------------------------------------
    def update(self) -> None:
        """Persist edits to name, tags, notes, config and summary."""
        reader = self._api._reader
        run_id = self.mlflow_run_id
        tags = mapping.update_tags({"name": self.name, "notes": self.notes, "tags": self.tags})
        old_user_tags = {k for k in self._tags_raw if k.startswith(mapping.USER_TAG_PREFIX)}
        for key in old_user_tags - set(tags):
            reader.client.delete_tag(run_id, key)
        from mlflow.entities import RunTag

        reader.client.log_batch(run_id, tags=[RunTag(k, v) for k, v in tags.items()])
        reader.client.update_run(run_id, name=self.name)
        if self._config is not None:
            reader.write_artifact(self._mlflow, mapping.CONFIG_ARTIFACT, mapping.config_yaml(self._config).encode())
            self._write_params(mapping.params_for_config(self._config))
        if self._summary is not None:
            reader.write_artifact(self._mlflow, mapping.SUMMARY_ARTIFACT,
                                  json.dumps(self._summary, default=str).encode())
        self._reload()

    def _write_params(self, params: dict[str, str]) -> None:
        """Params follow the edited config, through the store's write path (updated in place where
        the store allows it, else listed in the changed-params tag: docs/mapping.md)."""
        data = self._mlflow.data
        if all(data.params.get(k) == v for k, v in params.items()) and mapping.TAG_CHANGED_PARAMS not in data.tags:
            return
        from tracklab.backend.factory import open_store
        from tracklab.backend.store import Batch

        store = open_store(self._api.tracking_uri)
        try:
            store.write(self.mlflow_run_id, Batch(params=params))
        finally:
            store.close()

    def delete(self, delete_artifacts: bool = False) -> None:
        """Delete the run (MLflow marks it deleted; `tracklab gc` removes its files)."""
        self._api._reader.client.delete_run(self.mlflow_run_id)

    def _reload(self) -> None:
        found = self._api._reader.get_run(self.mlflow_run_id)
        if found is None:
            raise CommError(f"run {self.id} ({self.mlflow_run_id}) is no longer in {self._api.tracking_uri}")
        self._mlflow = found
        self._tags_raw = found.data.tags

    def load(self, force: bool = False) -> None:
        self._reload()
        self._config = self._summary = self._metadata = self._keymap = None

    def logged_artifacts(self, per_page: int = 100) -> Any:
        return _artifacts().logged_artifacts(self, per_page)

    def used_artifacts(self, per_page: int = 100) -> Any:
        return _artifacts().used_artifacts(self, per_page)

    def wait_until_finished(self) -> None:
        """Nothing to wait for: a stored run is as complete as the writer made it."""

    def __repr__(self) -> str:
        return f"<Run {'/'.join(p for p in self.path if p)} ({self.state})>"


def stored_run(api: Api, mlflow_run_id: str) -> Run | None:
    """The run with this MLflow run id, whatever its project, or None when the store has none."""
    found = api.reader.get_run(mlflow_run_id)
    if found is None:
        return None
    return Run(api, found, api.reader.experiment_name(found.info.experiment_id))


def stored_runs(api: Api, mlflow_run_ids: Sequence[str]) -> dict[str, Run]:
    """The runs with these MLflow run ids that the store has (any projects), by id: one read
    of them all, and each project's name read once."""
    names: dict[str, str] = {}
    out: dict[str, Run] = {}
    for found in api.reader.get_runs(mlflow_run_ids):
        experiment_id = found.info.experiment_id
        if experiment_id not in names:
            names[experiment_id] = api.reader.experiment_name(experiment_id)
        out[found.info.run_id] = Run(api, found, names[experiment_id])
    return out


def _page(items: Sequence[Any], order: str | None, start: str | None, names: Any, method: str) -> list[Any]:
    """wandb's paging arguments on a local list: `order` by creation, `start` the last item seen.

    `names(item)` gives the names `start` may use for an item (e.g. "v3" or "name:v3")."""
    found = list(items)
    if order is not None:
        if order.lstrip("+-") not in ("created_at", "createdAt"):
            raise ValueError(f"{method}: order={order!r} must be 'created_at' or '-created_at'")
        found.sort(key=lambda item: getattr(item, "created_at", "") or "")  # stable: ties keep listing order
        if order.startswith("-"):
            found.reverse()
    if start is None:
        return found
    for index, item in enumerate(found):
        if start in names(item):
            return found[index + 1:]
    raise ValueError(f"{method}: start={start!r} names none of the {len(found)} items listed")


def _artifacts() -> Any:
    from tracklab.sdk.artifacts import api_artifacts

    return api_artifacts


def _iso(ms: int | None) -> str:
    if ms is None:
        return ""
    return datetime.datetime.fromtimestamp(ms / 1000, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S")


def _sample(rows: list[dict[str, Any]], samples: int) -> list[dict[str, Any]]:
    if not samples or len(rows) <= samples:
        return rows
    stride = (len(rows) - 1) / (samples - 1) if samples > 1 else 0
    return [rows[round(i * stride)] for i in range(samples)]
