"""Constructor checks and error messages, against real wandb, plus serialize_value's
own errors for values that cannot be logged."""

from __future__ import annotations

import json
import os
import sys
import types
from typing import Any

import numpy as np
import pytest

import _dt_cases as _cases
from tests import helpers

# Where TrackLab deliberately differs from wandb 0.31 (documented in the report):
# wandb needs moviepy before it even checks a raw video's shape; TrackLab encodes
# GIFs with Pillow, so it checks the shape and raises its own ValueError.
_DIFFERENT = {"video_3d"}


def _sorted_tokens(message: str) -> Any:
    # Messages listing a Python set (supported file types) vary in order per process.
    head, _, tail = message.rpartition(": ")
    return head, sorted(tail.split(", "))


@pytest.fixture(scope="module")
def wandb_errors(assets: str) -> dict[str, Any]:
    helpers.require("wandb")
    from _dt_support import HERE

    env = {k: v for k, v in os.environ.items() if not k.startswith("WANDB_")}
    env.update(WANDB_SILENT="true", WANDB_MODE="offline")
    proc = helpers.run(
        [os.environ.get("TRACKLAB_WANDB_PYTHON", sys.executable), "-c", _cases.wandb_errors_script(str(HERE), assets)],
        capture_output=True, text=True, env=env, timeout=300, check=True,
    )
    return json.loads(proc.stdout.split("@@", 1)[1])


def _ours() -> Any:
    import tracklab.plot
    import tracklab.sdk.data_types as dt
    from tracklab.sdk.data_types import _dtypes

    ns = types.SimpleNamespace(**{name: getattr(dt, name) for name in dt.__all__})
    ns.data_types = types.SimpleNamespace(_dtypes=_dtypes)
    ns.plot = tracklab.plot
    return ns


@pytest.mark.parametrize("name", sorted(set(_cases.ERROR_CASES) - _DIFFERENT))
def test_same_error_as_wandb(name: str, wandb_errors: dict, assets: str) -> None:
    expected = wandb_errors[name]
    assert expected is not None, "wandb accepted this construction"
    with pytest.raises(Exception) as info:
        _cases.ERROR_CASES[name](_ours(), assets)
    got = [type(info.value).__name__, str(info.value)]
    if name in ("obj3d_bad_ext", "mol_bad_ext"):
        assert got[0] == expected[0] and _sorted_tokens(got[1]) == _sorted_tokens(expected[1])
    else:
        assert got == expected


def test_video_shape_checked_without_moviepy(assets: str) -> None:
    with pytest.raises(ValueError, match="at least 4 dimensions"):
        _cases.ERROR_CASES["video_3d"](_ours(), assets)


def test_histogram_num_bins_limit() -> None:
    import tracklab.sdk.data_types as dt

    assert len(dt.Histogram(np.arange(600), num_bins=512).histogram) == 512
    with pytest.raises(ValueError, match="maximum length of a histogram is 512"):
        dt.Histogram(np.arange(600), num_bins=513)


class _Opaque:
    pass


@pytest.mark.parametrize(
    "value",
    [_Opaque(), [1, _Opaque()], {"a": _Opaque()}, [_cases._rgb(), 1]],
    ids=["object", "list-with-object", "dict-with-object", "list-mixing-array-and-number-ok"],
)
def test_unsupported_values_name_key_type_and_rule(value: Any, tmp_path: Any) -> None:
    import tracklab.sdk.data_types as dt

    if isinstance(value, list) and not any(isinstance(v, _Opaque) for v in value):
        # Arrays inside lists are converted, so this one is fine.
        assert dt.serialize_value(value, str(tmp_path), "k", 0)[1] == 1
        return
    with pytest.raises(TypeError) as info:
        dt.serialize_value(value, str(tmp_path), "my/key", 0)
    message = str(info.value)
    assert "'my/key'" in message and "_Opaque" in message and "rule:" in message


def test_list_mixing_media_and_numbers_is_rejected(tmp_path: Any) -> None:
    # wandb fails to encode such a list too (TypeError from its JSON encoder).
    import tracklab.sdk.data_types as dt

    with pytest.raises(TypeError, match="'mixed'.*Image"):
        dt.serialize_value([dt.Image(_cases._rgb()), 1], str(tmp_path), "mixed", 0)


def test_unbound_media_to_json_raises() -> None:
    import tracklab.sdk.data_types as dt

    with pytest.raises(AssertionError, match="must be bound to a run"):
        dt.Image(_cases._rgb()).to_json(types.SimpleNamespace(dir="/nowhere"))
