"""`pr_curve`: precision-recall curves, one per class (needs scikit-learn)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ._inputs import area_under_curve_chart, curve_inputs
from .custom_chart import CustomChart


def pr_curve(
    y_true: Iterable[Any] | None = None,
    y_probas: Iterable[Any] | None = None,
    labels: list[str] | None = None,
    classes_to_plot: list[Any] | None = None,
    interp_size: int = 21,
    title: str = "Precision-Recall Curve",
    split_table: bool = False,
) -> CustomChart | None:
    """Precision over `interp_size` recall points for each class of `y_true`.

    `y_probas` has one column of scores per class; `labels` names integer classes.
    """
    import numpy as np
    import pandas as pd

    prepared = curve_inputs(y_true, y_probas, classes_to_plot)
    if prepared is None:
        return None
    metrics, skutils, y_true, y_probas, classes, classes_to_plot = prepared
    precision = {}
    interp_recall = np.linspace(0, 1, interp_size)[::-1]
    for i in np.where(np.isin(classes, classes_to_plot))[0]:
        if labels is not None and (isinstance(classes[i], int) or isinstance(classes[0], np.integer)):
            label = labels[classes[i]]
        else:
            label = classes[i]
        cur_precision, cur_recall, _ = metrics.precision_recall_curve(y_true, y_probas[:, i], pos_label=classes[i])
        # Make precision monotone (the interpolated curve), then read it at fixed recalls.
        cur_precision = np.maximum.accumulate(np.array(cur_precision))[::-1]
        cur_recall = cur_recall[::-1]
        precision[label] = cur_precision[np.searchsorted(cur_recall, interp_recall, side="left")]
    df = pd.DataFrame(
        {
            "class": np.hstack([[k] * len(v) for k, v in precision.items()]),
            "precision": np.hstack(list(precision.values())),
            "recall": np.tile(interp_recall, len(precision)),
        }
    ).round(3)
    return area_under_curve_chart(df, "recall", "precision", skutils, title, "Recall", "Precision", split_table)
