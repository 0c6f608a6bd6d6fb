"""`wandb.integration.torch`: the helpers behind `watch()` live in `.wandb_torch`."""
