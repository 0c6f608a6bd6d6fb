"""Custom charts in a `log()` dict: swap each chart for its table, collect its panel.

The charts themselves (`CustomChart`, `Visualize`) are built by `tracklab.plot`, a layer above;
they are `Chart`s, the one kind the core knows.
"""

from __future__ import annotations

from typing import Any


class Chart:
    """A table logged with a panel: `log({key: chart})` logs `table` under `table_key()` and
    sets the panel at `spec.config_key` in the run config. Subclasses carry `table` and `spec`
    (with `key`, `config_key` and `config_value`)."""

    table: Any
    spec: Any

    def set_key(self, key: str) -> None:
        self.spec.key = key

    def table_key(self) -> str:
        """The history key the chart's table is logged under (once `set_key` was called)."""
        return self.spec.key


def _pop_charts(data: dict[str, Any], prefix: str | None) -> dict[str, Chart]:
    found: dict[str, Chart] = {}
    for key in list(data):
        value = data[key]
        path = f"{prefix}.{key}" if prefix else key
        if isinstance(value, Chart):
            found[path] = data.pop(key)
        elif isinstance(value, dict):
            found.update(_pop_charts(value, path))
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
    if not data:
        return []
    updates: list[tuple[tuple[str, ...], Any]] = []
    for key, chart in _pop_charts(data, None).items():
        chart.set_key(key)
        updates.append((tuple(chart.spec.config_key), chart.spec.config_value))
        data[chart.table_key()] = chart.table
    return updates
