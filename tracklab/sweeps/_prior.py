"""`prior_runs`: existing runs counted as trials of a new sweep (wandb's `sweep(prior_runs=...)`)."""

from __future__ import annotations

from typing import Sequence

import optuna

from tracklab.errors import CommError, UsageError
from tracklab.sweeps import _parent_run, _term
from tracklab.sweeps._state import MISSING, SweepHandle, lookup
from tracklab.sweeps._watch import summary_value


def add_prior_runs(handle: SweepHandle, run_ids: Sequence[str]) -> set[str]:
    """Tag prior runs with the sweep and give their results to optuna; returns their grid keys."""
    if not run_ids:
        return set()
    from tracklab.apis.public import Api

    api = Api()
    spec = handle.spec
    keys = set()
    for run_id in run_ids:
        try:
            run = api.run(f"{handle.project}/{run_id}")
        except (CommError, UsageError) as exc:
            raise UsageError(f"prior run {run_id!r}: not found in project {handle.project!r} ({exc})") from exc
        _parent_run.adopt_run(run.mlflow_run_id, handle.parent_run_id, sweep_id=handle.id)
        config = dict(run.config)
        key = handle.config_key(config)
        if key is not None:
            keys.add(key)
        params, distributions = {}, {}
        for param in spec.searched:
            value = lookup(config, param.path)
            latent = None if value is MISSING else param.to_latent(value)
            if latent is None:
                break
            params[param.name], distributions[param.name] = latent, param.distribution()
        else:
            value = summary_value(run.summary, spec.metric, spec.goal) if spec.metric else 0.0
            if value is not None:
                handle.study.add_trial(optuna.trial.create_trial(
                    params=params, distributions=distributions, value=value,
                    user_attrs={"run_id": run.id, "config": config, "prior_run": True, "run_state": run.state}))
                continue
        _term.warn(f"prior run {run_id}: its config or metric does not fit the sweep; tagged, but not used by "
                   "the search")
    return keys
