"""CPU cost of system-metrics sampling: the gpu_stats binary vs the psutil fallback.

Runs each sampler at --interval (default 2 s) for --duration (default 20 s) against this
process and reports its CPU use as a percentage of one core (utime + stime over wall time).
Target for the binary: < 1 %.

    python bench/bench_system_metrics.py [--interval 2] [--duration 20]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tracklab.system_metrics import find_binary  # noqa: E402
from tracklab.system_metrics.names import to_metrics  # noqa: E402

TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """CPU time of pid: nanoseconds from /proc/<pid>/schedstat, else utime + stime ticks.

    The binary uses so little CPU that 10 ms ticks would round it to zero.
    """
    try:
        with open(f"/proc/{pid}/schedstat") as f:
            return int(f.read().split()[0]) / 1e9
    except (OSError, ValueError, IndexError):
        pass
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS  # fields 14 and 15 of proc(5)


def bench_binary(binary: str, interval: float, duration: float) -> dict[str, float]:
    """Runs gpu_stats as SystemMonitor would and measures the child's CPU time."""
    cmd = [binary, "--pid", str(os.getpid()), "--interval", str(interval)]
    cmd += ["--parent-pid", str(os.getpid())]
    started = time.monotonic()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    assert proc.stdout is not None
    samples = []
    while time.monotonic() - started < duration:
        samples.append(json.loads(proc.stdout.readline()))
    used = cpu_seconds(proc.pid)  # before kill: the process must still exist
    wall = time.monotonic() - started
    proc.kill()
    proc.wait()
    return {
        "cpu_percent": used / wall * 100,
        "samples": len(samples),
        "wall_s": wall,
        "last_sample": samples[-1],
    }


def fallback_worker(pid: int, interval: float, duration: float) -> None:
    """Child mode: sample with psutil and report this process's CPU time as JSON."""
    from tracklab.system_metrics.fallback import FallbackSampler

    started = time.monotonic()
    cpu0 = time.process_time()  # includes importing psutil and pynvml, as in a real run
    sampler = FallbackSampler(pid)
    n = 0
    while time.monotonic() - started < duration:
        time.sleep(interval)
        sampler.sample()
        n += 1
    wall = time.monotonic() - started
    print(
        json.dumps(
            {"cpu_percent": (time.process_time() - cpu0) / wall * 100, "samples": n, "wall_s": wall}
        )
    )


def bench_fallback(interval: float, duration: float) -> dict[str, float]:
    """Runs the psutil sampler in its own process so its CPU time is isolated."""
    out = subprocess.run(
        [
            sys.executable,
            __file__,
            "--worker",
            str(os.getpid()),
            "--interval",
            str(interval),
            "--duration",
            str(duration),
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout)


def bench_conversion(sample: dict, repeat: int = 2000) -> float:
    """Microseconds per to_metrics() call: the Python-side cost per binary sample."""
    started = time.perf_counter()
    for _ in range(repeat):
        to_metrics(sample)
    return (time.perf_counter() - started) / repeat * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--interval", type=float, default=2.0)
    parser.add_argument("--duration", type=float, default=20.0)
    parser.add_argument("--worker", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        fallback_worker(args.worker, args.interval, args.duration)
        return

    binary = find_binary()
    if binary is None:
        sys.exit("gpu_stats not found: run `make gpu_stats` (or cargo build --release) first")
    print(f"interval {args.interval} s, duration {args.duration} s, {os.cpu_count()} CPUs")
    b = bench_binary(binary, args.interval, args.duration)
    verdict = "OK" if b["cpu_percent"] < 1.0 else "OVER TARGET"
    print(
        f"gpu_stats binary : {b['cpu_percent']:.4f} % of one core "
        f"({b['samples']} samples in {b['wall_s']:.1f} s; target < 1 %: {verdict})"
    )
    f = bench_fallback(args.interval, args.duration)
    print(
        f"psutil fallback  : {f['cpu_percent']:.3f} % of one core "
        f"({f['samples']} samples in {f['wall_s']:.1f} s, including imports)"
    )
    print(f"to_metrics()     : {bench_conversion(b['last_sample']):.1f} us per sample in Python")


if __name__ == "__main__":
    main()
