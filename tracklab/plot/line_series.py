"""`line_series`: several lines sharing (or each with) an x series."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from .custom_chart import CustomChart, plot_table


def line_series(
    xs: Any,
    ys: Any,
    keys: Iterable[str] | None = None,
    title: str = "",
    xname: str = "x",
    split_table: bool = False,
) -> CustomChart:
    """Lines `ys[i]` over `xs` (shared) or `xs[i]`, named by `keys`."""
    from tracklab.sdk.data_types.table import Table

    if not isinstance(xs[0], Iterable) or isinstance(xs[0], (str, bytes)):
        xs = [xs] * len(ys)
    if len(xs) != len(ys):
        raise ValueError(f"Number of x-series ({len(xs)}) must match y-series ({len(ys)}).")
    if keys is None:
        keys = [f"line_{i}" for i in range(len(ys))]
    keys = list(keys)
    if len(keys) != len(ys):
        raise ValueError(f"Number of keys ({len(keys)}) must match y-series ({len(ys)}).")
    data = [[x, keys[i], y] for i, (xx, yy) in enumerate(zip(xs, ys)) for x, y in zip(xx, yy)]
    return plot_table(
        data_table=Table(data=data, columns=["step", "lineKey", "lineVal"]),
        vega_spec_name="wandb/lineseries/v0",
        fields={"step": "step", "lineKey": "lineKey", "lineVal": "lineVal"},
        string_fields={"title": title, "xname": xname},
        split_table=split_table,
    )
