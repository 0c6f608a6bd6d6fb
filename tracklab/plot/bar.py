"""`bar`: a bar chart of labels and values."""

from __future__ import annotations

from typing import Any

from .custom_chart import CustomChart, plot_table


def bar(table: Any, label: str, value: str, title: str = "", split_table: bool = False) -> CustomChart:
    """One bar per row: `label` column on one axis, `value` column on the other."""
    return plot_table(
        data_table=table,
        vega_spec_name="wandb/bar/v0",
        fields={"label": label, "value": value},
        string_fields={"title": title},
        split_table=split_table,
    )
