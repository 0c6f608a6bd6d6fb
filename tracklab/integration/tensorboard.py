"""`wandb.tensorboard` / `wandb.integration.tensorboard` / `tracklab.tensorboard`: TensorBoard
sync. It lives in `tracklab.sdk.tensorboard`, because `init(sync_tensorboard=True)` starts it."""

from tracklab.sdk.tensorboard import flush_pending, is_patched, patch, unpatch

__all__ = ["patch", "unpatch", "is_patched", "flush_pending"]
