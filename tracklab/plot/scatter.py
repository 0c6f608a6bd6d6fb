"""`scatter`: a scatter plot of two table columns."""

from __future__ import annotations

from typing import Any

from .custom_chart import CustomChart, plot_table


def scatter(table: Any, x: str, y: str, title: str = "", split_table: bool = False) -> CustomChart:
    """Plot the points (`x`, `y`) of a table."""
    return plot_table(
        data_table=table,
        vega_spec_name="wandb/scatter/v0",
        fields={"x": x, "y": y},
        string_fields={"title": title},
        split_table=split_table,
    )
