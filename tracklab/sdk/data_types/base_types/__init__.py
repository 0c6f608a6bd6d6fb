"""Base classes of the data types (wandb's `wandb.sdk.data_types.base_types`)."""
