"""`wandb.integration.huggingface`: `autolog()` for transformers pipelines.

After `autolog()`, each call of a supported `Pipeline` logs a table under the task's name
(`text-classification`, ...; `$WANDB_AUTOLOG_TABLE_NAME` overrides it) with the columns
`ID, Model Alias, Timestamp, Elapsed Time, Input, Response, Kwargs`, one row per input.
"""

from __future__ import annotations

import logging
import os
import secrets
import string
from datetime import datetime, timezone
from typing import Any, Sequence

from tracklab.integration._autolog import AutologAPI

logger = logging.getLogger(__name__)

SUPPORTED_PIPELINE_TASKS = ["text-classification", "sentiment-analysis", "question-answering", "summarization",
                            "translation", "text2text-generation", "text-generation"]
PIPELINES_WITH_TOP_K = ["text-classification", "sentiment-analysis", "question-answering"]
COLUMNS = ["ID", "Model Alias", "Timestamp", "Elapsed Time", "Input", "Response", "Kwargs"]


def _random_id(length: int = 16) -> str:
    alphabet = string.ascii_lowercase + string.digits
    return "".join(secrets.choice(alphabet) for _ in range(length))


class HuggingFacePipelineRequestResponseResolver:
    """Turns a pipeline call into the table `autolog` logs."""

    autolog_id: str | None = None

    def __call__(self, args: Sequence[Any], kwargs: dict[str, Any], response: Any, start_time: float,
                 time_elapsed: float) -> dict[str, Any] | None:
        import tracklab

        pipe, inputs = args[0], args[1] if len(args) > 1 else kwargs.pop("inputs", None)
        task = pipe.task
        if task not in SUPPORTED_PIPELINE_TASKS and not task.startswith("translation"):
            logger.warning(f"The task: `{task}` is not yet supported.")
            return None
        model = getattr(pipe.model, "model", pipe.model)
        inputs = inputs if isinstance(inputs, list) else [inputs]
        if task == "question-answering":
            inputs = [vars(item) if hasattr(item, "__dict__") else item for item in inputs]
        responses = response if isinstance(response, list) else [response]
        self.autolog_id = _random_id()
        timestamp = datetime.now(timezone.utc)
        data = []
        for item, answer in zip(inputs, responses, strict=False):
            if isinstance(answer, list) and len(answer) == 1 and task not in PIPELINES_WITH_TOP_K:
                answer = answer[0]
            data.append([self.autolog_id, model.name_or_path, timestamp, time_elapsed, item, answer, kwargs])
        name = os.environ.get("WANDB_AUTOLOG_TABLE_NAME", task)
        return {name: tracklab.Table(columns=COLUMNS, data=data)}

    def get_latest_id(self) -> str | None:
        return self.autolog_id


resolver = HuggingFacePipelineRequestResponseResolver()
autolog = AutologAPI(name="transformers", symbols=("Pipeline.__call__",), resolver=resolver)
autolog.get_latest_id = resolver.get_latest_id  # type: ignore[attr-defined]

__all__ = ["autolog"]
