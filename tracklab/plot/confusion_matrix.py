"""`confusion_matrix`: counts of (actual, predicted) class pairs."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .custom_chart import CustomChart, plot_table


def confusion_matrix(
    probs: Sequence[Sequence[float]] | None = None,
    y_true: Sequence[Any] | None = None,
    preds: Sequence[Any] | None = None,
    class_names: Sequence[str] | None = None,
    title: str = "Confusion Matrix Curve",
    split_table: bool = False,
) -> CustomChart:
    """A confusion matrix from `y_true` and either `preds` or `probs` (argmax)."""
    import numpy as np

    from tracklab.sdk.data_types.table import Table

    if probs is not None and preds is not None:
        raise ValueError("Only one of `probs` or `preds` should be provided, not both.")
    if probs is not None:
        preds = np.argmax(probs, axis=1).tolist()
    assert preds is not None and y_true is not None
    if len(preds) != len(y_true):
        raise ValueError("The number of predictions and true labels must be equal.")
    if class_names is not None:
        n_classes = len(class_names)
        class_idx: Any = list(range(n_classes))
        if len(set(preds)) > len(class_names):
            raise ValueError("The number of unique predicted classes exceeds the number of class names.")
        if len(set(y_true)) > len(class_names):
            raise ValueError("The number of unique true labels exceeds the number of class names.")
    else:
        class_idx = set(preds).union(set(y_true))
        n_classes = len(class_idx)
        class_names = [f"Class_{i + 1}" for i in range(n_classes)]
    position = {val: i for i, val in enumerate(sorted(class_idx))}
    counts = np.zeros((n_classes, n_classes))
    for actual, predicted in zip(y_true, preds):
        counts[position[actual], position[predicted]] += 1
    data = [[class_names[i], class_names[j], counts[i, j]] for i in range(n_classes) for j in range(n_classes)]
    return plot_table(
        data_table=Table(columns=["Actual", "Predicted", "nPredictions"], data=data),
        vega_spec_name="wandb/confusion_matrix/v1",
        fields={"Actual": "Actual", "Predicted": "Predicted", "nPredictions": "nPredictions"},
        string_fields={"title": title},
        split_table=split_table,
    )
