"""`wandb.integration.openai`: OpenAI fine-tuning sync lives in `.fine_tuning` (`WandbLogger`)."""
