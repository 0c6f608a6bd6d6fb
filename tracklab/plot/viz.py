"""`visualize`: a table shown with a built-in panel (legacy `wandb.visualize`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tracklab.sdk.data_types._charts import Chart


@dataclass
class VisualizeSpec:
    name: str
    key: str = ""

    @property
    def config_value(self) -> dict[str, Any]:
        return {"id": self.name, "historyFieldSettings": {"x-axis": "_step", "key": self.key}}

    @property
    def config_key(self) -> tuple[str, str, str]:
        return ("_wandb", "viz", self.key)


@dataclass
class Visualize(Chart):
    """A table shown with a built-in panel; its table keeps the key it is logged under."""

    table: Any
    spec: VisualizeSpec


def visualize(id: str, value: Any) -> Visualize:
    """Show table `value` with the built-in panel `id`."""
    from tracklab.errors import Error
    from tracklab.sdk.data_types.table import Table

    if not isinstance(value, Table):
        raise Error(f"Expected `value` to be `wandb.Table` type, instead got {type(value).__name__}")
    return Visualize(table=value, spec=VisualizeSpec(name=id))
