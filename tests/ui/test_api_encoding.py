"""The panels' JSON: the fast encoder's answers equal the exact encoder's, non-finite floats as
the strings wandb prints, whatever the answer holds."""

from __future__ import annotations

import json
import math

import numpy as np

from mlflow_plugins._api import _safe, encode


def test_fast_and_exact_encodings_agree() -> None:
    cases = [
        {"series": [{"x": list(range(5)), "y": [0.1, 2.5, 1e300, -3.0, 7.0], "steps": [0, 1, 2, 3, 4]}]},
        {"y": [1.0, math.nan, math.inf, -math.inf], "name": "NaN"},
        {"group": None, "tags": ["a"], "latest": {"acc": 0.5}},
        {"big": 2**70, "array": np.arange(3, dtype=np.float32), 3: "int key"},
        {"text": 'quote " and \\ and null'},
    ]
    for data in cases:
        assert json.loads(encode(data)) == json.loads(json.dumps(_safe(data), default=str, allow_nan=False)), data
    assert json.loads(encode({"y": [math.nan, math.inf, -math.inf]})) == {"y": ["NaN", "Infinity", "-Infinity"]}
