"""`tracklab.controller()`: wandb's local-controller object. Agents schedule their own trials
through optuna, so the controller only builds a config, creates the sweep and reports on it."""

from __future__ import annotations

import time
from typing import Any, Mapping

from tracklab.errors import UsageError
from tracklab.sweeps._state import CANCELED, FINISHED, PAUSED, RUNNING, SweepHandle


class Controller:
    """Build a sweep config step by step (`configure_*`), `create()` it, follow it with `run()`."""

    def __init__(self, sweep_id_or_config: str | Mapping[str, Any] | None = None, entity: str | None = None,
                 project: str | None = None) -> None:
        self._entity = entity
        self._project = project
        self._create: dict[str, Any] = {}
        self._sweep_id: str | None = None
        if isinstance(sweep_id_or_config, str):
            self._sweep_id = SweepHandle.open(sweep_id_or_config).id
        elif isinstance(sweep_id_or_config, Mapping):
            self._create = dict(sweep_id_or_config)
            self.create()
        elif sweep_id_or_config is not None:
            raise UsageError("controller() takes a sweep id, a sweep config or nothing")

    # -- building a config -------------------------------------------------------------------
    def _configure_check(self) -> None:
        if self._sweep_id:
            raise UsageError("the sweep is already created; configure before create()")

    def configure_search(self, search: str) -> None:
        self._configure_check()
        self._create["method"] = search

    def configure_stopping(self, stopping: str, **kwargs: Any) -> None:
        self._configure_check()
        self._create["early_terminate"] = {"type": stopping, **kwargs}

    def configure_metric(self, metric: str, goal: str | None = None) -> None:
        self._configure_check()
        self._create["metric"] = {"name": metric, **({"goal": goal} if goal else {})}

    def configure_program(self, program: str) -> None:
        self._configure_check()
        self._create["program"] = program

    def configure_name(self, name: str) -> None:
        self._configure_check()
        self._create["name"] = name

    def configure_description(self, description: str) -> None:
        self._configure_check()
        self._create["description"] = description

    def configure_controller(self, type: str) -> None:
        self._configure_check()
        self._create["controller"] = {"type": type}

    def configure_parameter(self, name: str, values: Any = None, value: Any = None, distribution: str | None = None,
                            min: Any = None, max: Any = None, mu: Any = None, sigma: Any = None, q: Any = None,
                            a: Any = None, b: Any = None) -> None:
        self._configure_check()
        param: dict[str, Any] = {}
        if value is not None or (values is None and min is None and max is None and distribution is None):
            param["value"] = value
        for key, given in (("values", values), ("distribution", distribution), ("min", min), ("max", max),
                           ("mu", mu), ("sigma", sigma), ("q", q), ("a", a), ("b", b)):
            if given is not None:
                param[key] = given
        self._create.setdefault("parameters", {})[name] = param

    def configure(self, sweep_dict_or_config: Mapping[str, Any] | str) -> None:
        self._configure_check()
        if isinstance(sweep_dict_or_config, str):
            import yaml

            sweep_dict_or_config = yaml.safe_load(sweep_dict_or_config)
        self._create = dict(sweep_dict_or_config)

    def create(self, from_dict: bool = False) -> str:
        """Create the sweep from the configured config; returns its id."""
        from tracklab.sweeps import sweep

        self._configure_check()
        self._sweep_id = sweep(self._create, entity=self._entity, project=self._project)
        return self._sweep_id

    # -- the sweep ---------------------------------------------------------------------------
    def _handle(self) -> SweepHandle:
        if not self._sweep_id:
            raise UsageError("no sweep yet: call create() first")
        return SweepHandle.open(self._sweep_id)

    @property
    def sweep_id(self) -> str | None:
        return self._sweep_id

    @property
    def sweep_config(self) -> dict[str, Any]:
        return self._handle().config if self._sweep_id else dict(self._create)

    @property
    def state(self) -> str:
        return self._handle().effective_state()

    def done(self) -> bool:
        return self.state in (FINISHED, CANCELED)

    def step(self) -> None:
        """Nothing to schedule: agents take their trials from optuna."""

    def run(self, verbose: bool = False, print_status: bool = True, print_actions: bool = False,
            print_debug: bool = False, poll: float = 5.0) -> None:
        """Wait until the sweep is finished or canceled, printing its status when it changes."""
        last = None
        while True:
            handle = self._handle()
            trials = handle.trials()
            status = f"{handle.effective_state()}: " + ", ".join(
                f"{state}: {sum(t.state.name == state for t in trials)}"
                for state in ("RUNNING", "COMPLETE", "PRUNED", "FAIL"))
            if print_status and status != last:
                print(f"Sweep {handle.id} {status}")  # noqa: T201 - wandb's controller prints
                last = status
            if handle.effective_state() in (FINISHED, CANCELED):
                return
            time.sleep(poll)

    def stop(self) -> None:
        self._handle().set_state(FINISHED, "stopped")

    def cancel(self) -> None:
        self._handle().set_state(CANCELED, "canceled")

    def pause(self) -> None:
        self._handle().set_state(PAUSED)

    def resume(self) -> None:
        self._handle().set_state(RUNNING)


def controller(sweep_id_or_config: str | Mapping[str, Any] | None = None, entity: str | None = None,
               project: str | None = None) -> Controller:
    """wandb's `wandb.controller(...)`."""
    return Controller(sweep_id_or_config, entity, project)
