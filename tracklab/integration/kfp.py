"""`wandb.integration.kfp`: the `wandb_log` decorator for Kubeflow Pipelines components.

The decorated function runs inside a run of its own (named after the function): its arguments go
to config and its return value to the summary (`output`, or each field of a NamedTuple/dict).
This runs wherever the component runs, locally too (call the function directly to try it).
Kubeflow's UI link (`mlpipeline_ui_metadata` pointing at W&B's web app) and `patch_kfp()`'s
rewriting of KFP's component builder are W&B-cloud features: `patch_kfp()` raises, saying so, and
`unpatch_kfp()` does nothing.
"""

from __future__ import annotations

import functools
import inspect
from typing import Any, Callable

from tracklab.integration._requires import not_available


def _outputs(result: Any) -> dict[str, Any]:
    if hasattr(result, "_asdict"):
        return dict(result._asdict())
    if isinstance(result, dict):
        return dict(result)
    return {} if result is None else {"output": result}


def wandb_log(func: Callable | None = None, **kwargs: Any) -> Callable:
    """Wrap a KFP component function so each call logs its inputs (config) and outputs (summary);
    `kwargs` go to `wandb.init`."""

    def decorate(target: Callable) -> Callable:
        signature = inspect.signature(target)

        @functools.wraps(target)
        def wrapper(*args: Any, **call_kwargs: Any) -> Any:
            import tracklab

            bound = signature.bind(*args, **call_kwargs)
            bound.apply_defaults()
            init = {"name": target.__name__, "job_type": target.__name__, **kwargs}
            with tracklab.init(**init) as run:
                run.config.update({k: v for k, v in bound.arguments.items()
                                   if isinstance(v, (bool, int, float, str, list, dict)) or v is None})
                result = target(*args, **call_kwargs)
                for key, value in _outputs(result).items():
                    run.summary[key] = value
            return result

        return wrapper

    return decorate if func is None else decorate(func)


def patch_kfp() -> None:
    """Not available: it rewires KFP's component builder to point Kubeflow's UI at W&B's web app."""
    raise not_available("kfp", "patch_kfp()", "it adds W&B web-app links to Kubeflow's UI; decorate component "
                        "functions with wandb_log instead, which logs to your TrackLab store")


def unpatch_kfp() -> None:
    """Nothing to undo (TrackLab never patches KFP)."""


__all__ = ["wandb_log", "unpatch_kfp"]
