"""Each logged table also becomes a version of the run's table artifact, as in wandb.

wandb stores `log({"preds": Table})` as an artifact `run-<run id>-preds` of type `run_table`
holding `preds.table.json` (incremental tables: `run-<run id>-incr-preds`, type
`wandb-run-incremental-table`, one entry per increment). TrackLab logs the same artifact
through `run.log_artifact`, so it is a version like any other and
`Api().artifact("run-<id>-preds:latest").get("preds")` gives the table back; being the run's own
(`run-<run id>-`), it is stored run-scoped, not as a registered model (docs/artifacts.md). Logging an
unchanged table again adds no version (artifact dedup by digest). The versions are stored
by the writer process as the run ends, not during it.
"""

from __future__ import annotations

import logging
from typing import Any

from ._run_table_artifact import _sanitize_artifact_name

_LOGGER = logging.getLogger("tracklab")


def log_table_version(run: Any, table_artifact: Any) -> None:
    """Log the files a logged table collected (`_run_table_artifact._RunTableArtifact`) as `run`'s artifact.

    The version is staged in the run folder and stored by the run's writer process when the run
    ends (offline: by `tracklab sync`), so logging tables never imports MLflow into training."""
    from tracklab.sdk.artifacts import run_api
    from tracklab.sdk.artifacts.artifact import Artifact

    # wandb keeps the key as it is; names with other characters than wandb's artifact rule
    # allows (a key with "/") get wandb's sanitised form with its CRC suffix.
    artifact = Artifact(_sanitize_artifact_name(table_artifact.name), table_artifact.type,
                        incremental=table_artifact.incremental)
    for entry, local_path in table_artifact.files.items():
        artifact.add_file(local_path, name=entry)
    try:
        run_api.log_artifact(run, artifact, by_writer=True)
    except Exception as e:  # the table is in the history already; a failed version must not stop training
        _LOGGER.warning("TrackLab could not log the table artifact %r: %s", artifact.name, e)
