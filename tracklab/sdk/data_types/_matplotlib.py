"""Turning matplotlib objects into figures, plotly figures or PNG bytes."""

from __future__ import annotations

from typing import Any

from ._json import _typename


def _patch_spine_is_frame_like() -> None:
    # plotly's mpl_to_plotly still calls Spine.is_frame_like, which matplotlib
    # removed; wandb restores it, and so must we or the conversion fails.
    from matplotlib.spines import Spine

    if getattr(Spine, "_tracklab_patched", False):
        return

    def is_frame_like(self: Any) -> bool:
        position = self._position or ("outward", 0.0)
        if isinstance(position, str):
            position = {"center": ("axes", 0.5), "zero": ("data", 0)}.get(position, position)
        if len(position) != 2:
            raise ValueError("position should be 2-tuple")
        kind, amount = position
        return bool(kind == "outward" and amount == 0)

    Spine.is_frame_like = is_frame_like
    Spine._tracklab_patched = True


def ensure_figure(obj: Any) -> Any:
    """The `Figure` behind `obj` (pyplot itself, a figure, or an artist with `.figure`)."""
    from matplotlib.figure import Figure

    _patch_spine_is_frame_like()
    if _typename(obj) == "matplotlib.pyplot":
        return obj.gcf()
    if not isinstance(obj, Figure) and hasattr(obj, "figure"):
        fig = obj.figure
        if not isinstance(fig, Figure):
            raise ValueError(
                "Only matplotlib.pyplot or matplotlib.pyplot.Figure objects are accepted."
            )
        return fig
    return obj


def contains_images(obj: Any) -> bool:
    """Whether any axes of the figure shows an image (plotly cannot convert those)."""
    return any(len(ax.images) > 0 for ax in ensure_figure(obj).axes)


def to_plotly(obj: Any) -> Any:
    """A plotly figure converted from a matplotlib one (needs plotly)."""
    fig = ensure_figure(obj)
    try:
        import plotly.tools
    except ImportError as e:
        raise ImportError(
            "plotly is required to log interactive plots, install with: "
            "`pip install plotly` or convert the plot to an image with `wandb.Image(plt)`"
        ) from e
    return plotly.tools.mpl_to_plotly(fig)
