"""The Run's `MediaSink` (sdk/data_types/_media_sink.py): logged media land in the run's files
folder and reach the run log, config `_wandb` and the run's artifacts through this one object."""

from __future__ import annotations

import os
import shutil
from typing import TYPE_CHECKING, Any

from tracklab.backend import runlog

if TYPE_CHECKING:
    from tracklab.sdk.data_types._run_table_artifact import _RunTableArtifact
    from tracklab.sdk.wandb_run import Run


class RunMediaSink:
    """What a Run gives the data types to write to (one per run)."""

    def __init__(self, run: Run) -> None:
        self._run = run
        self.id = run._id

    @property
    def dir(self) -> str:
        return self._run._folder.files_dir

    @property
    def allow_media_symlink(self) -> bool:
        return bool(self._run._settings.allow_media_symlink)

    def on_disk_fault(self, exc: OSError, key: str) -> bool:
        """A media file could not be written (full disk, no permission): say so once per fault
        and leave the value out, instead of raising into log(); False for any other error."""
        from tracklab.sdk import _faults

        return _faults.on_media_fault(self._run, exc, key)

    def publish_file(self, relpath: str) -> None:
        run = self._run
        if run._runlog is not None and not run._finished:
            run._runlog.write_file(runlog.FileRecord(relpath, "now"))

    def record_class_labels(self, data_type: str, key: str, labels: Any) -> None:
        self._run._set_internal_config(("_wandb", data_type, key), {"type": data_type, "key": key, "value": labels})

    def log_table_artifact(self, artifact: _RunTableArtifact) -> None:
        """Keep a logged table's files with the run (under `artifacts/<name>/`), then log them as a
        version of the run's table artifact."""
        for entry, local in artifact.files.items():
            relpath = os.path.join("artifacts", artifact.name, entry)
            target = os.path.join(self.dir, relpath)
            os.makedirs(os.path.dirname(target), exist_ok=True)
            shutil.copyfile(local, target)
            self.publish_file(relpath)
        from tracklab.sdk.data_types._table_versions import log_table_version

        log_table_version(self._run, artifact)
