"""Input checks shared by the curve charts (wandb prints and returns None on bad input)."""

from __future__ import annotations

from typing import Any

from tracklab.errors import term


def _sklearn(what: str) -> tuple[Any, Any]:
    try:
        import sklearn.metrics
        import sklearn.utils
    except ImportError as e:
        raise ImportError(f"{what} requires the scikit library, install with `pip install scikit-learn`") from e
    return sklearn.metrics, sklearn.utils


def arrays_ok(**arrays: Any) -> bool:
    """False (with a message) when an input is None, has missing values or non-numbers."""
    import numpy as np
    import pandas as pd

    ok = True
    for name, value in arrays.items():
        if value is None:
            term.termerror(f"{name} is None. Please try again.")
            ok = False
            continue
        if not isinstance(value, (list, tuple, np.ndarray, np.generic, pd.DataFrame, pd.Series)) and not hasattr(
            value, "__iter__"
        ):
            term.termerror(f"{name} is not an array. Please try again.")
            ok = False
    return ok


def area_under_curve_chart(df: Any, x: str, y: str, skutils: Any, title: str, x_title: str, y_title: str,
                           split_table: bool) -> Any:
    """The per-class curve table (cut to a Table's row limit, stratified, as wandb does) and its chart."""
    from tracklab.sdk.data_types.table import Table

    from .custom_chart import plot_table

    if len(df) > Table.MAX_ROWS:
        term.termwarn(f"Table has a limit of {Table.MAX_ROWS} rows. Resampling to fit." if y == "precision"
                      else f"wandb uses only {Table.MAX_ROWS} data points to create the plots.")
        df = skutils.resample(
            df, replace=False, n_samples=Table.MAX_ROWS, random_state=42, stratify=df["class"]
        ).sort_values([y, x, "class"] if y == "precision" else [x, y, "class"])
    return plot_table(
        data_table=Table(dataframe=df),
        vega_spec_name="wandb/area-under-curve/v0",
        fields={"x": x, "y": y, "class": "class"},
        string_fields={"title": title, "x-axis-title": x_title, "y-axis-title": y_title},
        split_table=split_table,
    )


def curve_inputs(y_true: Any, y_probas: Any, classes_to_plot: Any) -> tuple[Any, ...] | None:
    """What pr_curve and roc_curve start from: sklearn's modules, the arrays, the classes
    (None, after wandb's warning, when the arrays are unusable)."""
    import numpy as np

    metrics, skutils = _sklearn("roc")
    y_true = np.array(y_true)
    y_probas = np.array(y_probas)
    if not arrays_ok(y_true=y_true, y_probas=y_probas):
        return None
    classes = np.unique(y_true)
    return metrics, skutils, y_true, y_probas, classes, classes if classes_to_plot is None else classes_to_plot
