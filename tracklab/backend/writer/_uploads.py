"""The files a run's writer puts into its MLflow artifacts.

The run's files folder (each file again when it changed), the derived files written at the end
(`config.yaml`, `wandb-summary.json`), logged images in MLflow's own `images/` layout, and the
artifact versions the training process left to its writer.
"""

from __future__ import annotations

import errno
import json
import logging
import os
import time
from typing import Any

from tracklab.backend import mapping, native_media
from tracklab.backend.run_folder import RunFolder
from tracklab.backend.store import Batch
from tracklab.backend.writer._store_calls import StoreCalls, will_not_heal

logger = logging.getLogger("tracklab.writer")
DEFERRED_RETRY_INTERVAL = 30.0  # after a refused upload, the next live upload is tried this much later


class _Deferred(Exception):
    """An upload not tried: the store refused one moments ago."""


class RunUploads:
    """Puts one run's files into its artifacts; remembers what it uploaded (size and mtime)."""

    def __init__(self, folder: RunFolder, store: StoreCalls, uploaded: dict[str, list[float]]) -> None:
        self.folder = folder
        self.store = store
        self.uploaded = uploaded  # name in the files folder -> [size, mtime] when uploaded
        self._images_tagged = False
        self._images_fault = False
        # While the run is live, an upload the store refuses (a server whose artifact disk is
        # full, say) must not hold up the points behind it: it is tried once and left for the
        # end of the run (`retry_deferred`), which retries it within finish()'s time.
        self.defer_failures = False
        self.deferred: list[tuple[str, str, str, str]] = []  # (what, run id, artifact path, local path)
        self._deferral_said = False
        self._refused_until = 0.0

    def _put(self, what: str, run_id: str, artifact_path: str, local_path: str, give_up_at: float | None,
             remember: bool = True) -> bool:
        """Upload one file; False when it was deferred (live run, store refused: see above).
        `remember=False`: the caller finds the file again itself (the files folder's scan)."""
        if not self.defer_failures:
            self.store.retry(what, lambda: self.store.get().put_artifact(run_id, artifact_path, local_path),
                             give_up_at)
            return True
        try:
            if time.monotonic() < self._refused_until:
                raise _Deferred("the store refused the last upload")
            self.store.get().put_artifact(run_id, artifact_path, local_path)
        except Exception as exc:
            if will_not_heal(exc):
                raise
            if not isinstance(exc, _Deferred):  # ask again in a while, not at every file meanwhile
                self._refused_until = time.monotonic() + DEFERRED_RETRY_INTERVAL
            if not self._deferral_said:
                logger.warning("tracklab writer: %s failed (%s); the run's points go on, files are tried "
                               "again at the end of the run", what, exc)
                self._deferral_said = True
            if remember:
                self.deferred.append((what, run_id, artifact_path, local_path))
            return False
        return True

    def retry_deferred(self, give_up_at: float | None) -> None:
        """The uploads deferred during the run, retried until `give_up_at`."""
        while self.deferred:
            what, run_id, artifact_path, local_path = self.deferred[0]
            if os.path.exists(local_path):
                self._put(what, run_id, artifact_path, local_path, give_up_at)
            self.deferred.pop(0)

    def files(self, run_id: str, files_dir: str, names: list[str] | None, give_up_at: float | None) -> None:
        """Upload files of the files folder that are new or changed (all of them when names is None)."""
        if names is None:
            names = []
            for base, _, files in os.walk(files_dir):
                names += [os.path.relpath(os.path.join(base, f), files_dir) for f in files]
        for name in names:
            path = os.path.join(files_dir, name)
            try:
                stat = os.stat(path)
            except OSError:
                continue
            signature = [stat.st_size, stat.st_mtime]
            if self.uploaded.get(name) == signature:
                continue
            if self._put(f"uploading {name}", run_id, name, path, give_up_at, remember=False):
                self.uploaded[name] = signature

    def json_file(self, run_id: str, name: str, data: Any, give_up_at: float | None) -> None:
        path = os.path.join(self.folder.path, os.path.basename(name))
        with open(path, "w") as handle:
            json.dump(data, handle, default=str, allow_nan=True)
        self._put(f"uploading {name}", run_id, name, path, give_up_at)

    def config(self, run_id: str, config: dict[str, Any], give_up_at: float | None) -> None:
        """`config.yaml` as wandb writes it."""
        path = os.path.join(self.folder.path, mapping.CONFIG_ARTIFACT)
        with open(path, "w") as handle:
            handle.write(mapping.config_yaml(config))
        self._put("uploading config.yaml", run_id, mapping.CONFIG_ARTIFACT, path, give_up_at)

    def native_images(self, run_id: str, files_dir: str, images: list[tuple[str, int, int, list[str]]],
                      give_up_at: float | None) -> None:
        """Logged images also go into MLflow's `images/` layout (the run page's step slider)."""

        def put(artifact_path: str, local: str) -> None:
            self._put(f"uploading {artifact_path}", run_id, artifact_path, local, give_up_at)

        written = 0
        for key, step, ts_ms, paths in images:
            try:
                written += native_media.write_images(run_id, key, step, ts_ms, files_dir, paths, put)
            except OSError as exc:  # no room for the encoded copies: the images stay in the run's files
                if exc.errno not in (errno.ENOSPC, errno.EDQUOT):
                    raise
                if not self._images_fault:
                    logger.warning("tracklab writer: images left out of MLflow's image view (%s)", exc)
                self._images_fault = True
        if written and not self._images_tagged:
            self.store.retry("tagging images", lambda: self.store.get().write(
                run_id, Batch(tags={mapping.TAG_LOGGED_IMAGES: "True"})), give_up_at)
            self._images_tagged = True

    def staged_artifacts(self) -> None:
        """Artifact versions the run left to its writer (the versions of logged tables), and any
        the training process could not store before it ended."""
        if not os.path.isdir(self.folder.staged_artifacts_dir):
            return  # the common case: spare the end of the run the artifacts package's import
        from tracklab.backend.artifact_store import _staging

        if not _staging.has_staged(self.folder.path):
            return
        try:
            _staging.sync_staged(self.folder.path, self.store.tracking_uri)
        except Exception as exc:  # the run's data is in; `tracklab sync` retries what is left
            logger.warning("tracklab writer: staged artifacts not stored (%s); `tracklab sync %s` retries",
                           exc, self.folder.path)
