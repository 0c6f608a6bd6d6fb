"""wandb's `wandb.sdk.interface` names that code outside wandb's service imports."""
