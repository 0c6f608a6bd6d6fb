"""Sweeps: on a known objective with the same budget, bayes (TPE) against random, over seeds.

Run: python bench/bench_sweeps.py [--seeds 10] [--budget 40]
"""

from __future__ import annotations

import argparse
import math
import os
import statistics
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import optuna  # noqa: E402

from tracklab.sweeps import parse  # noqa: E402
from tracklab.sweeps._optuna import make_sampler  # noqa: E402

PARAMETERS = {"x": {"min": -5.0, "max": 5.0}, "y": {"min": -5.0, "max": 5.0},
              "lr": {"distribution": "log_uniform_values", "min": 1e-5, "max": 1.0}}


def objective(values: dict) -> float:
    """A bowl with its minimum 0 at x=1.3, y=-0.7, lr=1e-3."""
    return (values["x"] - 1.3) ** 2 + (values["y"] + 0.7) ** 2 + (math.log10(values["lr"]) + 3) ** 2


def best_value(method: str, seed: int, budget: int) -> float:
    spec = parse({"method": method, "metric": {"name": "f", "goal": "minimize"}, "parameters": PARAMETERS})
    study = optuna.create_study(sampler=make_sampler(spec, seed))
    for _ in range(budget):
        trial = study.ask()
        study.tell(trial, objective({p.name: p.suggest(trial) for p in spec.searched}))
    return study.best_value


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--budget", type=int, default=40)
    args = parser.parse_args()
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    results = {m: [best_value(m, seed, args.budget) for seed in range(args.seeds)] for m in ("bayes", "random")}
    for method, values in results.items():
        print(f"{method:7s} best value over {args.seeds} seeds x {args.budget} trials: "
              f"median {statistics.median(values):.4f}, mean {statistics.mean(values):.4f}")
    wins = sum(b < r for b, r in zip(results["bayes"], results["random"]))
    print(f"bayes better than random in {wins}/{args.seeds} seeds; median ratio bayes/random "
          f"{statistics.median(results['bayes']) / statistics.median(results['random']):.3f}")


if __name__ == "__main__":
    main()
