"""The optuna side of a sweep method: the sampler and wandb's hyperband stopping rule as a pruner."""

from __future__ import annotations

import os
import warnings

import optuna
from optuna.pruners import BasePruner, NopPruner
from optuna.trial import FrozenTrial, TrialState

from tracklab.sweeps._schema import Hyperband, SweepSpec

SEED_ENV = "TRACKLAB_SWEEP_SEED"


def _seed() -> int | None:
    value = os.environ.get(SEED_ENV, "").strip()
    return int(value) if value else None


def make_sampler(spec: SweepSpec, seed: int | None = None) -> optuna.samplers.BaseSampler:
    """grid and random: RandomSampler (grid points come from the trial queue); bayes: TPE.

    A seed (argument or `TRACKLAB_SWEEP_SEED`) makes one agent's draws reproducible; give each
    parallel agent its own seed, or none.
    """
    seed = _seed() if seed is None else seed
    if spec.method == "bayes":
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
            return optuna.samplers.TPESampler(seed=seed, multivariate=True, constant_liar=True,
                                              n_startup_trials=min(10, max(3, len(spec.searched) + 1)))
    return optuna.samplers.RandomSampler(seed=seed)


def make_pruner(spec: SweepSpec) -> BasePruner:
    return WandbHyperbandPruner(spec.early_terminate) if spec.early_terminate else NopPruner()


class WandbHyperbandPruner(BasePruner):
    """wandb's hyperband rule on optuna's intermediate values (one per logged metric value).

    At each band b (a count of metric values), the threshold is the value at index
    `int(len(values) / eta)` of the sorted b-th values of every trial that got that far; a trial
    past band b whose best value so far is worse than the threshold of the last band it passed is
    stopped.
    """

    def __init__(self, hyperband: Hyperband) -> None:
        self._bands = list(hyperband.bands)
        self._ratio = 1.0 / hyperband.eta

    def prune(self, study: optuna.Study, trial: FrozenTrial) -> bool:
        sign = -1.0 if study.direction == optuna.study.StudyDirection.MAXIMIZE else 1.0
        history = _history(trial, sign)
        passed = [b for b in self._bands if b < len(history)]
        if not passed:
            return False
        band = passed[-1]
        others = [_history(t, sign) for t in study.get_trials(deepcopy=False)
                  if t.number != trial.number and t.state != TrialState.WAITING]
        values = sorted([h[band] for h in others if len(h) > band] + [history[band]])
        threshold = values[int(self._ratio * len(values))]
        return min(history) > threshold


def _history(trial: FrozenTrial, sign: float) -> list[float]:
    steps = trial.intermediate_values
    return [sign * steps[s] for s in sorted(steps)]
