"""Exact values, property style: rows of mixed values (ints past 2^53 and past 64 bits, +-inf,
NaN, bools, strings, None, lists, nested lists, media) logged through a real store read back from
`tracklab.Api()` exactly as logged: same values, same types (ints a double holds exactly come
back as the equal float: MLflow metrics are doubles), each at its step. A seeded generator
makes many different rows; a failure prints the seed and the first difference."""

from __future__ import annotations

import math
import random
from typing import Any

import pytest

import tracklab

_QUIET = {"quiet": True, "x_disable_stats": True, "console": "off"}


def _value(rng: random.Random) -> Any:
    kind = rng.randrange(13)
    if kind == 0:
        return rng.uniform(-1e6, 1e6)
    if kind == 1:
        return rng.randrange(-1000, 1000)
    if kind == 2:
        return rng.choice((1, -1)) * (2**53 + rng.randrange(1, 10**6))  # past a double's exact ints
    if kind == 3:
        return rng.choice((1, -1)) * (2**64 + rng.randrange(10**9))  # past 64 bits
    if kind == 4:
        return rng.choice((2**70, -(2**100), 10**30 + 7))
    if kind == 5:
        return rng.choice((math.inf, -math.inf, math.nan))
    if kind == 6:
        return rng.random() < 0.5
    if kind == 7:
        return rng.choice(("", "text", "ключ ✓", "12345678901234567890123", "null", "1e400"))
    if kind == 8:
        return None
    if kind == 9:
        return [rng.randrange(10), 2**65, "x", None, 0.5]
    if kind == 10:
        return [[1, 2], [3.5, "y"]]
    if kind == 11:
        return rng.choice((0.1, 1e-300, 5e-324, 1.7976931348623157e308))
    return rng.randrange(-(2**53), 2**53)


def _rows(seed: int, count: int) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    keys = [f"k{i}" for i in range(8)]
    return [{k: _value(rng) for k in rng.sample(keys, rng.randrange(1, len(keys) + 1))} for _ in range(count)]


def _same(a: Any, b: Any) -> bool:
    """Equal and of the same type (True is not 1), NaN equal to NaN. One allowance, the mapping's
    rule: an int a double holds exactly (|n| <= 2^53) is an MLflow metric and reads back as the
    equal float, as in wandb's own pandas history."""
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    if type(a) is int and type(b) is float and abs(a) <= 2**53:
        return float(a) == b
    if type(a) is not type(b):
        return False
    if isinstance(a, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    return a == b


def _first_difference(logged: list[dict[str, Any]], read: list[dict[str, Any]]) -> str | None:
    if len(logged) != len(read):
        return f"{len(logged)} rows logged, {len(read)} read back"
    for step, (want, got) in enumerate(zip(logged, read)):
        got = {k: v for k, v in got.items() if not k.startswith("_")}
        if set(want) != set(got):
            return f"step {step}: keys {sorted(want)} logged, {sorted(got)} read back"
        for key, value in want.items():
            if not _same(value, got[key]):
                return f"step {step}, key {key}: logged {value!r} ({type(value).__name__}), " \
                       f"read back {got[key]!r} ({type(got[key]).__name__})"
    return None


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_api_returns_exactly_what_was_logged(tl_dir, seed: int) -> None:
    rows = _rows(seed, 120)
    run = tracklab.init(project="exact", id=f"exact{seed}", settings=tracklab.Settings(**_QUIET))
    for row in rows:
        run.log(dict(row))
    run.finish()

    api_run = tracklab.Api().run(f"exact/exact{seed}")
    scanned = list(api_run.scan_history())
    assert [r["_step"] for r in scanned] == list(range(len(rows)))
    problem = _first_difference(rows, scanned)
    assert problem is None, f"seed {seed}: {problem}"
    problem = _first_difference(rows, api_run.history(pandas=False, samples=len(rows)))
    assert problem is None, f"seed {seed} (history): {problem}"
    # The summary holds each key's last value, exactly; a None leaves the value before it (as
    # wandb offline records it).
    last: dict[str, Any] = {}
    for row in rows:
        last.update({k: v for k, v in row.items() if v is not None})
    for key, value in last.items():
        assert _same(value, api_run.summary[key]), (seed, key, value, api_run.summary[key])


def test_media_in_mixed_rows_reads_back_as_its_descriptor(tl_dir) -> None:
    run = tracklab.init(project="exact", id="exactmedia", settings=tracklab.Settings(**_QUIET))
    for step in range(3):
        run.log({"page": tracklab.Html(f"<b>{step}</b>"), "big": 2**70 + step, "loss": 0.5 * step})
    run.finish()
    scanned = list(tracklab.Api().run("exact/exactmedia").scan_history())
    assert [r["big"] for r in scanned] == [2**70, 2**70 + 1, 2**70 + 2]
    assert [r["loss"] for r in scanned] == [0.0, 0.5, 1.0]
    assert all(r["page"]["_type"] == "html-file" and r["page"]["path"].endswith(".html") for r in scanned)
