"""`roc_curve`: ROC curves, one per class (needs scikit-learn)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ._inputs import area_under_curve_chart, curve_inputs
from .custom_chart import CustomChart


def roc_curve(
    y_true: Sequence[Any],
    y_probas: Sequence[Sequence[float]] | None = None,
    labels: list[str] | None = None,
    classes_to_plot: list[Any] | None = None,
    title: str = "ROC Curve",
    split_table: bool = False,
) -> CustomChart | None:
    """False/true positive rates for each class of `y_true` (scores in `y_probas`)."""
    import numpy as np
    import pandas as pd

    prepared = curve_inputs(y_true, y_probas, classes_to_plot)
    if prepared is None:
        return None
    metrics, skutils, y_true, y_probas, classes, classes_to_plot = prepared
    fpr: dict = {}
    tpr: dict = {}
    for i in np.where(np.isin(classes, classes_to_plot))[0]:
        if labels is not None and (isinstance(classes[i], int) or isinstance(classes[0], np.integer)):
            label = labels[classes[i]]
        else:
            label = classes[i]
        fpr[label], tpr[label], _ = metrics.roc_curve(y_true, y_probas[..., i], pos_label=classes[i])
    df = pd.DataFrame(
        {
            "class": np.hstack([[k] * len(v) for k, v in fpr.items()]),
            "fpr": np.hstack(list(fpr.values())),
            "tpr": np.hstack(list(tpr.values())),
        }
    ).round(3)
    return area_under_curve_chart(df, "fpr", "tpr", skutils, title, "False positive rate", "True positive rate",
                                  split_table)
