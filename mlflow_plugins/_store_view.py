"""What the panels read from the store: projects, runs, their keys and their logged objects.

Entities come from `tracklab.Api()` and its store reader (`tracklab.backend.reader`); per-run files that are read often
(the history-objects index) are cached by the file's signature so a live run is re-read only
when its writer uploads a new copy.
"""

from __future__ import annotations

import fnmatch
import os
import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from tracklab.apis.public import Api, Run, stored_runs
from tracklab.backend import mapping

SYSTEM_PREFIX = "system/"
# History values that are plain scalars, not panels.
_PLAIN = (int, float, bool, type(None))


class LruCache:
    """A small thread-safe LRU map."""

    def __init__(self, size: int = 256) -> None:
        self._size = size
        self._items: OrderedDict[Any, Any] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Any) -> Any | None:
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
        return None

    def put(self, key: Any, value: Any) -> None:
        with self._lock:
            self._items[key] = value
            while len(self._items) > self._size:
                self._items.popitem(last=False)

    def get_or_make(self, key: Any, make: Callable[[], Any]) -> Any:
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
        value = make()
        with self._lock:
            self._items[key] = value
            while len(self._items) > self._size:
                self._items.popitem(last=False)
        return value


def metric_defs(run: Run) -> list[dict[str, Any]]:
    """The run's `define_metric` definitions (name may be a glob, e.g. `val/*`)."""
    return mapping.metric_defs_from_tags(run.mlflow_run.data.tags)


def step_metric_for(key: str, defs: list[dict[str, Any]]) -> str | None:
    """The x axis `define_metric` gives `key` (exact names win over globs), if any."""
    exact = [d for d in defs if d.get("name") == key and d.get("step_metric")]
    if exact:
        return exact[0]["step_metric"]
    for definition in defs:
        name = definition.get("name") or ""
        if definition.get("step_metric") and "*" in name and fnmatch.fnmatchcase(key, name):
            return definition["step_metric"]
    return None


class StoreView:
    """Read-only access to one tracking store for the plugin's routes."""

    def __init__(self, tracking_uri: str) -> None:
        self.tracking_uri = tracking_uri
        self.api = Api(tracking_uri=tracking_uri)
        self.reader = self.api.reader
        self._objects = LruCache(64)
        # A project's runs and what the workspace lists of each, until the store changes
        # (`reader.store_signature`): a 2,000-run project is listed again in ~50 ms, not ~500 ms.
        self._listed = LruCache(16)
        self._described = LruCache(20_000)
        self._runs = LruCache(4096)

    # -- entities ------------------------------------------------------------------------
    def projects(self) -> list[dict[str, Any]]:
        out = []
        for experiment in self.reader.experiments():
            count = self.reader.count_runs(experiment.experiment_id)
            if experiment.name == "Default" and not count:
                continue
            out.append({"name": experiment.name, "experiment_id": experiment.experiment_id,
                        "runs": count, "last_update": experiment.last_update_time})
        return out

    def keep(self, key: Any, make: Callable[[], Any]) -> Any:
        """`make()`, kept under `key` until the store changes (made every time where the store
        cannot tell cheaply that it has not changed)."""
        signature = self.reader.store_signature()
        if signature is None:
            return make()
        return self._listed.get_or_make((key, signature), make)

    def runs(self, project: str) -> list[Run]:
        return self.keep(("runs", project), lambda: list(self.api.runs(project)))

    def run(self, run_uuid: str) -> Run:
        """A run by its MLflow run id (raises KeyError when there is none)."""
        return self.runs_by_id([run_uuid])[run_uuid]

    def runs_by_id(self, run_uuids: list[str]) -> dict[str, Run]:
        """Runs by their MLflow run ids, kept until the store changes; those not kept are read
        in one query (a chart of 30 runs read them one by one: 80 ms on PostgreSQL). Raises
        KeyError naming the first id the store lacks."""
        signature = self.reader.store_signature()
        found: dict[str, Run] = {}
        if signature is not None:
            for run_uuid in run_uuids:
                kept = self._runs.get((run_uuid, signature))
                if kept is not None:
                    found[run_uuid] = kept
        missing = [r for r in dict.fromkeys(run_uuids) if r not in found]
        if missing:
            read = stored_runs(self.api, missing)
            for run_uuid in missing:
                if run_uuid not in read:
                    raise KeyError(run_uuid)
                found[run_uuid] = read[run_uuid]
                if signature is not None:
                    self._runs.put((run_uuid, signature), read[run_uuid])
        return found

    # -- a run's keys --------------------------------------------------------------------
    def describe(self, run: Run) -> dict[str, Any]:
        """What the workspace needs to list a run and chart its metrics (do not change it: it
        is kept until the store changes)."""
        return self.describe_all([run])[0]

    def describe_all(self, runs: list[Run]) -> list[dict[str, Any]]:
        """`describe` of each run, with the store's signature read once (on PostgreSQL it is a
        query: once per run cost a 2,000-run listing 300 ms)."""
        signature = self.reader.store_signature()
        if signature is None:
            return [self._describe(run) for run in runs]
        return [self._described.get_or_make((run.mlflow_run_id, signature), lambda run=run: self._describe(run))
                for run in runs]

    def _describe(self, run: Run) -> dict[str, Any]:
        names = run.keymap
        metrics, system = {}, []
        entity = run.mlflow_run
        for key in entity.data.metrics:
            if key.startswith(SYSTEM_PREFIX):
                system.append(key)
            else:
                metrics[names.get(key, key)] = key
        info = entity.info
        return {
            "run_uuid": info.run_id, "id": run.id, "name": run.name, "state": run.state,
            "experiment_id": info.experiment_id, "project": run.project,
            "group": run.group, "job_type": run.job_type, "tags": run.tags, "sweep_id": run.sweep_id,
            "start_time": info.start_time, "end_time": info.end_time,
            "metrics": sorted(metrics), "system": sorted(system),
            "latest": {k: entity.data.metrics[v] for k, v in metrics.items()},
            "metric_defs": metric_defs(run),
            "objects": self.object_keys(run),
        }

    def object_keys(self, run: Run) -> list[str]:
        tagged = mapping.object_keys_from_tags(run.mlflow_run.data.tags)
        if tagged is not None:
            return tagged
        keys: set[str] = set()
        for row in self.objects(run):
            keys.update(k for k in row if not k.startswith("_"))
        return sorted(keys)

    # -- logged objects ------------------------------------------------------------------
    def objects(self, run: Run) -> list[dict[str, Any]]:
        """The run's history-objects rows (media descriptors, strings, ...), cached."""
        signature = self._objects_signature(run)
        key = (run.mlflow_run_id, signature)
        return self._objects.get_or_make(key, lambda: self.reader.history_objects(run.mlflow_run))

    def read_file(self, run: Run, path: str) -> bytes | None:
        """One of the run's files (`path` already checked by `_files.clean_relative`)."""
        return self.reader.read_artifact(run.mlflow_run, path)

    def local_artifact_dir(self, run: Run) -> str | None:
        """The run's artifact folder when it is on this machine, else None."""
        return self.reader.artifact_dir(run.mlflow_run)

    def _objects_signature(self, run: Run) -> Any:
        root = self.local_artifact_dir(run)
        if root is None:
            return run.mlflow_run.info.end_time  # remote artifact stores: re-read until the run ends
        try:
            stat = os.stat(os.path.join(root, mapping.OBJECTS_ARTIFACT))
        except OSError:
            return None
        return stat.st_size, stat.st_mtime_ns

    def media(self, run: Run, keys: list[str] | None = None) -> dict[str, dict[str, Any]]:
        """{key: {"type", "steps": [...], "values": [...]}} for the run's non-scalar history values."""
        out: dict[str, dict[str, Any]] = {}
        for row in self.objects(run):
            step = row.get("_step")
            for key, value in row.items():
                if key.startswith("_") or isinstance(value, _PLAIN) or (keys is not None and key not in keys):
                    continue
                kind = value.get("_type", "object") if isinstance(value, dict) else (
                    "string" if isinstance(value, str) else "object")
                entry = out.setdefault(key, {"type": kind, "steps": [], "values": []})
                entry["steps"].append(step)
                entry["values"].append(value)
        return out

    def visualize(self, run: Run) -> dict[str, Any]:
        """`config._wandb.visualize`: the panels of `tracklab.plot` charts, by key."""
        wandb_section = run.config.get("_wandb") or {}
        panels = wandb_section.get("visualize") if isinstance(wandb_section, dict) else None
        return panels if isinstance(panels, dict) else {}

    def class_labels(self, run: Run) -> dict[str, dict[str, Any]]:
        """Mask and box class labels from `config._wandb`: {"mask"|"boxes": {`<key>_wandb_delimeter_<layer>`: labels}}."""
        wandb_section = run.config.get("_wandb") or {}
        out: dict[str, dict[str, Any]] = {"mask": {}, "boxes": {}}
        if isinstance(wandb_section, dict):
            for section, kind in (("mask/class_labels", "mask"), ("bounding_box/class_labels", "boxes")):
                for name, entry in (wandb_section.get(section) or {}).items():
                    if isinstance(entry, dict):
                        out[kind][name] = entry.get("value", {})
        return out
