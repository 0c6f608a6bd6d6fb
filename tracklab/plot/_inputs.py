"""Input checks shared by the curve charts (wandb prints and returns None on bad input)."""

from __future__ import annotations

import logging
from typing import Any

_LOG = logging.getLogger("tracklab")


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
            _LOG.error(f"{name} is None. Please try again.")
            ok = False
            continue
        if not isinstance(value, (list, tuple, np.ndarray, np.generic, pd.DataFrame, pd.Series)) and not hasattr(
            value, "__iter__"
        ):
            _LOG.error(f"{name} is not an array. Please try again.")
            ok = False
    return ok
