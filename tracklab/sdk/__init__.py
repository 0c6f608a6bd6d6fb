"""The SDK layer: Run, Config, Summary, Settings (wandb's `wandb.sdk`)."""
