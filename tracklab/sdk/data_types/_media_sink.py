"""`MediaSink`: what logged media write to. The Run provides one (`Run._media_sink`); data
types never reach into the Run itself.

A value is bound to a sink (`Media.bind_to_run(sink, key, step)`): its file is placed in the
sink's files folder and published, class labels of masks and boxes go to the run config's
`_wandb` part, and a logged table hands over the artifact it built. Without a run
(`serialize_value(..., run=None)`), `FilesOnlySink` keeps the files and drops the rest.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from ._run_table_artifact import _RunTableArtifact


class MediaSink(Protocol):
    """The receiving end of logged media (wandb's data types call it `run`)."""

    dir: str  # the run's files folder: media land under `media/<kind>/`
    id: str  # the run id; names table artifacts (`run-<id>-<key>`)
    allow_media_symlink: bool  # settings.allow_media_symlink: link media files instead of copying

    def publish_file(self, relpath: str) -> None:
        """A file was written into the files folder (`relpath` below it): upload it soon."""

    def record_class_labels(self, data_type: str, key: str, labels: Any) -> None:
        """Class labels of masks and boxes (`data_type` e.g. "mask/class_labels"), kept in
        config `_wandb` as wandb keeps them."""

    def log_table_artifact(self, artifact: _RunTableArtifact) -> None:
        """A logged table's artifact (`run-<id>-<key>`): keep its files with the run."""


@dataclass(eq=True)
class FilesOnlySink:
    """A sink with no run behind it: media files go into `dir`, nothing else is kept."""

    dir: str
    id: str = "offline"
    allow_media_symlink: bool = False

    def publish_file(self, relpath: str) -> None:
        pass

    def record_class_labels(self, data_type: str, key: str, labels: Any) -> None:
        pass

    def log_table_artifact(self, artifact: _RunTableArtifact) -> None:
        pass


def as_sink(run: Any) -> Any:
    """The sink to write to: a Run passed where wandb's data types take `run` gives its own."""
    return getattr(run, "_media_sink", run)
