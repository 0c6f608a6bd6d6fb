"""A sweep as an optuna study: its record, its state, and handing out and closing its trials.

The study (named by the sweep id) holds the config, project and state as study user attributes;
each trial holds its run id, config and agent as trial user attributes. Grid points are queued
as WAITING trials when the sweep is created, so agents on any machine pop distinct points.
"""

from __future__ import annotations

import contextlib
import dataclasses
import itertools
import json
import os
import socket
import time
from typing import Any, Iterable, Iterator, Mapping

import optuna
from optuna.trial import FrozenTrial, TrialState

from tracklab.backend import liveness
from tracklab.errors import UsageError
from tracklab.sweeps import _optuna, _parent_run, _storage, _term
from tracklab.sweeps._schema import SweepSpec, grid_size, parse

RUNNING, PAUSED, FINISHED, CANCELED = "RUNNING", "PAUSED", "FINISHED", "CANCELED"
STATES = (RUNNING, PAUSED, FINISHED, CANCELED)
WAIT = "wait"  # claim(): the sweep is paused

_ATTR_SWEEP = "tracklab:sweep"
_ATTR_STATE = "tracklab:state"
_ATTR_REASON = "tracklab:state_reason"
HEARTBEAT_SECONDS = 10.0
_STALE_ENV = "TRACKLAB_SWEEP_STALE_SECONDS"  # a trial whose agent went silent this long has died


def stale_seconds() -> float:
    """How long a trial's agent on another host may stay silent before the trial counts as dead."""
    return float(os.environ.get(_STALE_ENV) or 6 * HEARTBEAT_SECONDS)


def heartbeat_seconds() -> float:
    """How often an agent stamps its running trial: often enough that a live agent is never
    taken for dead (several beats per stale period)."""
    return min(HEARTBEAT_SECONDS, stale_seconds() / 3)



@contextlib.contextmanager
def _quiet() -> Iterator[None]:
    """Keep optuna's own INFO/WARNING lines (study created, trial finished) off the user's terminal."""
    level = optuna.logging.get_verbosity()
    optuna.logging.set_verbosity(max(level, optuna.logging.ERROR))
    try:
        yield
    finally:
        optuna.logging.set_verbosity(level)


@dataclasses.dataclass
class Claim:
    """A trial handed to an agent: the optuna trial, the run id to use and the run's parameters."""

    trial: optuna.Trial
    run_id: str
    config: dict[str, Any]


def split_path(path: str) -> tuple[str | None, str | None, str]:
    """`sweep_id`, `project/sweep_id` or `entity/project/sweep_id` -> (entity, project, sweep_id)."""
    parts = [p for p in str(path).split("/") if p]
    if "sweeps" in parts[:-1]:
        parts.remove("sweeps")
    if not parts or len(parts) > 3:
        raise UsageError(f"sweep path {path!r} must be 'sweep_id', 'project/sweep_id' or 'entity/project/sweep_id'")
    parts = [None] * (3 - len(parts)) + parts
    return parts[0], parts[1], parts[2]


def config_of(spec: SweepSpec, values: Mapping[str, Any]) -> dict[str, Any]:
    """The nested run config for {optuna name: config value}."""
    config: dict[str, Any] = {}
    for param in spec.parameters:
        node = config
        for part in param.path[:-1]:
            node = node.setdefault(part, {})
        node[param.path[-1]] = values.get(param.name, param.options.get("value"))
    return config


MISSING = object()


def lookup(config: Mapping[str, Any], path: tuple[str, ...]) -> Any:
    """The value at a nested path of a config, or MISSING."""
    node: Any = config
    for part in path:
        if not isinstance(node, Mapping) or part not in node:
            return MISSING
        node = node[part]
    return node


class SweepHandle:
    """One sweep in optuna storage."""

    def __init__(self, study: optuna.Study, record: Mapping[str, Any]) -> None:
        self.study = study
        self.id: str = study.study_name
        self.record = dict(record)
        self._use(parse(record["config"]))

    def _use(self, spec: SweepSpec) -> None:
        names = self.record.get("names") or {}
        for param in spec.parameters:
            param.name = names.get(param.name, param.name)
        self.spec = spec
        self.study.sampler = _optuna.make_sampler(spec)
        self.study.pruner = _optuna.make_pruner(spec)

    def _refresh(self) -> None:
        """Pick up a config changed by `tracklab sweep --update` since this handle was opened."""
        record = self.study.user_attrs.get(_ATTR_SWEEP) or self.record
        if record.get("config") != self.record.get("config"):
            self.record = dict(record)
            self._use(parse(record["config"]))

    # -- opening -------------------------------------------------------------------------
    @classmethod
    def create(cls, config: Mapping[str, Any], spec: SweepSpec, project: str, entity: str | None) -> "SweepHandle":
        from tracklab.sdk.lib import runid

        storage = _storage.get_storage()
        existing = {s.study_name for s in storage.get_all_studies()}
        sweep_id = runid.generate_id()
        while sweep_id in existing:
            sweep_id = runid.generate_id()
        direction = "maximize" if spec.goal == "maximize" else "minimize"
        with _quiet():
            study = optuna.create_study(storage=storage, study_name=sweep_id, direction=direction,
                                        sampler=optuna.samplers.RandomSampler())
        record = {"config": json.loads(json.dumps(dict(config), default=str)), "project": project,
                  "entity": entity, "created_at": time.time(), "parent_run_id": None}
        study.set_user_attr(_ATTR_SWEEP, record)
        study.set_user_attr(_ATTR_STATE, RUNNING)
        return cls(study, record)

    @classmethod
    def open(cls, path: str) -> "SweepHandle":
        _, project, sweep_id = split_path(path)
        storage = _storage.get_storage()
        try:
            study = optuna.load_study(study_name=sweep_id, storage=storage, sampler=optuna.samplers.RandomSampler())
        except KeyError:
            raise UsageError(f"no sweep {sweep_id!r} in {_storage.describe()}") from None
        record = study.user_attrs.get(_ATTR_SWEEP)
        if record is None:
            raise UsageError(f"study {sweep_id!r} in {_storage.describe()} is not a TrackLab sweep")
        if project and record.get("project") not in (None, project):
            raise UsageError(f"sweep {sweep_id!r} belongs to project {record.get('project')!r}, not {project!r}")
        return cls(study, record)

    # -- the record ------------------------------------------------------------------------
    @property
    def project(self) -> str:
        return self.record["project"]

    @property
    def entity(self) -> str | None:
        return self.record.get("entity")

    @property
    def config(self) -> dict[str, Any]:
        return self.record["config"]

    @property
    def parent_run_id(self) -> str | None:
        return self.record.get("parent_run_id")

    def save_record(self, **changes: Any) -> None:
        self.record.update(changes)
        self.study.set_user_attr(_ATTR_SWEEP, self.record)

    def update_config(self, config: Mapping[str, Any]) -> None:
        """Replace the config (`tracklab sweep --update`); a grid gets its new points queued."""
        spec = parse(config)
        if spec.method != self.spec.method:
            raise UsageError(f"sweep {self.id}: method cannot change from {self.spec.method!r} to {spec.method!r}")
        if spec.goal != self.spec.goal:
            raise UsageError(f"sweep {self.id}: metric.goal cannot change from {self.spec.goal!r} to {spec.goal!r}")
        self.save_record(config=json.loads(json.dumps(dict(config), default=str)), names=self._names_for(spec))
        self._use(spec)
        if spec.method == "grid":
            with _storage.claim_lock(self.id):
                self._requeue_grid()

    def _names_for(self, spec: SweepSpec) -> dict[str, str]:
        """Optuna names for the parameters of an updated config: a parameter whose distribution
        can no longer share its name (other choices, another kind) gets a fresh one."""
        from optuna.distributions import check_distribution_compatibility

        used: dict[str, Any] = {}
        for trial in self.study.get_trials(deepcopy=False):
            for name, dist in trial.distributions.items():
                used.setdefault(name, dist)
        names = dict(self.record.get("names") or {})
        for param in spec.searched:
            base = "/".join(param.path)
            name, version = names.get(base, base), 1
            while name in used:
                try:
                    check_distribution_compatibility(used[name], param.distribution())
                    break
                except ValueError:
                    version += 1
                    name = f"{base}~{version}"
            names[base] = name
        return names

    # -- state -----------------------------------------------------------------------------
    def state(self) -> str:
        return self.study.user_attrs.get(_ATTR_STATE, RUNNING)

    def state_reason(self) -> str | None:
        return self.study.user_attrs.get(_ATTR_REASON)

    def set_state(self, state: str, reason: str | None = None) -> None:
        if state not in STATES:
            raise UsageError(f"sweep state {state!r} must be one of {', '.join(STATES)}")
        self.study.set_user_attr(_ATTR_STATE, state)
        self.study.set_user_attr(_ATTR_REASON, reason)
        if state in (FINISHED, CANCELED):
            _parent_run.end_parent_run(self.parent_run_id, state)

    def effective_state(self) -> str:
        """The stored state, or FINISHED once a grid is exhausted or run_cap is met and nothing runs."""
        self.fail_stale_trials()  # also once finished: a trial whose agent died must not read as running
        state = self.state()
        if state != RUNNING:
            return state
        trials = self.trials()
        if any(t.state == TrialState.RUNNING for t in trials):
            return state
        if self.spec.method == "grid" and not any(t.state == TrialState.WAITING for t in self.trials(waiting=True)):
            return FINISHED
        if self.spec.run_cap and len(trials) >= self.spec.run_cap:
            return FINISHED
        return state

    # -- trials ----------------------------------------------------------------------------
    def trials(self, waiting: bool = False) -> list[FrozenTrial]:
        """The sweep's trials (queued grid points and retired ones left out unless `waiting`)."""
        out = []
        for t in self.study.get_trials(deepcopy=False):
            if t.user_attrs.get("retired"):
                continue
            if t.state == TrialState.WAITING and not waiting:
                continue
            out.append(t)
        return out

    def expected_run_count(self) -> int | None:
        size = grid_size(self.spec)
        if self.spec.run_cap:
            return min(size, self.spec.run_cap) if size is not None else self.spec.run_cap
        return size

    def queue_grid(self, skip: Iterable[str] = ()) -> int:
        """Queue every grid point (wandb's order) except those whose key is in `skip`."""
        skip = set(skip)
        params = self.spec.searched
        queued = 0
        for index, combo in enumerate(itertools.product(*(p.grid_latents() for p in params))):
            latents = {p.name: v for p, v in zip(params, combo, strict=True)}
            key = self._grid_key(latents)
            if key in skip:
                continue
            self.study.enqueue_trial(latents, user_attrs={"grid_point": index, "grid_key": key})
            queued += 1
        return queued

    def _grid_key(self, latents: Mapping[str, Any]) -> str:
        values = [p.from_latent(latents[p.name]) for p in self.spec.searched]
        return json.dumps(values, sort_keys=True, default=str)

    def config_key(self, config: Mapping[str, Any]) -> str | None:
        """The grid key of a run config, or None when it lacks a swept parameter."""
        values = [lookup(config, p.path) for p in self.spec.searched]
        if any(v is MISSING for v in values):
            return None
        return json.dumps(values, sort_keys=True, default=str)

    def _requeue_grid(self) -> None:
        """After a config update: retire the queued points, queue the new grid's points not run yet."""
        seen = set()
        for t in self.study.get_trials(deepcopy=False):
            if t.user_attrs.get("retired"):
                continue
            if t.state == TrialState.WAITING:
                self._retire(t)
            else:
                key = self.config_key(t.user_attrs.get("config") or {})
                if key is not None:
                    seen.add(key)
        self.queue_grid(skip=seen)

    def _retire(self, trial: FrozenTrial) -> None:
        storage = _storage.get_storage()
        study_id = storage.get_study_id_from_name(self.id)
        trial_id = storage.get_trial_id_from_study_id_trial_number(study_id, trial.number)
        try:
            if storage.set_trial_state_values(trial_id, TrialState.RUNNING):
                storage.set_trial_user_attr(trial_id, "retired", True)
                storage.set_trial_state_values(trial_id, TrialState.FAIL)
        except optuna.exceptions.UpdateFinishedTrialError:
            pass

    def fail_stale_trials(self) -> list[int]:
        """Mark FAIL the running trials whose agent died (gone from this host, or silent too long)."""
        host = socket.gethostname()
        limit = stale_seconds()
        now = time.time()
        failed = []
        for t in self.study.get_trials(deepcopy=False, states=(TrialState.RUNNING,)):
            attrs = t.user_attrs
            beat = attrs.get("heartbeat") or (t.datetime_start.timestamp() if t.datetime_start else now)
            if attrs.get("host") == host and attrs.get("pid"):
                dead = not liveness.process_alive(int(attrs["pid"]))
            else:
                dead = now - beat > limit
            if dead:
                try:
                    with _quiet():
                        self.study.tell(t.number, state=TrialState.FAIL, skip_if_finished=True)
                    failed.append(t.number)
                    _term.warn(f"sweep {self.id}: trial {t.number} (run {attrs.get('run_id')}) lost its agent; "
                               "marked failed")
                except (ValueError, RuntimeError):
                    pass
        return failed

    def claim(self) -> Claim | str:
        """The next trial for this agent; WAIT while paused; else why the sweep has no more."""
        with _storage.claim_lock(self.id):
            self._refresh()
            self.fail_stale_trials()
            state = self.state()
            if state == PAUSED:
                return WAIT
            if state in (FINISHED, CANCELED):
                return self.state_reason() or state.lower()
            trials = self.study.get_trials(deepcopy=False)
            if self.spec.run_cap:
                started = [t for t in trials if t.state != TrialState.WAITING and not t.user_attrs.get("retired")]
                if len(started) >= self.spec.run_cap:
                    self.set_state(FINISHED, f"run_cap {self.spec.run_cap} reached")
                    return self.state_reason() or "finished"
            if self.spec.method == "grid" and not any(t.state == TrialState.WAITING for t in trials):
                self.set_state(FINISHED, "grid exhausted")
                return "grid exhausted"
            trial = self.study.ask()
            if self.spec.method == "grid" and "grid_point" not in trial.user_attrs:
                # An agent elsewhere popped the last point between our check and ask.
                trial.set_user_attr("retired", True)
                with _quiet():
                    self.study.tell(trial, state=TrialState.FAIL)
                self.set_state(FINISHED, "grid exhausted")
                return "grid exhausted"
            values = {p.name: p.suggest(trial) for p in self.spec.searched}
        from tracklab.sdk.lib import runid

        config = config_of(self.spec, values)
        run_id = runid.generate_id()
        trial.set_user_attr("run_id", run_id)
        trial.set_user_attr("config", json.loads(json.dumps(config, default=str)))
        trial.set_user_attr("host", socket.gethostname())
        trial.set_user_attr("pid", os.getpid())
        trial.set_user_attr("heartbeat", time.time())
        return Claim(trial=trial, run_id=run_id, config=config)

    def finish(self, claim: Claim, run_state: str, pruned: bool, value: float | None,
               run_started: bool = True) -> TrialState:
        """Tell optuna how the trial ended; returns the trial state."""
        trial = claim.trial
        metric = self.spec.metric
        try:
            trial.set_user_attr("run_state", run_state)
        except optuna.exceptions.UpdateFinishedTrialError:
            return TrialState.FAIL  # another agent took it for dead
        if pruned:
            state, values = TrialState.PRUNED, None
        elif run_state != "finished":
            state, values = TrialState.FAIL, None
        elif metric and value is None:
            why = (f"finished without logging the metric {metric!r}" if run_started
                   else "never started (the trial must call tracklab.init())")
            _term.warn(f"sweep {self.id}: run {claim.run_id} {why}; trial marked failed")
            state, values = TrialState.FAIL, None
        else:
            state, values = TrialState.COMPLETE, (value if metric else 0.0)
        with _quiet():
            frozen = self.study.tell(trial, values, state=state, skip_if_finished=True)
        if state == TrialState.COMPLETE and metric and self.spec.target is not None:
            reached = value >= self.spec.target if self.spec.goal == "maximize" else value <= self.spec.target
            if reached:
                self.set_state(FINISHED, f"metric {metric} reached its target {self.spec.target:g}")
                _term.log(f"sweep {self.id}: run {claim.run_id} reached the target {metric}={value:g}; sweep finished")
        return frozen.state

    def best_trial(self) -> FrozenTrial | None:
        done = [t for t in self.trials() if t.state == TrialState.COMPLETE and t.value is not None]
        if not done or not self.spec.metric:
            return None
        pick = max if self.spec.goal == "maximize" else min
        return pick(done, key=lambda t: t.value)


def list_sweeps() -> list[dict[str, Any]]:
    """Every TrackLab sweep in the storage: id, project, entity, name, method, state, trial counts."""
    out = []
    storage = _storage.get_storage()
    for frozen in storage.get_all_studies():
        record = frozen.user_attrs.get(_ATTR_SWEEP)
        if not record:
            continue
        config = record.get("config") or {}
        out.append({"id": frozen.study_name, "project": record.get("project"), "entity": record.get("entity"),
                    "name": config.get("name"), "method": config.get("method"),
                    "state": frozen.user_attrs.get(_ATTR_STATE, RUNNING), "created_at": record.get("created_at")})
    return sorted(out, key=lambda s: s.get("created_at") or 0)
