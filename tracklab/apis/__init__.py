"""Read-back APIs (`tracklab.Api()`, wandb's `wandb.apis.public`)."""
