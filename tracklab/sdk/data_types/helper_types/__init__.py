"""Overlays and labels attached to images (wandb's `wandb.sdk.data_types.helper_types`)."""
