"""`histogram`: a histogram of one table column."""

from __future__ import annotations

from typing import Any

from .custom_chart import CustomChart, plot_table


def histogram(table: Any, value: str, title: str = "", split_table: bool = False) -> CustomChart:
    """Bin the values of column `value`."""
    return plot_table(
        data_table=table,
        vega_spec_name="wandb/histogram/v0",
        fields={"value": value},
        string_fields={"title": title},
        split_table=split_table,
    )
