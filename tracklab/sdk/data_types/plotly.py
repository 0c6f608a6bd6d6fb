"""`Plotly`: a plotly figure (or a converted matplotlib one) as `.plotly.json`."""

from __future__ import annotations

import os
from typing import Any

from ._json import _is_matplotlib, _is_plotly_figure, dumps_safer
from .base_types.media import Media, _arrays_to_lists, _tmp_path


class Plotly(Media):
    """A plotly figure, stored as its `to_plotly_json()` with arrays turned to lists."""

    _log_type = "plotly-file"

    @classmethod
    def make_plot_media(cls, val: Any) -> Media:
        """A Plotly for a figure; an Image for a matplotlib figure showing images."""
        if _is_matplotlib(val):
            from ._matplotlib import contains_images, to_plotly

            if contains_images(val):
                from .image import Image

                return Image(val)
            val = to_plotly(val)
        return cls(val)

    def __init__(self, val: Any) -> None:
        super().__init__()
        if not _is_plotly_figure(val):
            if not _is_matplotlib(val):
                raise ValueError(
                    "Logged plots must be plotly figures, or matplotlib plots convertible to plotly via mpl_to_plotly"
                )
            from ._matplotlib import contains_images, to_plotly

            if contains_images(val):
                raise ValueError(
                    "Plotly does not currently support converting matplotlib figures containing images. "
                    "You can convert the plot to a static image with `wandb.Image(plt)` "
                )
            val = to_plotly(val)
        path = _tmp_path(".plotly.json")
        with open(path, "w", encoding="utf-8") as f:
            f.write(dumps_safer(_arrays_to_lists(val.to_plotly_json())))
        self._set_file(path, is_tmp=True, extension=".plotly.json")

    @classmethod
    def get_media_subdir(cls) -> str:
        return os.path.join("media", "plotly")

    def to_json(self, run_or_artifact: Any) -> dict:
        json_dict = super().to_json(run_or_artifact)
        json_dict["_type"] = self._log_type
        return json_dict
