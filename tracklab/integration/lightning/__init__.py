"""`wandb.integration.lightning`: Lightning Fabric's logger lives in `.fabric` (`WandbLogger`)."""
