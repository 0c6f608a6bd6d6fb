"""wandb sweeps on optuna: `tracklab.sweep(config)` and `tracklab.agent(sweep_id, function)`.

The sweep config is wandb's (methods grid/random/bayes, every distribution, nested parameters,
hyperband, run_cap). The sweep is an optuna study in storage beside the MLflow store (see
`_storage`); each trial is a TrackLab run tagged with the sweep id and nested under the sweep's
parent run in MLflow.
"""

from __future__ import annotations

import os
from typing import Any, Callable, Mapping, Sequence

from tracklab.errors import UsageError
from tracklab.sweeps._schema import SweepConfigError, SweepSpec, hints, parse

__all__ = ["sweep", "agent", "controller", "parse", "SweepConfigError", "SweepSpec", "Sweep", "Controller"]


def _resolve_project(project: str | None, spec_project: str | None) -> str:
    return project or spec_project or os.environ.get("WANDB_PROJECT") or "uncategorized"


def sweep(sweep: Mapping[str, Any] | Callable[[], Mapping[str, Any]], entity: str | None = None,
          project: str | None = None, prior_runs: Sequence[str] | None = None) -> str:
    """Create a sweep from a wandb sweep config; returns its 8-character id.

    `prior_runs` are ids of runs of the project to count as trials already made (their config
    and metric feed the search; a grid skips their points).
    """
    from tracklab.sweeps import _command, _parent_run, _term
    from tracklab.sweeps._prior import add_prior_runs
    from tracklab.sweeps._state import SweepHandle

    config = sweep() if callable(sweep) else sweep
    if hasattr(config, "to_dict") and not isinstance(config, Mapping):
        config = config.to_dict()
    spec = parse(config)
    project = _resolve_project(project, spec.project)
    entity = entity or spec.entity or os.environ.get("WANDB_ENTITY")
    for hint in hints(spec):
        _term.warn(f"sweep config: {hint}")
    for key in spec.ignored:
        _term.warn(f"sweep config: {key!r} has no meaning for a local sweep and is ignored")
    for macro in _command.unknown_macros(spec.command):
        _term.warn(f"sweep config: command macro {macro} is unknown and expands to nothing")
    handle = SweepHandle.create(config, spec, project, entity)
    parent = _parent_run.create_parent_run(handle.id, project, entity, spec.name, spec.description, config)
    handle.save_record(parent_run_id=parent)
    skip = add_prior_runs(handle, prior_runs or ())
    if spec.method == "grid":
        handle.queue_grid(skip=skip)
    print("Create sweep with ID:", handle.id)  # wandb prints this line
    return handle.id


def agent(sweep_id: str, function: Callable[[], Any] | None = None, entity: str | None = None,
          project: str | None = None, count: int | None = None, forward_signals: bool = False,
          term_timeout: int | None = None, max_consecutive_failed_runs: int | None = None) -> None:
    """Run trials of a sweep: `function()` in this process, or the config's program per trial.

    `sweep_id` may be `id`, `project/id` or `entity/project/id`. Several agents (processes, or
    machines sharing an RDB storage) can work on one sweep at once.
    """
    from tracklab.sweeps._agent import Agent
    from tracklab.sweeps._state import SweepHandle, split_path

    if max_consecutive_failed_runs is not None:
        if isinstance(max_consecutive_failed_runs, bool) or not isinstance(max_consecutive_failed_runs, int):
            raise TypeError("max_consecutive_failed_runs must be an integer or None")
        if max_consecutive_failed_runs < 1:
            raise ValueError("max_consecutive_failed_runs must be at least 1")
    if count is not None:
        count = int(count)
    _, path_project, _ = split_path(sweep_id)
    handle = SweepHandle.open(sweep_id if path_project else (f"{project}/{sweep_id}" if project else sweep_id))
    if function is None and not (handle.spec.program or _uses_no_program(handle.spec.command)):
        raise UsageError(f"sweep {handle.id} has no 'program' in its config: give agent() a function, or add "
                         "program (or a command without ${program})")
    Agent(handle, function, count, max_consecutive_failed_runs, term_timeout).run()


def _uses_no_program(command: Sequence[Any]) -> bool:
    return "${program}" not in [str(c) for c in command]


def __getattr__(name: str) -> Any:
    if name in ("Sweep",):
        from tracklab.sweeps.api_sweep import Sweep

        return Sweep
    if name in ("controller", "Controller"):
        from tracklab.sweeps import _controller

        return getattr(_controller, name)
    raise AttributeError(f"module 'tracklab.sweeps' has no attribute {name!r}")
