"""`wandb.integration.dspy`: `WandbDSPyCallback` for DSPy evaluations.

The local part: DSPy calls the callback around `dspy.Evaluate`; each evaluation's score is logged
as `score` and (with `log_results`) its per-example results as a `predictions_<n>` table;
`log_best_model(program)` saves the program's state as a `model` artifact. The language models
DSPy calls are DSPy's business; nothing here talks to W&B's cloud.
"""

from __future__ import annotations

import json
import os
import tempfile
from typing import Any

from tracklab.integration._requires import lazy_names, require


def _build_callback() -> type:
    base = require("dspy", "dspy", "dspy").utils.BaseCallback

    class WandbDSPyCallback(base):  # type: ignore[misc, valid-type]
        """Log DSPy evaluation scores (and result tables) to `run` or the current run."""

        def __init__(self, log_results: bool = True, run: Any = None) -> None:
            import tracklab

            if run is None:
                if tracklab.run is None:
                    raise tracklab.Error("You must call `wandb.init()` before instantiating WandbDSPyCallback().")
                run = tracklab.run
            self.log_results = log_results
            self._run = run
            self._row_idx = 0

        def on_evaluate_end(self, call_id: str, outputs: Any, exception: Exception | None = None) -> None:
            if exception is not None or outputs is None:
                return
            score = getattr(outputs, "score", outputs if isinstance(outputs, (int, float)) else None)
            row: dict[str, Any] = {} if score is None else {"score": float(score)}
            results = getattr(outputs, "results", None)
            if self.log_results and results:
                row[f"predictions_{self._row_idx}"] = _results_table(results)
            if row:
                self._run.log(row)
            self._row_idx += 1

        def log_best_model(self, program: Any, save_program: bool = True, save_dir: str | None = None,
                           filetype: str = "json", aliases: Any = ("best", "latest"),
                           artifact_name: str = "dspy-program") -> None:
            import tracklab

            folder = save_dir or tempfile.mkdtemp()
            path = os.path.join(folder, f"program.{filetype}")
            program.save(path, save_program=False) if not save_program else program.save(path)
            artifact = tracklab.Artifact(artifact_name, type="model")
            artifact.add_file(path) if os.path.isfile(path) else artifact.add_dir(path)
            self._run.log_artifact(artifact, aliases=list(aliases))

    return WandbDSPyCallback


def _results_table(results: Any) -> Any:
    import tracklab

    rows = []
    for example, prediction, correct in results:
        rows.append([json.dumps(dict(example), default=str), json.dumps(dict(prediction), default=str),
                     bool(correct) if isinstance(correct, bool) else correct])
    return tracklab.Table(columns=["example", "prediction", "is_correct"], data=rows)


lazy_names(globals(), {"WandbDSPyCallback": _build_callback})
__all__ = ["WandbDSPyCallback"]
