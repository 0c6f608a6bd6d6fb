"""`tracklab.plot` (wandb's `wandb.plot`): custom charts built from tables.

Each function returns a `CustomChart`; `log({key: chart})` stores the chart's table
under `<key>_table` and its panel in `config._wandb.visualize.<key>` (the core does
this through `tracklab.sdk.data_types.pop_custom_charts`).
"""

from __future__ import annotations

from .bar import bar
from .confusion_matrix import confusion_matrix
from .custom_chart import CustomChart, CustomChartSpec, plot_table
from .histogram import histogram
from .line import line
from .line_series import line_series
from .pr_curve import pr_curve
from .roc_curve import roc_curve
from .scatter import scatter
from .viz import Visualize, visualize

viz = visualize  # wandb also exports this short name

__all__ = [
    "CustomChart",
    "CustomChartSpec",
    "Visualize",
    "bar",
    "confusion_matrix",
    "histogram",
    "line",
    "line_series",
    "plot_table",
    "pr_curve",
    "roc_curve",
    "scatter",
    "visualize",
    "viz",
]
