"""What the writer needs from a store (the write side; `backend/reader.py` is the read side).

Two implementations: `SqliteStore` writes rows in bulk straight into MLflow's schema (local
SQLite at a checked revision), `MlflowClientStore` goes through MLflow's client (PostgreSQL,
`http://` servers, unknown schema revisions). Both take the same batches. `backend/factory.py`
picks one for a tracking URI; a store for another database is one more class with these methods.
"""

from __future__ import annotations

import dataclasses
import os
from typing import Any, Protocol

from tracklab.backend.points import HistoryPoints, Point


@dataclasses.dataclass
class Batch:
    """Everything one writer step sends to the store, written together."""

    history: HistoryPoints = dataclasses.field(default_factory=HistoryPoints)
    # The run log's text of the history rows `history` came from (JSON objects), when reading
    # them gives exactly its points (no key escaped, no NaN, inf or integer past 2^53): a store
    # may read the points from the rows itself (SqliteStore does).
    history_rows: list[str] | None = None
    system: list[Point] = dataclasses.field(default_factory=list)  # key, value, ts ms, step, is_nan
    params: dict[str, str] = dataclasses.field(default_factory=dict)
    tags: dict[str, str] = dataclasses.field(default_factory=dict)
    run_name: str | None = None
    # Tells this batch from an earlier one with the same content (a param set back to an older
    # value): a server skips a body whose idempotency key it has seen, so a retry of this batch
    # is skipped and a later batch is not.
    nonce: str = dataclasses.field(default_factory=lambda: os.urandom(8).hex())

    def points(self) -> list[Point]:
        """History and system points together, as tuples."""
        return [*self.history.tuples(), *self.system]

    def latest(self) -> list[Point]:
        """The last point of each key in the batch (MLflow's latest_metrics candidates)."""
        last = self.history.latest()
        last.update({point[0]: point for point in self.system})
        return list(last.values())

    def __bool__(self) -> bool:
        return bool(self.history or self.system or self.params or self.tags or self.run_name)


class Store(Protocol):
    """The operations the writer uses."""

    def ensure_run(self, header: dict[str, Any], known_run_id: str | None) -> str:
        """Find or create the MLflow run for a wandb run; mark it RUNNING; return its id."""

    def experiment_id_of(self, run_id: str) -> str | None:
        """The experiment a run belongs to (for links to it)."""

    def write(self, run_id: str, batch: Batch) -> None:
        """Write a batch (atomically where the store allows)."""

    def put_artifact(self, run_id: str, artifact_path: str, local_path: str) -> None:
        """Copy a local file into the run's artifacts at `artifact_path`."""

    def end_run(self, run_id: str, status: str, end_time_ms: int) -> None:
        """Set the run's final status and end time."""

    def close(self) -> None:
        """Release connections."""


def log_artifact_as(log_artifact: Any, artifact_path: str, local_path: str) -> None:
    """Upload `local_path` under the name `artifact_path` through an MLflow `log_artifact(local, dir)`.

    MLflow names the uploaded file after the local file, so a differently named file is staged
    in a temporary folder first.
    """
    import os
    import shutil
    import tempfile

    directory = os.path.dirname(artifact_path) or None
    name = os.path.basename(artifact_path)
    if os.path.basename(local_path) == name:
        log_artifact(local_path, directory)
        return
    with tempfile.TemporaryDirectory(prefix="tracklab-upload-") as tmp:
        staged = os.path.join(tmp, name)
        shutil.copyfile(local_path, staged)
        log_artifact(staged, directory)
