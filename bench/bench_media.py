"""Media: logging one 256x256 RGB image per step, TrackLab against wandb offline.

Run: python bench/bench_media.py [--steps 200] [--rounds 3] [--same]

Each contender runs in a fresh process of its own (as bench/run.py's children do): import,
init, then per step `Image(np_array)` and `log({"img": image, "loss": x})`, each timed with
perf_counter_ns, then finish. The pictures are made before the clock starts (random noise,
the worst case for PNG; `--same` logs one picture every step). Rounds alternate the
contenders; the figures printed are the medians over rounds.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from bench.child import percentile  # noqa: E402

CONTENDERS = ("tracklab", "wandb")
FIGURES = ("construct_p50_us", "log_p50_us", "step_p50_us", "step_p99_us", "loop_s", "finish_s", "init_s")


def _child(name: str, steps: int, same: bool, tmp: str) -> dict[str, float]:
    """One contender's timed loop (runs in the child process)."""
    import numpy as np

    rng = np.random.default_rng(0)
    first = rng.integers(0, 256, (256, 256, 3), dtype=np.uint8)
    pictures = [first if same else rng.integers(0, 256, (256, 256, 3), dtype=np.uint8) for _ in range(steps)]
    began = time.perf_counter()
    if name == "wandb":
        import wandb as lib

        run = lib.init(project="bench-media", mode="offline", dir=tmp)
    else:
        import tracklab as lib

        run = lib.init(project="bench-media")
    started = time.perf_counter()
    ns = time.perf_counter_ns
    construct, log, step_total = [], [], []
    for step, pixels in enumerate(pictures):
        t0 = ns()
        image = lib.Image(pixels)
        t1 = ns()
        run.log({"img": image, "loss": 1.0 / (step + 1)})
        t2 = ns()
        construct.append(t1 - t0)
        log.append(t2 - t1)
        step_total.append(t2 - t0)
    looped = time.perf_counter()
    run.finish()
    finished = time.perf_counter()
    construct.sort(), log.sort(), step_total.sort()
    return {
        "construct_p50_us": percentile(construct, 0.5) / 1e3,
        "log_p50_us": percentile(log, 0.5) / 1e3,
        "step_p50_us": percentile(step_total, 0.5) / 1e3,
        "step_p99_us": percentile(step_total, 0.99) / 1e3,
        "loop_s": looped - started,
        "finish_s": finished - looped,
        "init_s": started - began,
    }


def _run_child(name: str, steps: int, same: bool) -> dict[str, float]:
    with tempfile.TemporaryDirectory(prefix=f"bench-media-{name}-") as tmp:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("WANDB_", "TRACKLAB_", "MLFLOW_"))}
        env.update({"WANDB_SILENT": "true", "WANDB_DIR": tmp, "TRACKLAB_DIR": os.path.join(tmp, "tracklab"),
                    "PYTHONPATH": ROOT, "TRACKLAB_UI": "0"})
        command = [sys.executable, os.path.abspath(__file__), "--child", name, "--steps", str(steps), "--tmp", tmp]
        if same:
            command.append("--same")
        done = subprocess.run(command, cwd=tmp, env=env, capture_output=True, text=True, timeout=900)
        if done.returncode != 0:
            raise RuntimeError(f"{name} child failed:\n{done.stdout}\n{done.stderr}")
        return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--steps", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--same", action="store_true", help="log one picture at every step")
    parser.add_argument("--child", choices=CONTENDERS, help=argparse.SUPPRESS)
    parser.add_argument("--tmp", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(_child(args.child, args.steps, args.same, args.tmp)))
        return

    results: dict[str, list[dict[str, float]]] = {name: [] for name in CONTENDERS}
    for _ in range(args.rounds):
        for name in CONTENDERS:
            results[name].append(_run_child(name, args.steps, args.same))
    medians = {name: {f: statistics.median(r[f] for r in rounds) for f in FIGURES} for name, rounds in results.items()}
    picture = "one picture" if args.same else "a new random picture"
    print(f"{args.steps} steps of 256x256 RGB ({picture} per step), median of {args.rounds} rounds")
    print(f"{'figure':<18}" + "".join(f"{name:>12}" for name in CONTENDERS) + f"{'ratio':>8}")
    for figure in FIGURES:
        ours, theirs = medians["tracklab"][figure], medians["wandb"][figure]
        ratio = ours / theirs if theirs else float("nan")
        print(f"{figure:<18}{ours:>12.1f}{theirs:>12.1f}{ratio:>8.2f}")


if __name__ == "__main__":
    main()
