"""Measure the workspace on a project of 2,000 runs x 20 metrics x 1,000 steps (for bench/ and
docs/benchmarks.md).

    python bench/bench_workspace_scale.py [--runs 2000] [--metrics 20] [--steps 1000]
                                          [--store DIR] [--server [--pg-dir DIR]] [--repeat 2]
                                          [--build-only]

Builds the project once (in `--store DIR`, kept for the next invocation; a temporary folder
otherwise): every run is a real run folder (header, config, history, summary, exit) loaded by
the writer's own code (`sync_folder`), as `tracklab sync` would. With `--server` the project is
loaded straight into a throwaway PostgreSQL 15 cluster and served by a `tracklab server` on it
(the team server); otherwise `tracklab ui` serves the local SQLite store. `--pg-dir DIR` keeps
that cluster and its project in DIR, and `--build-only` stops after loading, so the long load
can run while the machine is busy and the measurement later, when it is quiet.

Then reports, in one process run:
- the runs route (every run with its config and summary) from the server: first request, again;
- in headless Chromium: navigation to the first interactive chart, on a fresh profile (first
  view) and on a warm one (later views);
- the runs table: sorting by a summary column and filtering with an expression over config and
  summary, each measured by the page itself (`performance.measure` around the sort/filter and its
  re-render), with the number of rows left;
- the server's resident memory (its whole process group) before, at the peak and after.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import random
import shutil
import signal
import sys
import tempfile
import threading
import time
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.helpers import chromium
from tests.ui.conftest import CHROMIUM_ARGS, clean_env, free_port, start_ui, wait_for_line

PROJECT = "scale"
OPTIMIZERS = ("adam", "sgd", "adamw", "lion")


def _run_records(index: int, metrics: int, steps: int, files_dir: str) -> list[tuple[str, object]]:
    """One run's run-log records: a config of 6 keys, `metrics` curves over `steps`, its summary."""
    from tracklab.backend import runlog

    rng = random.Random(index)
    start = 1_764_000_000.0 + index * 60
    config = {"lr": 10 ** -rng.uniform(1, 4), "batch_size": rng.choice([16, 32, 64, 128]),
              "optimizer": OPTIMIZERS[index % len(OPTIMIZERS)], "seed": index, "dropout": round(rng.random() / 2, 3),
              "model": {"layers": rng.choice([2, 4, 8]), "width": rng.choice([128, 256])}}
    header = runlog.RunHeader(
        id=f"s{index:05d}", mlflow_run_id=uuid.uuid4().hex, project=PROJECT, entity="", name=f"run-{index:04d}",
        notes=None, tags=["scale", OPTIMIZERS[index % len(OPTIMIZERS)]], group=f"sweep-{index % 20:02d}",
        job_type="train", start_time=start, resumed=False, mode="online", files_dir=files_dir)
    records: list[tuple[str, object]] = [(runlog.HEADER, header), (runlog.CONFIG, config)]
    rates = [rng.uniform(100, 600) for _ in range(metrics)]
    row: dict[str, float] = {}
    for step in range(steps):
        row = {f"metric_{k:02d}": math.exp(-step / rates[k]) + 0.02 * rng.random() for k in range(metrics)}
        row.update(_step=step, _timestamp=start + step * 0.5, _runtime=step * 0.5)
        records.append((runlog.HISTORY, row))
    records.append((runlog.SUMMARY, {k: v for k, v in row.items() if not k.startswith("_")}))
    records.append((runlog.EXIT, {"exit_code": 0, "state": "finished", "time": start + steps * 0.5}))
    return records


def _load_runs(tracking_uri: str, root: str, indices: range, metrics: int, steps: int) -> None:
    """Write run folders for `indices` and load each into the store, as `tracklab sync` does."""
    from tracklab.backend import runlog
    from tracklab.backend.run_folder import RunFolder
    from tracklab.backend.writer import sync_folder

    for index in indices:
        folder = RunFolder.for_run(PROJECT, f"s{index:05d}", root)
        folder.create()
        lines = [kind + runlog.encode(payload) + "\n"
                 for kind, payload in _run_records(index, metrics, steps, folder.files_dir)]
        with open(folder.log_path, "w", encoding="utf-8") as handle:
            handle.writelines(lines)
        outcome = sync_folder(folder, tracking_uri, root)
        if outcome != "synced":
            raise RuntimeError(f"run {index}: {outcome}")
        shutil.rmtree(folder.path)  # the store has it; 2,000 run logs would fill the disk


def build_project(tracking_uri: str, root: Path, runs: int, metrics: int, steps: int, workers: int,
                  same_store: bool = False) -> None:
    """The project in the store (unless `root`'s marker says it was built, with this shape, into
    this store: `same_store` where the store's URI changes between runs but not the store),
    `workers` processes at once."""
    import multiprocessing

    shape = {"runs": runs, "metrics": metrics, "steps": steps, "tracking_uri": "kept" if same_store else tracking_uri}
    marker = root / "scale-project.json"
    if marker.exists():
        if json.loads(marker.read_text()) == shape:
            print(f"project: {runs:,} runs x {metrics} metrics x {steps:,} steps, built earlier in {root}")
            return
        # Loading again would add a second copy of every run beside the first.
        raise SystemExit(f"{root} holds a project of another shape ({marker.read_text()}): use another folder")
    started = time.perf_counter()
    os.environ["TRACKLAB_DIR"] = str(root)
    os.environ["WANDB_SILENT"] = "true"
    parts = [range(w, runs, workers) for w in range(workers)]
    if workers == 1:
        _load_runs(tracking_uri, str(root), parts[0], metrics, steps)
    else:
        context = multiprocessing.get_context("spawn")
        with context.Pool(workers) as pool:
            pool.starmap(_load_runs, [(tracking_uri, str(root), part, metrics, steps) for part in parts])
    print(f"project: {runs:,} runs x {metrics} metrics x {steps:,} steps ({runs * metrics * steps:,} points) "
          f"in the store after {time.perf_counter() - started:.0f} s")
    marker.write_text(json.dumps(shape))


class TreeMemory:
    """The resident memory of a process and all its descendants (the UI or server and the
    workers it started), sampled every 0.2 s in a thread."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()

    def _tree(self) -> set[int]:
        parents: dict[int, int] = {}
        for name in os.listdir("/proc"):
            if name.isdigit():
                try:
                    with open(f"/proc/{name}/stat") as stat:
                        parents[int(name)] = int(stat.read().rsplit(")", 1)[1].split()[1])
                except (OSError, IndexError, ValueError):
                    continue
        tree = {self.pid}
        grew = True
        while grew:
            grew = False
            for pid, parent in parents.items():
                if parent in tree and pid not in tree:
                    tree.add(pid)
                    grew = True
        return tree

    def now(self) -> int:
        total = 0
        for pid in self._tree():
            try:
                with open(f"/proc/{pid}/status") as status:
                    total += next(int(line.split()[1]) for line in status if line.startswith("VmRSS:")) * 1024
            except (OSError, StopIteration, ValueError):
                continue
        return total

    def _sample(self) -> None:
        while not self._stop.wait(0.2):
            self.peak = max(self.peak, self.now())

    def close(self) -> None:
        self._stop.set()
        self._thread.join()


@contextlib.contextmanager
def _local_ui(root: Path) -> Iterator[tuple[str, int]]:
    port = free_port()
    log = root.parent / "ui.log"
    proc = start_ui(root, port, log)
    try:
        line = wait_for_line(log, "TrackLab UI:", proc)
        yield line.split("TrackLab UI:")[1].split()[0], proc.pid
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGINT)
        proc.wait(60)


@contextlib.contextmanager
def _team_server(tmp: Path, args: argparse.Namespace) -> Iterator[tuple[str, int]]:
    from tests.server._postgres import Cluster
    from tests.server.conftest import start_team_server, stop_team_server

    kept = args.pg_dir.resolve() if args.pg_dir else None
    with Cluster(keep_in=str(kept / "cluster") if kept else None) as cluster:
        loader = (kept or tmp) / "loader"
        if not (loader / "scale-project.json").exists():
            cluster.drop_database("scale_bench")  # a load that stopped half-way starts again
            cluster.create_database("scale_bench")
        uri = cluster.uri("scale_bench")
        folder = tmp / "server"
        folder.mkdir(exist_ok=True)
        loader.mkdir(parents=True, exist_ok=True)
        # The cluster's port changes at every start: the marker compares the shape, not the URI.
        build_project(uri, loader, args.runs, args.metrics, args.steps, workers=2, same_store=kept is not None)
        if args.build_only:
            yield "", 0
            return
        server = start_team_server(uri, folder)
        try:
            yield server.url, server.proc.pid
        finally:
            stop_team_server(server)


def _get(url: str) -> tuple[float, object]:
    started = time.perf_counter()
    with urllib.request.urlopen(url, timeout=600) as response:
        data = json.loads(response.read())
    return time.perf_counter() - started, data


def _first_chart(page) -> float:
    """ms from navigation to the first chart's interactive mark."""
    page.wait_for_selector(".chart[data-state=ready]", timeout=300_000)
    marks = page.evaluate("performance.getEntriesByType('mark').filter(m => m.name.endsWith(':interactive'))"
                          ".map(m => m.startTime)")
    return min(marks)


def _table(page) -> dict[str, object]:
    """Sort and filter the runs table as a person would, with the page's own measures."""
    if not page.query_selector(".runs-table"):
        return {"table": "no runs table on this page"}
    page.wait_for_selector(".runs-table[data-state=ready]", timeout=120_000)
    results: dict[str, object] = {}
    column = "summary.metric_00" if page.query_selector(".runs-table th[data-column='summary.metric_00']") else "created"
    for attempt in range(2):  # ascending, then descending (the header row is rebuilt each time)
        page.locator(f".runs-table th[data-column='{column}'] .label").click()
        page.wait_for_function(f"performance.getEntriesByName('tracklab:table:sort').length > {attempt}")
    results["sorted by"] = column
    results["sort ms"] = page.evaluate("performance.getEntriesByName('tracklab:table:sort').map(m => m.duration)")
    box = page.locator("input.runs-filter")
    for attempt, text in enumerate(("optimizer = adam and metric_00 < 0.2", "lr > 1e-3")):
        box.fill(text)
        box.press("Enter")
        page.wait_for_function(f"performance.getEntriesByName('tracklab:table:filter').length > {attempt}")
        rows = page.get_attribute(".runs-table", "data-rows")
        results.setdefault("filter", []).append((text, rows))
    results["filter ms"] = page.evaluate("performance.getEntriesByName('tracklab:table:filter').map(m => m.duration)")
    return results


def measure(base: str, pid: int, repeat: int) -> None:
    from playwright.sync_api import sync_playwright

    memory = TreeMemory(pid)
    print(f"server memory before any request: {memory.now() / 2**20:.0f} MB")
    runs_url = f"{base}/tracklab/api/runs?project={PROJECT}"
    cold, data = _get(runs_url)
    warm, _ = _get(runs_url)
    count = len(data["runs"]) if isinstance(data, dict) else "?"
    print(f"runs route: {count} runs, {cold * 1000:.0f} ms first request, {warm * 1000:.0f} ms again")
    page_url = f"{base}/tracklab/workspace?project={PROJECT}"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium(), args=CHROMIUM_ARGS)
        for attempt in range(repeat):
            context = browser.new_context(viewport={"width": 1600, "height": 1000})
            page = context.new_page()
            page.goto(page_url)
            print(f"fresh profile #{attempt + 1}: first chart interactive {_first_chart(page):.0f} ms after navigation")
            if attempt == 0:
                print(f"runs table: {_table(page)}")
            context.close()
        context = browser.new_context(viewport={"width": 1600, "height": 1000})
        page = context.new_page()
        page.goto(page_url)
        _first_chart(page)
        for attempt in range(repeat):
            page = context.new_page()
            page.goto(page_url)
            print(f"warm profile #{attempt + 1}: first chart interactive {_first_chart(page):.0f} ms after navigation")
            page.close()
        browser.close()
    memory.close()
    print(f"server memory: peak {memory.peak / 2**20:.0f} MB, after {memory.now() / 2**20:.0f} MB")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=2000)
    parser.add_argument("--metrics", type=int, default=20)
    parser.add_argument("--steps", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--store", type=Path, help="the TrackLab folder to build the project in and keep")
    parser.add_argument("--server", action="store_true",
                        help="a `tracklab server` on a throwaway PostgreSQL cluster instead of `tracklab ui`")
    parser.add_argument("--pg-dir", type=Path,
                        help="with --server: keep the PostgreSQL cluster (and the loaded project) in this folder")
    parser.add_argument("--build-only", action="store_true",
                        help="load the project and stop (measure later, on a quiet machine)")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="tracklab-scale-"))
    print("on a tracklab server (PostgreSQL)" if args.server else "on tracklab ui (local store)")
    try:
        if args.server:
            serve = _team_server(tmp, args)
        else:
            root = (args.store or tmp / "tracklab").resolve()
            root.mkdir(parents=True, exist_ok=True)
            build_project(f"sqlite:///{root / 'mlflow.db'}", root, args.runs, args.metrics, args.steps, workers=1)
            serve = _local_ui(root)
        with serve as (base, pid):
            if not args.build_only:
                measure(base, pid, args.repeat)
        print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
