"""Bringing wandb's offline runs (`wandb/offline-run-*`) into the MLflow store."""

from tracklab.wandb_import.importer import find_run_files, import_run

__all__ = ["find_run_files", "import_run"]
