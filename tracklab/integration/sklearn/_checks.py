"""Input checks shared by the sklearn charts (wandb's messages; a failed check skips the chart)."""

from __future__ import annotations

from typing import Any

import numpy as np

CHART_LIMIT = 1000
_ARRAYS = ("X", "X_test", "y", "y_test", "y_true", "y_probas")


def termerror(message: str) -> None:
    import tracklab

    tracklab.termerror(message)


def termwarn(message: str) -> None:
    import tracklab

    tracklab.termwarn(message)


def over_limit(count: int, chart: str, limit: float = CHART_LIMIT) -> bool:
    """True (with a warning) once `count` passes the chart's point limit."""
    if count > limit:
        termwarn(f"using only the first {limit} datapoints to create chart {chart}")
        return True
    return False


def _as_array(value: Any) -> np.ndarray:
    if hasattr(value, "toarray"):  # scipy sparse
        return value.toarray()
    if hasattr(value, "to_numpy"):  # pandas
        return value.to_numpy()
    return np.asarray(value)


def not_missing(**values: Any) -> bool:
    """No argument is None; `X` / `X_test` hold numbers only, with no missing values."""
    import pandas as pd

    ok = True
    for name, value in values.items():
        if value is None:
            termerror(f"{name} is None. Please try again.")
            ok = False
            continue
        if name not in ("X", "X_test"):
            continue
        array = _as_array(value)
        missing = int(np.count_nonzero(pd.isnull(array)))
        if missing:
            termwarn(f"{name} contains {missing} missing values. ")
            ok = False
        if array.dtype.kind not in "biufc":
            termerror(f"{name} contains values that are not numbers. Please vectorize, label encode or one hot "
                      f"encode {name} and call the plotting function again.")
            ok = False
    return ok


def right_types(**values: Any) -> bool:
    """Arrays are array-like; models are classifiers / regressors / clusterers as named."""
    from collections.abc import Iterable

    from sklearn.base import is_classifier, is_regressor

    ok = True
    for name, value in values.items():
        if name in _ARRAYS and not isinstance(value, (Iterable, np.ndarray, np.generic)):
            termerror(f"{name} is not an array. Please try again.")
            ok = False
        wrong = ((name == "model" and not (is_classifier(value) or is_regressor(value)))
                 or (name in ("clf", "binary_clf") and not is_classifier(value))
                 or (name == "regressor" and not is_regressor(value))
                 or (name == "clusterer" and getattr(value, "_estimator_type", None) != "clusterer"
                     and not _is_clusterer(value)))
        if wrong:
            kind = {"model": "a classifier or regressor", "regressor": "a regressor",
                    "clusterer": "a clusterer"}.get(name, "a classifier")
            termerror(f"{name} is not {kind}. Please try again.")
            ok = False
    return ok


def _is_clusterer(value: Any) -> bool:
    try:
        from sklearn.base import is_clusterer
    except ImportError:
        return False
    return bool(is_clusterer(value))


def fitted(model: Any) -> bool:
    """Whether `model` has been fitted (wandb's probe: predict on zeros, then sklearn's check)."""
    from sklearn.exceptions import NotFittedError
    from sklearn.utils.validation import check_is_fitted

    try:
        model.predict(np.zeros((7, 3)))
    except NotFittedError:
        termerror("Please fit the model before passing it in.")
        return False
    except AttributeError:
        try:
            check_is_fitted(model, ["coef_", "estimator_", "labels_", "n_clusters_", "children_", "components_",
                                    "n_components_", "n_iter_", "n_batch_iter_", "explained_variance_",
                                    "singular_values_", "mean_"], all_or_any=any)
        except NotFittedError:
            termerror("Please fit the model before passing it in.")
            return False
    except Exception:  # wrong shape for the probe: fitted all the same
        return True
    return True
