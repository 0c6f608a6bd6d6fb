"""`wandb.integration.openai.fine_tuning`: `WandbLogger.sync()` for OpenAI fine-tuning jobs.

wandb's logger reads a job's metrics and files from OpenAI's API. TrackLab keeps everything local
and does not call OpenAI: `sync()` raises an error saying so. Log the job's metrics yourself
(`wandb.log`) from the result file you download, and they land in your store as usual.
"""

from __future__ import annotations

from typing import Any

from tracklab.integration._requires import not_available


class WandbLogger:
    """wandb's OpenAI fine-tuning logger; `sync()` is not available with TrackLab."""

    _wandb_api: Any = None
    _logged_in: bool = False
    openai_client: Any = None

    @classmethod
    def sync(cls, fine_tune_job_id: str | None = None, openai_client: Any = None, num_fine_tunes: int | None = None,
             project: str = "OpenAI-Fine-Tune", entity: str | None = None, overwrite: bool = False,
             wait_for_job_success: bool = True, log_datasets: bool = True,
             model_artifact_name: str = "model-metadata", model_artifact_type: str = "model",
             **kwargs_wandb_init: Any) -> str:
        """Not available: it reads fine-tuning jobs from OpenAI's API."""
        raise not_available("openai", "WandbLogger.sync()",
                            "it reads fine-tuning jobs from OpenAI's API, and TrackLab makes no remote calls; "
                            "download the job's result file and log its rows with wandb.log()")

    @staticmethod
    def sanitize(input: Any) -> Any:
        """JSON-friendly copy of `input` (dicts and lists kept, other values as strings), as wandb does."""
        if isinstance(input, dict):
            return {str(k): WandbLogger.sanitize(v) for k, v in input.items()}
        if isinstance(input, list):
            return [WandbLogger.sanitize(v) for v in input]
        return input if isinstance(input, (int, float, str, bool)) or input is None else str(input)


__all__ = ["WandbLogger"]
