"""TensorBoard `Summary` protos to wandb log values (wandb's `tf_summary_to_dict` rules)."""

from __future__ import annotations

import io
import re
from typing import Any

IGNORE_KINDS = ("graphs",)


def namespaced(tag: str, namespace: str) -> str:
    return f"{namespace}/{tag}" if namespace else tag


def summary_values(summary: Any, namespace: str = "") -> dict[str, Any]:
    """`{tag: value}` for the scalars, histograms and images of one summary."""
    values: dict[str, Any] = {}
    for value in summary.value:
        kind = value.WhichOneof("value")
        if kind in IGNORE_KINDS:
            continue
        tag = namespaced(value.tag, namespace)
        if kind == "simple_value":
            values[tag] = float32_value(value.simple_value)
        elif kind == "histo":
            _add_histo(values, tag, value.histo)
        elif kind == "image":
            _add_images(values, value.tag, namespace, [value.image.encoded_image_string])
        elif kind == "tensor":
            _tensor(values, value, tag, namespace)
    return values


def float32_value(value: float) -> float:
    """A float32 read from a proto, as its shortest decimal (0.1, not 0.10000000149011612), as wandb shows it."""
    import numpy as np

    return float(str(np.float32(value)))


def _tensor(values: dict[str, Any], value: Any, tag: str, namespace: str) -> None:
    plugin = value.metadata.plugin_data.plugin_name
    if plugin in ("scalars", ""):
        array = _ndarray(value.tensor)
        if array is not None and array.size == 1:
            values[tag] = array.item()  # wandb keeps a tensor's float32 as its exact double
        elif array is not None:
            values[tag] = array
    elif plugin == "images":
        _add_images(values, value.tag, namespace, list(value.tensor.string_val[2:]))
    elif plugin == "histograms":
        array = _ndarray(value.tensor)
        if array is None or len(array) == 0:
            return
        if array.shape[0] > 1:
            counts, bins = [row[2] for row in array], [array[0][0], *[row[1] for row in array]]
        else:
            counts, bins = [array[0][2]], list(array[0][:2])
        _add_histogram(values, tag, counts, bins)


def _ndarray(tensor: Any) -> Any:
    from tensorboard.util import tensor_util

    array = tensor_util.make_ndarray(tensor)
    return None if array.dtype == "object" else array


def _add_histo(values: dict[str, Any], tag: str, histo: Any) -> None:
    """A `histo` summary: its bucket limits are the edges; bucket 0 (up to the first limit) joins bucket 1."""
    edges = list(histo.bucket_limit)
    counts = list(histo.bucket)
    if len(edges) < 2:
        from tracklab.sdk._terminal import termwarn

        termwarn(f"Not logging key {tag!r}. Found a histogram with only {len(edges)} bins.")
        return
    counts = [counts[0] + counts[1], *counts[2:]]
    _add_histogram(values, tag, counts, edges)


def _add_histogram(values: dict[str, Any], tag: str, counts: list[Any], bins: list[Any]) -> None:
    from tracklab.sdk.data_types import Histogram

    if len(counts) > Histogram.MAX_LENGTH:  # merge neighbours rather than drop the histogram
        group = -(-len(counts) // Histogram.MAX_LENGTH)
        counts = [sum(counts[i:i + group]) for i in range(0, len(counts), group)]
        bins = [*bins[:-1:group], bins[-1]]
    try:
        values[tag] = Histogram(np_histogram=([float(c) for c in counts], [float(b) for b in bins]))
    except ValueError:
        from tracklab.sdk._terminal import termwarn

        termwarn(f"Not logging key {tag!r}. Histograms must have fewer than {Histogram.MAX_LENGTH} bins")


def _add_images(values: dict[str, Any], tag: str, namespace: str, encoded: list[bytes]) -> None:
    images = [image_from_png(data) for data in encoded if data and not data.startswith(b"GIF")]
    if not images:
        return
    head, _, index = tag.rpartition("/")
    if head and index.isdigit():
        values.setdefault(namespaced(re.sub(r"[/\\]", "_", head), namespace), []).extend(images)
    else:
        values[namespaced(re.sub(r"[/\\]", "_", tag), namespace)] = images


def image_from_png(data: bytes) -> Any:
    """A TrackLab Image from an encoded image string."""
    from PIL import Image as PILImage

    from tracklab.sdk.data_types import Image

    return Image(PILImage.open(io.BytesIO(data)))
