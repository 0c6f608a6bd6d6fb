"""`NoopRun`: what `init(mode="disabled")` returns; the Run's API with nothing behind it."""

from __future__ import annotations

import time
from typing import Any

from tracklab.sdk.wandb_config import Config
from tracklab.sdk.wandb_metric import Metric, MetricRules
from tracklab.sdk.wandb_run import Run
from tracklab.sdk.wandb_settings import Settings
from tracklab.sdk.wandb_summary import Summary


class NoopRun(Run):
    """What `mode="disabled"` returns: every call is a cheap no-op; config still works."""

    def __init__(self, settings: Settings) -> None:  # noqa: D107 - no folder, no log
        self._settings = settings
        self._id = settings.run_id
        self._name = settings.run_name or f"dummy-{settings.run_id}"
        self._project = settings.project or "uncategorized"
        self._entity = settings.entity or ""
        self._notes = settings.run_notes
        self._tags = tuple(settings.run_tags or ())
        self._group = settings.run_group
        self._job_type = settings.run_job_type
        self._sweep_id = None
        self._start_time = settings.x_start_time or time.time()
        self._finished = False
        self._forked = False
        self._resumed = False
        self._starting_step = 0
        self._offline = False
        self._runlog = None
        self._experiment_id = None
        self._rules = MetricRules()
        self.config = Config()
        self.summary = Summary()
        self._step = 0

    @property
    def disabled(self) -> bool:
        return True

    @property
    def dir(self) -> str:
        import tempfile

        return tempfile.gettempdir()

    @property
    def sync_dir(self) -> str:
        return self.dir

    @property
    def step(self) -> int:
        return self._step

    @property
    def url(self) -> None:
        return None

    @property
    def mlflow_run_id(self) -> None:
        return None

    def log(self, data: Any, step: int | None = None, commit: bool | None = None, sync: bool | None = None) -> None:
        return None

    def define_metric(self, name: str = "", *args: Any, **kwargs: Any) -> Metric:
        return Metric(name)

    def alert(self, *args: Any, **kwargs: Any) -> None:
        return None

    def restore(self, *args: Any, **kwargs: Any) -> None:
        return None

    def save(self, *args: Any, **kwargs: Any) -> list[str]:
        return []

    def _update(self, **changes: Any) -> None:
        return None

    def watch(self, *args: Any, **kwargs: Any) -> None:
        return None

    def unwatch(self, *args: Any, **kwargs: Any) -> None:
        return None

    def write_logs(self, *args: Any, **kwargs: Any) -> None:
        return None

    def log_artifact(self, *args: Any, **kwargs: Any) -> None:
        return None

    def use_artifact(self, *args: Any, **kwargs: Any) -> None:
        return None

    def link_artifact(self, *args: Any, **kwargs: Any) -> None:
        return None

    def log_model(self, *args: Any, **kwargs: Any) -> None:
        return None

    def use_model(self, *args: Any, **kwargs: Any) -> None:
        return None

    def link_model(self, *args: Any, **kwargs: Any) -> None:
        return None

    def log_code(self, *args: Any, **kwargs: Any) -> None:
        return None

    def status(self) -> dict[str, Any]:
        return {}

    def finish(self, exit_code: int | None = None, quiet: bool | None = None) -> None:
        if self._finished:
            return
        self._finished = True
        from tracklab.sdk import wandb_setup

        wandb_setup.on_finish(self)
