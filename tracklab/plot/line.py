"""`line`: a line chart of two table columns."""

from __future__ import annotations

from typing import Any

from .custom_chart import CustomChart, plot_table


def line(table: Any, x: str, y: str, stroke: str | None = None, title: str = "", split_table: bool = False) -> CustomChart:
    """Plot column `y` against column `x`, one line per value of `stroke`."""
    return plot_table(
        data_table=table,
        vega_spec_name="wandb/line/v0",
        fields={"x": x, "y": y, "stroke": stroke},
        string_fields={"title": title},
        split_table=split_table,
    )
