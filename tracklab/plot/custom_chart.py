"""`CustomChart` and `plot_table`: a table plus a Vega spec, logged as a custom panel.

Logging a chart under `key` stores its table under `<key>_table` (or
`Custom Chart Tables/<key>_table` with `split_table`) and the panel settings in
`config._wandb.visualize.<key>`, as wandb does.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from tracklab.sdk.data_types._charts import Chart


def _error(message: str) -> Exception:
    from tracklab.errors import Error

    return Error(message)


@dataclass
class CustomChartSpec:
    """Which Vega spec to draw and how table columns map onto its fields."""

    spec_name: str
    fields: dict[str, Any]
    string_fields: dict[str, Any]
    key: str = ""
    panel_type: str = "Vega2"
    split_table: bool = False

    @property
    def table_key(self) -> str:
        """The history key the chart's table is logged under."""
        if not self.key:
            raise _error("Key for the custom chart spec is not set.")
        if self.split_table:
            return f"Custom Chart Tables/{self.key}_table"
        return f"{self.key}_table"

    @property
    def config_value(self) -> dict[str, Any]:
        """The panel definition wandb stores in `config._wandb.visualize.<key>`."""
        return {
            "panel_type": self.panel_type,
            "panel_config": {
                "panelDefId": self.spec_name,
                "fieldSettings": self.fields,
                "stringSettings": self.string_fields,
                "transform": {"name": "tableWithLeafColNames"},
                "userQuery": {
                    "queryFields": [
                        {
                            "name": "runSets",
                            "args": [{"name": "runSets", "value": "${runSets}"}],
                            "fields": [
                                {"name": "id", "fields": []},
                                {"name": "name", "fields": []},
                                {"name": "_defaultColorIndex", "fields": []},
                                {
                                    "name": "summaryTable",
                                    "args": [{"name": "tableKey", "value": self.table_key}],
                                    "fields": [],
                                },
                            ],
                        }
                    ]
                },
            },
        }

    @property
    def config_key(self) -> tuple[str, str, str]:
        return ("_wandb", "visualize", self.key)


@dataclass
class CustomChart(Chart):
    """A chart ready to be logged: its data table and its spec."""

    table: Any
    spec: CustomChartSpec = field()

    def table_key(self) -> str:
        return self.spec.table_key


def plot_table(
    vega_spec_name: str,
    data_table: Any,
    fields: dict[str, Any],
    string_fields: dict[str, Any] | None = None,
    split_table: bool = False,
) -> CustomChart:
    """A custom chart drawing `data_table` with the Vega spec `vega_spec_name`.

    `fields` maps the spec's fields to table columns; `string_fields` fills the
    spec's string settings (title, axis titles...).
    """
    from tracklab.sdk.data_types.table import Table

    if not isinstance(data_table, Table):
        raise _error(
            f"Expected `data_table` to be `wandb.Table` type, instead got {type(data_table).__name__}"
        )
    return CustomChart(
        table=data_table,
        spec=CustomChartSpec(
            spec_name=vega_spec_name,
            fields=fields,
            string_fields=string_fields or {},
            split_table=split_table,
        ),
    )
