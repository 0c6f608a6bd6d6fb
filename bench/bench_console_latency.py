"""How long a line a live run prints takes to reach the store (what the run page's console tails).

    python bench/bench_console_latency.py [--lines 5] [--gap 4]

A real run on a temporary local store prints a marked line every `--gap` seconds while it stays
live; this process reads the run's `output.log` through `tracklab.Api()` every 0.2 s and reports,
for each line, the seconds from its print to the first read that has it.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

TRAIN = """
import sys, time
import tracklab as wandb
lines, gap = int(sys.argv[1]), float(sys.argv[2])
run = wandb.init(project="console", id="console1")
wandb.log({"x": 1})
time.sleep(3)  # past the run's first uploads
for i in range(lines):
    print("MARK%d %.3f" % (i, time.time()), flush=True)
    time.sleep(gap)
run.finish()
"""


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--lines", type=int, default=5)
    parser.add_argument("--gap", type=float, default=4.0)
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="tracklab-console-"))
    root = tmp / "tracklab"
    env = {**os.environ, "TRACKLAB_DIR": str(root), "WANDB_SILENT": "true",
           "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")])}
    os.environ["TRACKLAB_DIR"] = str(root)
    sys.path.insert(0, str(REPO))
    import tracklab

    proc = subprocess.Popen([sys.executable, "-c", textwrap.dedent(TRAIN), str(args.lines), str(args.gap)],
                            env=env, stdout=subprocess.DEVNULL, start_new_session=True)
    seen: dict[str, float] = {}
    try:
        while proc.poll() is None and len(seen) < args.lines:
            try:
                handle = tracklab.Api().run("console/console1").file("output.log").download(
                    root=str(tmp / "read"), replace=True)
                text = handle.read()
                handle.close()
            except Exception:  # the run or its log is not in the store yet
                text = ""
            now = time.time()
            for line in text.splitlines():
                mark = line.split()
                if len(mark) == 2 and mark[0].startswith("MARK") and mark[0] not in seen:
                    seen[mark[0]] = now - float(mark[1])
            time.sleep(0.2)
        proc.wait(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
        shutil.rmtree(tmp, ignore_errors=True)
    delays = list(seen.values())
    print(f"console lines in the store after: {', '.join(f'{d:.1f}' for d in delays)} s "
          f"(median {statistics.median(delays):.1f} s, {len(delays)} of {args.lines} lines seen while live)")
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
