"""`Histogram`: bin counts and edges, stored inline in the history row."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .base_types.wb_value import WBValue


class Histogram(WBValue):
    """A histogram made from a sequence (numpy bins it) or from `np.histogram` output.

    Logged as ``{"_type": "histogram", "values": counts, "bins": edges}``.
    """

    #: wandb rejects histograms with more bins than this.
    MAX_LENGTH: int = 512
    _log_type = "histogram"

    def __init__(
        self,
        sequence: Sequence | None = None,
        np_histogram: tuple[Any, Any] | None = None,
        num_bins: int = 64,
    ) -> None:
        super().__init__()
        if np_histogram:
            if len(np_histogram) != 2:
                raise ValueError(
                    "Expected np_histogram to be a tuple of (values, bin_edges) or sequence to be specified"
                )
            counts, edges = np_histogram
            self.histogram = counts.tolist() if hasattr(counts, "tolist") else counts
            self.bins = edges.tolist() if hasattr(edges, "tolist") else edges
        else:
            import numpy as np

            counts, edges = np.histogram(sequence, bins=num_bins)
            self.histogram = counts.tolist()
            self.bins = edges.tolist()

        if len(self.histogram) > self.MAX_LENGTH:
            raise ValueError(f"The maximum length of a histogram is {self.MAX_LENGTH}")
        if len(self.histogram) + 1 != len(self.bins):
            raise ValueError("len(bins) must be len(histogram) + 1")

    def to_json(self, run: Any = None) -> dict:
        return {"_type": self._log_type, "values": self.histogram, "bins": self.bins}
