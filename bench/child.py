"""One contender's workload, in a process of its own (its import, init and peak RSS are its own).

    python -m bench.child NAME --steps N --tmp DIR --out RESULT.json [--no-read-back] [--no-check]

Logging contenders: import, init, N x log({10 float scalars}) with perf_counter_ns around each
call, finish; bulk floors: build the rows, then one timed transaction. Then, untimed for the
workload: read the history back (timed on its own, twice: first and warm) and the contender's readiness check.
The result is one JSON object written to --out.
"""

from __future__ import annotations

import argparse
import array
import json
import resource
import time
from typing import Any

KEYS = tuple(f"m{j}" for j in range(10))


def percentile(ordered: list[int], fraction: float) -> int:
    """The value at `fraction` of an ascending list (nearest rank)."""
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def latency_figures(latencies_ns: array.array) -> dict[str, float]:
    """p50 / p99 / max / mean of per-call latencies, in microseconds."""
    ordered = sorted(latencies_ns)
    return {
        "log_p50_us": percentile(ordered, 0.50) / 1e3,
        "log_p99_us": percentile(ordered, 0.99) / 1e3,
        "log_max_us": ordered[-1] / 1e3,
        "log_mean_us": sum(ordered) / len(ordered) / 1e3,
    }


def peak_rss() -> dict[str, float]:
    """Peak RSS of this process, and of its waited-for children (TrackLab's writer), in MB."""
    return {
        "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "children_rss_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
    }


def run_logging(adapter: Any, steps: int) -> dict[str, Any]:
    """import, init, the timed log loop, finish."""
    clock = time.perf_counter
    ns = time.perf_counter_ns
    began = clock()
    adapter.load()
    imported = clock()
    adapter.start()
    started = clock()
    log = adapter.log
    latencies = array.array("q", bytes(8 * steps))
    for step in range(steps):
        row = {key: step * 1e-3 + j for j, key in enumerate(KEYS)}
        before = ns()
        log(row)
        latencies[step] = ns() - before
    looped = clock()
    adapter.finish()
    finished = clock()
    adapter.wait_for_helpers()  # untimed: so that their peak RSS is counted
    return {
        "import_s": imported - began,
        "init_s": started - imported,
        "loop_s": looped - started,
        "finish_s": finished - looped,
        "total_s": finished - imported,
        "points_per_s": steps * len(KEYS) / (finished - started),
        **latency_figures(latencies),
        **peak_rss(),
    }


def run_bulk(adapter: Any, steps: int) -> dict[str, Any]:
    """A raw floor: rows built untimed, one timed transaction."""
    adapter.prepare(steps)
    began = time.perf_counter()
    adapter.insert()
    took = time.perf_counter() - began
    return {"total_s": took, "points_per_s": steps * len(KEYS) / took, **peak_rss()}


def timed_read_back(adapter: Any, steps: int) -> dict[str, Any]:
    """Read the history back twice: the first read pays the reader's imports, the second not."""
    clock = time.perf_counter
    began = clock()
    rows = adapter.read_back(steps)
    first = clock()
    adapter.read_back(steps)
    warm = clock()
    return {"read_back_s": first - began, "read_back_warm_s": warm - first, "read_back_rows": rows,
            "read_back_ok": rows == steps}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.child")
    parser.add_argument("name")
    parser.add_argument("--steps", type=int, required=True)
    parser.add_argument("--tmp", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--no-read-back", dest="read_back", action="store_false")
    parser.add_argument("--no-check", dest="check", action="store_false")
    args = parser.parse_args(argv)

    from bench.contenders import ADAPTERS, by_name

    contender = by_name(args.name)
    adapter = ADAPTERS[contender.adapter](args.tmp)
    result: dict[str, Any] = {"name": args.name, "steps": args.steps}
    result.update(run_bulk(adapter, args.steps) if contender.bulk else run_logging(adapter, args.steps))
    if args.read_back:
        result.update(timed_read_back(adapter, args.steps))
    if args.check:
        result["check"] = adapter.check(args.steps)
    with open(args.out, "w") as handle:
        json.dump(result, handle)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
