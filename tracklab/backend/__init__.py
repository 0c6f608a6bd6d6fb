"""The backend: the run log the training process appends to, the writer that moves it into
MLflow, and the one module that maps wandb concepts onto MLflow (`mapping`)."""
