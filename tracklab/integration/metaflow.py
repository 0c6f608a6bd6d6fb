"""`wandb.integration.metaflow`: the `wandb_log` decorator for Metaflow flows and steps.

Each decorated step runs in its own run (group `<flow name>/<metaflow run id>`, job type the step
name) with the flow's parameters as config. Values the step assigns to `self` are logged: scalars
(numbers, strings, lists, dicts) as history; with `datasets=True`, pandas DataFrames and
`pathlib.Path`s as `dataset` artifacts; with `models=True`, torch modules and scikit-learn
estimators as `model` artifacts; with `others=True`, anything picklable. Values the step reads that
an earlier step produced are recorded as artifacts used (`use_artifact`), as in wandb.
"""

from __future__ import annotations

import functools
import inspect
import pickle
from pathlib import Path
from typing import Any

from tracklab.integration._requires import require


def _current() -> Any:
    return require("metaflow", "metaflow", "metaflow").current


class ArtifactProxy:
    """Stands for the flow inside a step: records what the step reads (inputs) and assigns (outputs)."""

    def __init__(self, flow: Any) -> None:
        self.__dict__.update(flow=flow, inputs={}, outputs={}, base=set(dir(flow)),
                             params={p: getattr(flow, p) for p in _current().parameter_names})

    def __setattr__(self, key: str, value: Any) -> None:
        self.outputs[key] = value
        setattr(self.flow, key, value)

    def __getattr__(self, key: str) -> Any:
        if key not in self.base and key not in self.outputs:
            self.inputs[key] = getattr(self.flow, key)
        return getattr(self.flow, key)


def _kind(data: Any, datasets: bool, models: bool, others: bool) -> str | None:
    """Which way `data` is tracked: dataframe, model, path, scalar, generic or None (not at all)."""
    typename = f"{type(data).__module__}.{type(data).__name__}"
    if datasets and typename.startswith("pandas.") and type(data).__name__ == "DataFrame":
        return "dataframe"
    if models and any(f"{c.__module__}.{c.__name__}" in ("torch.nn.modules.module.Module", "sklearn.base.BaseEstimator")
                      for c in type(data).__mro__):
        return "model"
    if datasets and isinstance(data, Path):
        return "path"
    if isinstance(data, (dict, list, set, str, int, float, bool)):
        return "scalar"
    return "generic" if others else None


def wandb_track(name: str, data: Any, datasets: bool = False, models: bool = False, others: bool = False,
                run: Any = None, testing: bool = False) -> str | None:
    """Log `data` (a step's output) by its type and the flags; with `testing`, only say how."""
    import tracklab

    kind = _kind(data, datasets, models, others)
    if kind is None or testing:
        return {"dataframe": "pd.DataFrame", "model": "model", "path": "Path", "scalar": "scalar",
                "generic": "generic", None: None}[kind]
    run = run or tracklab.run
    if kind == "scalar":
        run.log({name: data})
        return None
    artifact = tracklab.Artifact(name, type={"dataframe": "dataset", "path": "dataset", "model": "model"}
                                 .get(kind, "other"))
    if kind == "path":
        artifact.add_dir(str(data)) if data.is_dir() else artifact.add_file(str(data))
    elif kind == "dataframe":
        with artifact.new_file(f"{name}.parquet", "wb") as f:
            data.to_parquet(f, engine="pyarrow")
    else:
        with artifact.new_file(f"{name}.pkl", "wb") as f:
            pickle.dump(data, f)
    run.log_artifact(artifact)
    tracklab.termlog(f"Logging artifact: {name} ({type(data)})")
    return None


def wandb_use(name: str, data: Any, datasets: bool = False, models: bool = False, others: bool = False,
              run: Any = None, testing: bool = False) -> str | None:
    """Record `data` (a step's input, an earlier step's output) as an artifact this run used."""
    import tracklab

    kind = _kind(data, datasets, models, others)
    if kind in (None, "scalar"):
        return None
    if testing:
        return {"dataframe": "datasets", "path": "datasets", "model": "models", "generic": "others"}[kind]
    try:
        (run or tracklab.run).use_artifact(f"{name}:latest")
    except tracklab.CommError:
        tracklab.termwarn(f"This artifact ({name}, {type(data)}) does not exist in the wandb datastore!")
        return None
    tracklab.termlog(f"Using artifact: {name} ({type(data)})")
    return None


def coalesce(*args: Any) -> Any:
    """The first argument that is not None."""
    return next((a for a in args if a is not None), None)


def wandb_log(func: Any = None, /, datasets: bool = False, models: bool = False, others: bool = False,
              settings: Any = None) -> Any:
    """Log a Metaflow step (or every step of a flow class) to a run of its own; see the module doc."""

    def decorate(target: Any) -> Any:
        if inspect.isclass(target):
            for attr, value in list(vars(target).items()):
                if callable(value) and getattr(value, "is_step", False):
                    setattr(target, attr, decorate(value))
            return target
        if hasattr(target, "_base_func"):  # a step decoration wins over the flow's
            return target

        @functools.wraps(target)
        def wrapper(self: Any, *args: Any, settings: Any = settings, **kwargs: Any) -> Any:
            import tracklab

            current = _current()
            settings = settings if isinstance(settings, tracklab.Settings) else tracklab.Settings()
            group = coalesce(settings.run_group, f"{current.flow_name}/{current.run_id}")
            job_type = coalesce(settings.run_job_type, current.step_name)
            with tracklab.init(settings=settings, group=group, job_type=job_type) as run:
                proxy = ArtifactProxy(self)
                run.config.update(proxy.params)
                result = target(proxy, *args, **kwargs)
                for name, data in proxy.inputs.items():
                    wandb_use(name, data, datasets=datasets, models=models, others=others, run=run)
                for name, data in proxy.outputs.items():
                    wandb_track(name, data, datasets=datasets, models=models, others=others, run=run)
            return result

        wrapper._base_func = target  # type: ignore[attr-defined]
        wrapper._kwargs = {"datasets": datasets, "models": models, "others": others,  # type: ignore[attr-defined]
                           "settings": settings}
        return wrapper

    return decorate if func is None else decorate(func)


__all__ = ["wandb_log", "wandb_track", "wandb_use"]
