"""`wandb.integration.prodigy`: `upload_dataset()`, a Prodigy annotation dataset as a table.

Prodigy's database is local, so this is the local part: `upload_dataset(name)` reads the dataset
from Prodigy's database and logs it under `name` as a table (one row per example, one column per
field; nested fields as JSON text). It needs the `prodigy` package (licensed separately).
"""

from __future__ import annotations

import json
from typing import Any

from tracklab.integration._requires import require


def create_table(data: list[dict[str, Any]]) -> Any:
    """A table with one column per field of the examples (in first-seen order)."""
    import tracklab

    columns: list[str] = []
    for example in data:
        columns.extend(key for key in example if key not in columns)
    rows = [[_cell(example.get(column)) for column in columns] for example in data]
    return tracklab.Table(columns=columns, data=rows)


def _cell(value: Any) -> Any:
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return json.dumps(value, default=str, sort_keys=True)


def upload_dataset(dataset_name: str) -> None:
    """Log the Prodigy dataset `dataset_name` as a table under its name."""
    import tracklab

    if tracklab.run is None:
        raise ValueError("You must call wandb.init() before upload_dataset()")
    database = require("prodigy.components.db", "prodigy", "prodigy").connect()
    data = database.get_dataset(dataset_name)
    tracklab.run.log({dataset_name: create_table(list(data))})
    tracklab.termlog(f"Prodigy dataset `{dataset_name}` uploaded.")


__all__ = ["upload_dataset"]
