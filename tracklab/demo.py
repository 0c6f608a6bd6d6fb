"""A small demo run: what a training script logs, without needing a GPU or a dataset."""

from __future__ import annotations

import math
import random


def run_demo(project: str = "tracklab-demo", steps: int = 200) -> str:
    """Log scalars, a config, a summary and a few media; return the run path."""
    import tracklab

    run = tracklab.init(project=project, config={"lr": 3e-4, "optimizer": {"name": "adam", "betas": [0.9, 0.999]},
                                                 "epochs": 4}, tags=["demo"], job_type="train")
    rng = random.Random(0)
    for step in range(steps):
        progress = step / max(steps - 1, 1)
        run.log({"train/loss": math.exp(-3 * progress) + 0.05 * rng.random(),
                 "train/acc": 1 - math.exp(-4 * progress) * 0.9,
                 "lr": 3e-4 * (1 - progress)})
        if step % 50 == 49:
            run.log({"val/loss": math.exp(-3 * progress) + 0.1, "epoch": step // 50}, commit=False)
    try:
        import numpy as np

        pixels = (np.indices((64, 64)).sum(axis=0) % 32 * 8).astype("uint8")
        run.log({"samples": tracklab.Image(pixels, caption="a gradient"),
                 "predictions": tracklab.Table(columns=["id", "label"], data=[[0, "cat"], [1, "dog"]])})
    except ImportError:
        pass
    run.summary["best_val_loss"] = 0.16
    run.finish()
    return run.path
