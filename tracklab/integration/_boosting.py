"""What the gradient-boosting helpers (xgboost, lightgbm) share: the current run, best-value
summaries, the feature-importance bar chart and model checkpoints as artifacts."""

from __future__ import annotations

from typing import Any, Iterable, Sequence

from tracklab.errors import Error


def current_run(what: str = "WandbCallback()") -> Any:
    """The current run; wandb's error when there is none."""
    import tracklab

    if tracklab.run is None:
        raise Error(f"You must call wandb.init() before {what}")
    return tracklab.run


def define_best(run: Any, key: str, metric_name: str, minimize: Sequence[str], maximize: Sequence[str]) -> None:
    """Summarise `key` by its min (losses, errors) or max (auc, map...) as wandb's helpers do."""
    name = metric_name.lower()
    if "loss" in name or name in minimize:
        run.define_metric(key, summary="min")
    elif name in maximize:
        run.define_metric(key, summary="max")


def log_feature_importance(run: Any, pairs: Iterable[tuple[str, float]], commit: bool | None = None) -> None:
    """Log `Feature Importance` as wandb's bar chart of (feature, importance)."""
    import tracklab.plot
    from tracklab.sdk.data_types import Table

    table = Table(data=[[k, v] for k, v in pairs], columns=["Feature", "Importance"])
    chart = tracklab.plot.bar(table, "Feature", "Importance", title="Feature Importance")
    run.log({"Feature Importance": chart}, commit=commit)


def log_model_file(run: Any, path: str, name: str, aliases: Sequence[str] | None = None) -> Any:
    """Log one model file as a `model` artifact version."""
    from tracklab.sdk.artifacts import Artifact

    artifact = Artifact(name=name, type="model")
    artifact.add_file(path)
    return run.log_artifact(artifact, aliases=list(aliases) if aliases else None)
