"""TrackLab's data types: wandb's media classes and `serialize_value` for `log()`.

Importing this package is cheap: each class is imported on first access, and no
module here imports numpy, PIL, pandas, plotly, matplotlib or torch at import time.

`serialize_value(value, files_dir, key, step, run=None)` is the one entry point
the core calls from `log()` for any value that is not a plain int/float/str/bool/
None; it returns the JSON-able form wandb stores in the history row and summary.
Media write to `run`, a `MediaSink` (`_media_sink`) the Run provides.
`from_descriptor(run, descriptor)` goes the other way, for values read back from a run.
"""

from __future__ import annotations

import importlib
from typing import Any

from .base_types.media import BatchableMedia, Media
from .base_types.wb_value import WBValue

# Public name -> module (relative to this package) that defines it.
_LAZY = {
    "Image": "image",
    "Table": "table",
    "JoinedTable": "_table_joins",
    "PartitionedTable": "_table_joins",
    "Histogram": "histogram",
    "Html": "html",
    "Audio": "audio",
    "Video": "video",
    "Plotly": "plotly",
    "Bokeh": "bokeh",
    "Object3D": "object_3d",
    "box3d": "object_3d",
    "Molecule": "molecule",
    "Graph": "graph",
    "Node": "graph",
    "Edge": "graph",
    "Classes": "helper_types.classes",
    "BoundingBoxes2D": "helper_types.bounding_boxes_2d",
    "ImageMask": "helper_types.image_mask",
    "JSONMetadata": "base_types.json_metadata",
    "serialize_value": "_serialize",
    "serialize_summary_value": "_serialize",
    "pop_custom_charts": "_charts",
    "from_descriptor": "_read_back",
}

__all__ = ["WBValue", "Media", "BatchableMedia", *_LAZY]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value  # later lookups skip this hook
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))
