"""The figures beyond the workload table: cold imports, TrackLab's init on a new vs an existing
store, the peak RSS of TrackLab's processes by run length, and several processes starting at
once on a store that does not exist yet."""

from __future__ import annotations

import os
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from typing import Any

from bench.contenders import by_name, python_path
from bench.harness import collect, run_contender, start_child


def cold_import_seconds(module: str | None) -> float:
    """Wall time of a whole `python -c "import X"` process (`pass` for None)."""
    env = dict(os.environ, PYTHONPATH=python_path())
    code = f"import {module}" if module else "pass"
    began = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], check=True, env=env, cwd=tempfile.gettempdir(),
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - began


def cold_imports(modules: list[str | None], repeats: int = 5) -> dict[str, float]:
    """Median cold-import wall time per module; rounds interleave the modules so that noise on
    the machine hits them alike. The key "python" is the bare interpreter."""
    times: dict[str, list[float]] = {m or "python": [] for m in modules}
    for _ in range(repeats):
        for module in modules:
            times[module or "python"].append(cold_import_seconds(module))
    return {name: statistics.median(values) for name, values in times.items()}


def init_new_vs_existing(repeats: int, steps: int = 100) -> dict[str, Any]:
    """TrackLab's init() (and finish) on a store that does not exist yet, then again on the same
    store once it exists; medians over `repeats` fresh folders."""
    contender = by_name("tracklab")
    new: list[dict[str, Any]] = []
    existing: list[dict[str, Any]] = []
    for _ in range(repeats):
        tmp = tempfile.mkdtemp(prefix="bench-init-")
        try:
            for label, into in (("new", new), ("existing", existing)):
                out = os.path.join(tmp, f"result-{label}.json")
                into.append(collect(start_child(contender, steps, tmp, out, read_back=False, check=False), out))
        finally:
            shutil.rmtree(tmp, ignore_errors=True)

    def median(results: list[dict[str, Any]], key: str) -> float:
        return statistics.median(r[key] for r in results)

    return {"repeats": repeats, "steps": steps,
            "new_init_s": median(new, "init_s"), "new_finish_s": median(new, "finish_s"),
            "existing_init_s": median(existing, "init_s"), "existing_finish_s": median(existing, "finish_s")}


def process_memory(steps: list[int], template: str, repeats: int = 1) -> dict[str, Any]:
    """Peak RSS of TrackLab's training process and of its writer, for runs of each length in
    `steps` (x 10 scalars) on an existing store; rounds interleave the lengths, medians."""
    contender = by_name("tracklab_existing")
    found: dict[int, list[dict[str, Any]]] = {n: [] for n in steps}
    for _ in range(repeats):
        for n in steps:
            found[n].append(run_contender(contender, n, template, read_back=False, check=False))
    return {"repeats": repeats, "runs": [
        {"steps": n, "points": n * 10, **{key: statistics.median(r[key] for r in results)
                                          for key in ("rss_mb", "children_rss_mb", "points_per_s")}}
        for n, results in found.items()]}


def count_points(db: str) -> dict[str, Any]:
    """Rows in the metrics table, runs and their statuses, in a TrackLab store."""
    with sqlite3.connect(db, timeout=60) as conn:
        points = conn.execute("SELECT COUNT(*) FROM metrics").fetchone()[0]
        statuses = [row[0] for row in conn.execute("SELECT status FROM runs")]
    return {"points": points, "runs": len(statuses), "finished_runs": statuses.count("FINISHED")}


def concurrency(processes: int = 8, steps: int = 10_000) -> dict[str, Any]:
    """`processes` TrackLab runs started at once on one store that does not exist yet."""
    contender = by_name("tracklab")
    tmp = tempfile.mkdtemp(prefix="bench-concurrency-")
    try:
        outs = [os.path.join(tmp, f"result-{i}.json") for i in range(processes)]
        began = time.perf_counter()
        children = [start_child(contender, steps, tmp, out, read_back=False, check=False) for out in outs]
        results, errors = [], []
        for child, out in zip(children, outs):
            try:
                results.append(collect(child, out))
            except Exception as exc:  # a child that died is a finding, not a crash of the benchmark
                errors.append(str(exc)[-300:])
        wall = time.perf_counter() - began
        db = os.path.join(tmp, "tracklab", "mlflow.db")
        landed = count_points(db) if os.path.exists(db) else {"points": 0, "runs": 0, "finished_runs": 0}
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return {
        "processes": processes, "steps": steps, "expected_points": processes * steps * 10, **landed,
        "failed": len(errors), "errors": errors, "wall_s": wall,
        "per_process": [{k: r[k] for k in ("log_p50_us", "log_p99_us", "log_max_us", "init_s", "finish_s")}
                        for r in results],
        "worst_p50_us": max((r["log_p50_us"] for r in results), default=float("nan")),
        "worst_p99_us": max((r["log_p99_us"] for r in results), default=float("nan")),
        "worst_max_us": max((r["log_max_us"] for r in results), default=float("nan")),
        "worst_finish_s": max((r["finish_s"] for r in results), default=float("nan")),
    }

