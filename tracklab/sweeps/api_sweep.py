"""`Sweep`: a sweep read back through `tracklab.Api().sweep("project/sweep_id")` (wandb's
`wandb.apis.public.Sweep`), plus the optuna study for optuna's own analysis tools."""

from __future__ import annotations

from typing import Any

from tracklab.sweeps._state import SweepHandle, list_sweeps, split_path
from tracklab.sweeps._watch import summary_value


class Sweep:
    """A sweep: its config, state, runs and best run."""

    def __init__(self, api: Any, handle: SweepHandle) -> None:
        self._api = api
        self._handle = handle
        self.id: str = handle.id
        self.entity: str | None = handle.entity
        self.project: str = handle.project

    @classmethod
    def get(cls, api: Any, path: str) -> "Sweep":
        """The sweep at `sweep_id`, `project/sweep_id` or `entity/project/sweep_id`."""
        entity, project, sweep_id = split_path(path)
        if project is None and api.settings.get("project"):
            project = api.settings["project"]
        return cls(api, SweepHandle.open(f"{project}/{sweep_id}" if project else sweep_id))

    # -- wandb's attributes ------------------------------------------------------------------
    @property
    def config(self) -> dict[str, Any]:
        return self._handle.config

    @property
    def name(self) -> str:
        return self.config.get("name") or self.id

    @property
    def state(self) -> str:
        """RUNNING, PAUSED, FINISHED or CANCELED (as wandb spells them)."""
        return self._handle.effective_state()

    @property
    def path(self) -> list[str]:
        return [self.entity or "", self.project, self.id]

    @property
    def url(self) -> str | None:
        return None

    @property
    def order(self) -> str | None:
        """The order `best_run` uses: the metric, best first."""
        spec = self._handle.spec
        if not spec.metric:
            return None
        return ("-" if spec.goal == "maximize" else "+") + "summary_metrics." + spec.metric

    @property
    def expected_run_count(self) -> int | None:
        return self._handle.expected_run_count()

    @property
    def runs(self) -> Any:
        """The sweep's runs (public `Run`s tagged with the sweep id)."""
        return self._api.runs(self.project, filters={"sweep": self.id})

    def best_run(self, order: str | None = None) -> Any:
        """The run with the best metric (or first by `order`); None when no run has it."""
        runs = list(self.runs)
        spec = self._handle.spec
        if order is None:
            if not spec.metric:
                return None
            scored = [(summary_value(r.summary, spec.metric, spec.goal), r) for r in runs]
            scored = [(v, r) for v, r in scored if v is not None]
            if not scored:
                return None
            pick = max if spec.goal == "maximize" else min
            return pick(scored, key=lambda vr: vr[0])[1]
        from tracklab.apis import filters

        key, reverse = filters.sort_key(order)
        runs.sort(key=key, reverse=reverse)
        return runs[0] if runs else None

    # -- beyond wandb ------------------------------------------------------------------------
    @property
    def study(self) -> Any:
        """The optuna study (for `optuna.visualization`, `optuna-dashboard`)."""
        return self._handle.study

    @property
    def trials(self) -> list[Any]:
        """The optuna trials (user attributes `run_id`, `config`, `run_state`)."""
        return self._handle.trials()

    def load(self, force: bool = False) -> None:
        """Re-read the sweep record."""
        self._handle = SweepHandle.open(self.id)

    def __repr__(self) -> str:
        return f"<Sweep {'/'.join(p for p in self.path if p)} ({self.state})>"


def project_sweeps(api: Any, project: str) -> list[Sweep]:
    """Every sweep of a project (for `Project.sweeps()`)."""
    return [Sweep(api, SweepHandle.open(s["id"])) for s in list_sweeps() if s["project"] == project]


def sweep(api: Any, path: str) -> Sweep:
    """`Api.sweep(path)`: the sweep at `sweep_id`, `project/sweep_id` or `entity/project/sweep_id`."""
    return Sweep.get(api, path)
