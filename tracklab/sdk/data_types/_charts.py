"""Custom charts in a `log()` dict: swap each chart for its table, collect its panel."""

from __future__ import annotations

import sys
from typing import Any


def _chart_types() -> tuple[type, ...]:
    # Charts can only exist once tracklab.plot was imported; do not import it here.
    types: list[type] = []
    custom = sys.modules.get("tracklab.plot.custom_chart")
    viz = sys.modules.get("tracklab.plot.viz")
    if custom is not None:
        types.append(custom.CustomChart)
    if viz is not None:
        types.append(viz.Visualize)
    return tuple(types)


def _pop_charts(data: dict[str, Any], types: tuple[type, ...], prefix: str | None) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for key in list(data):
        value = data[key]
        path = f"{prefix}.{key}" if prefix else key
        if isinstance(value, types):
            found[path] = data.pop(key)
        elif isinstance(value, dict):
            found.update(_pop_charts(value, types, path))
    return found


def pop_custom_charts(data: dict[str, Any]) -> list[tuple[tuple[str, ...], Any]]:
    """Replace the charts in `data` (nested too) by their tables; return config updates.

    As in wandb: a `CustomChart` logged at key K (a nested one at "a.b") is
    removed and its table is put at top level under `<K>_table` (or
    `Custom Chart Tables/<K>_table` with `split_table`); a `Visualize` keeps its
    key. Each returned `(path, value)` must be set in the run config, path being
    `("_wandb", "visualize", K)` or `("_wandb", "viz", K)`. Call this on the
    caller's dict copy before flattening.
    """
    types = _chart_types()
    if not types or not data:
        return []
    updates: list[tuple[tuple[str, ...], Any]] = []
    custom = sys.modules.get("tracklab.plot.custom_chart")
    for key, chart in _pop_charts(data, types, None).items():
        chart.set_key(key)
        updates.append((tuple(chart.spec.config_key), chart.spec.config_value))
        if custom is not None and isinstance(chart, custom.CustomChart):
            data[chart.spec.table_key] = chart.table
        else:
            data[key] = chart.table
    return updates
