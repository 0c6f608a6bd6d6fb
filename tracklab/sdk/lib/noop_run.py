"""`wandb.sdk.lib.noop_run.NoopRun`: what `init(mode="disabled")` returns (a `Run` that does nothing)."""

from tracklab.sdk._noop_run import NoopRun

__all__ = ["NoopRun"]
