"""A point in a run's history (`wandb.sdk.lib.run_moment.RunMoment`): what `fork_from` and
`resume_from` name, written `<run id>?_step=<value>`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Union
from urllib.parse import parse_qsl, urlparse

#: The only metric a moment may be given in (wandb's rule).
METRIC = "_step"


@dataclass(frozen=True)
class RunMoment:
    """`run` at `metric` (always `_step`) = `value`."""

    run: str
    value: Union[int, float]
    metric: str = METRIC

    def __post_init__(self) -> None:
        if not isinstance(self.run, str):
            raise ValueError(f"RunMoment: run must be a string (a run id), got {self.run!r}")
        if self.metric != METRIC:
            raise ValueError(f"RunMoment: metric {self.metric!r} is not supported (rule: only {METRIC!r})")
        if isinstance(self.value, bool) or not isinstance(self.value, (int, float)):
            raise ValueError(f"RunMoment: value must be a number, got {self.value!r}")

    @classmethod
    def from_uri(cls, uri: str) -> "RunMoment":
        """Parse `<run id>?_step=<number>`; anything else raises ValueError naming the rule."""
        rule = f"a run moment is written '<run id>?{METRIC}=<number>'"
        parsed = urlparse(uri)
        if parsed.scheme or parsed.netloc or parsed.fragment or parsed.params or "/" in parsed.path:
            raise ValueError(f"invalid run moment {uri!r} ({rule})")
        query = parse_qsl(parsed.query, keep_blank_values=True)
        if not parsed.path or len(query) != 1 or query[0][0] != METRIC:
            raise ValueError(f"invalid run moment {uri!r} ({rule})")
        text = query[0][1]
        try:
            value: Union[int, float] = int(text)
        except ValueError:
            try:
                value = float(text)
            except ValueError:
                raise ValueError(f"invalid run moment {uri!r}: {text!r} is not a number ({rule})") from None
        return cls(run=parsed.path, value=value, metric=METRIC)

    def __str__(self) -> str:
        return f"{self.run}?{self.metric}={self.value}"
