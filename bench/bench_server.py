"""The team server on PostgreSQL: TrackLab's remote logging against the database's COPY floor
and MLflow's own clients, in one run on one throwaway PostgreSQL 15 cluster.

Measured, each on a fresh database created with `--locale=C` (default settings: fsync on):
- floor: `COPY metrics FROM STDIN` of STEPS x KEYS rows (text, in logging order) for one run,
  in one transaction (also on a `C.UTF-8` database, to show what the collation costs);
- TrackLab over http: a `tracklab server` (2 workers) with the plugin; a training process on
  its own TRACKLAB_DIR logs STEPS steps of KEYS scalars; timed from the first log() to finish()
  returning (finish() returns once the run is fully stored);
- TrackLab with `postgresql://` as the tracking URI (the writer's COPY path);
- MLflow's `log_batch` (1,000 metrics a call, synchronous) and its async client
  (`mlflow.log_metrics(..., synchronous=False)` then `flush_async_logging`) on the same
  server, over fewer steps (they are slow; rates are per point either way).

- PARALLEL runs (default 16) logging at once to one new server, each from its own machine:
  aggregate points/s, the trainers' log() p99 against a run on the local store in the same
  bench run, and the server's CPU seconds and peak RSS (its process tree, read from /proc).

Run: python bench/bench_server.py [--steps 100000] [--keys 10] [--mlflow-steps 10000] [--async-steps 2000]
     [--parallel 16] [--parallel-steps 10000]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import textwrap
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, REPO)

from tests.server._postgres import Cluster  # noqa: E402

TRACKLAB_RUN = """
import json, os, sys, time, tracklab
steps, keys = int(sys.argv[1]), int(sys.argv[2])
names = [f"m{k}" for k in range(keys)]
run = tracklab.init(project="bench", settings={"finish_timeout": 1800})
gate = os.environ.get("BENCH_GATE")  # parallel runs start logging together
while gate and not os.path.exists(gate):
    time.sleep(0.01)
clock = time.perf_counter
took = []
start = clock()
for step in range(steps):
    t0 = clock()
    run.log({name: step * 0.001 + k for k, name in enumerate(names)})
    took.append(clock() - t0)
logged = clock()
run.finish()
done = clock()
took.sort()
print(json.dumps({"log_s": logged - start, "total_s": done - start, "wall_start": time.time() - (done - start),
                  "wall_end": time.time(), "p50_us": took[len(took) // 2] * 1e6,
                  "p99_us": took[int(len(took) * 0.99)] * 1e6}))
"""

MLFLOW_BATCH_RUN = """
import json, sys, time, mlflow
from mlflow.entities import Metric
from mlflow.tracking import MlflowClient
steps, keys, uri = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
client = MlflowClient(uri)
experiment = client.get_experiment_by_name("bench-mlflow") or None
experiment_id = experiment.experiment_id if experiment else client.create_experiment("bench-mlflow")
run_id = client.create_run(experiment_id).info.run_id
now = int(time.time() * 1000)
start = time.perf_counter()
pending = []
for step in range(steps):
    pending += [Metric(f"m{k}", step * 0.001 + k, now + step, step) for k in range(keys)]
    if len(pending) >= 1000:
        client.log_batch(run_id, metrics=pending[:1000])
        pending = pending[1000:]
if pending:
    client.log_batch(run_id, metrics=pending)
client.set_terminated(run_id)
print(json.dumps({"total_s": time.perf_counter() - start}))
"""

MLFLOW_ASYNC_RUN = """
import json, sys, time, mlflow
steps, keys, uri = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
mlflow.set_tracking_uri(uri)
mlflow.set_experiment("bench-mlflow-async")
with mlflow.start_run():
    start = time.perf_counter()
    for step in range(steps):
        mlflow.log_metrics({f"m{k}": step * 0.001 + k for k in range(keys)}, step=step, synchronous=False)
    logged = time.perf_counter()
    mlflow.flush_async_logging()
print(json.dumps({"log_s": logged - start, "total_s": time.perf_counter() - start}))
"""


def _child(code: str, args: list[str], env: dict[str, str], cwd: str, timeout: float = 3600) -> dict:
    proc = subprocess.run([sys.executable, "-c", textwrap.dedent(code), *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=timeout)
    if proc.returncode != 0:
        raise RuntimeError(f"benchmark child failed:\n{proc.stdout}\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _machine(folder: str, name: str, tracking_uri: str) -> tuple[dict[str, str], str]:
    home = os.path.join(folder, name)
    os.makedirs(os.path.join(home, "work"), exist_ok=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("WANDB_", "TRACKLAB_", "MLFLOW_"))}
    env.update({"HOME": home, "TRACKLAB_DIR": os.path.join(home, ".tracklab"), "TRACKLAB_TRACKING_URI": tracking_uri,
                "WANDB_SILENT": "true", "PYTHONPATH": os.pathsep.join([REPO, env.get("PYTHONPATH", "")])})
    return env, os.path.join(home, "work")


def _mlflow_schema(uri: str, folder: str) -> None:
    import logging

    from mlflow.store.tracking.sqlalchemy_store import SqlAlchemyStore

    logging.getLogger("alembic").setLevel(logging.WARNING)
    SqlAlchemyStore(uri, os.path.join(folder, "artifacts")).engine.dispose()


def copy_floor(cluster: Cluster, database: str, steps: int, keys: int, folder: str) -> float:
    """Rows/s of one text COPY of steps x keys rows (logging order) into MLflow's metrics table."""
    from mlflow.tracking import MlflowClient

    uri = cluster.uri(database)
    client = MlflowClient(uri)
    run_id = client.create_run(client.create_experiment(f"floor-{time.time()}",
                                                        artifact_location=os.path.join(folder, "a"))).info.run_id
    now = int(time.time() * 1000)
    text = "".join(f"m{k}\t{step * 0.001 + k!r}\t{now + step}\t{step}\tf\t{run_id}\n"
                   for step in range(steps) for k in range(keys))
    conn = cluster.connect(database)
    try:
        start = time.perf_counter()
        with conn.transaction(), conn.cursor() as cursor:
            with cursor.copy("COPY metrics (key, value, timestamp, step, is_nan, run_uuid) FROM STDIN") as copy:
                copy.write(text)
        return steps * keys / (time.perf_counter() - start)
    finally:
        conn.close()


def _tree(pid: int) -> list[int]:
    """`pid` and its descendants (the server's uvicorn workers)."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as handle:
                    parent = int(handle.read().rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                continue
            children.setdefault(parent, []).append(int(entry))
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        todo += children.get(current, [])
    return found


def _cpu_and_rss(pids: list[int]) -> tuple[float, int]:
    """CPU seconds used so far and resident bytes now, summed over `pids`."""
    cpu, rss = 0.0, 0
    tick, page = os.sysconf("SC_CLK_TCK"), os.sysconf("SC_PAGE_SIZE")
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
            cpu += (int(fields[11]) + int(fields[12])) / tick
            rss += int(fields[21]) * page
        except (OSError, ValueError, IndexError):
            continue
    return cpu, rss


def parallel_runs(watched: list[int], url: str | None, runs: int, steps: int, keys: int,
                  folder: str) -> dict[str, float]:
    """`runs` training processes (each its own machine) log at once to one server (`url`), or
    each to its own local store (`url` None): aggregate points/s from the first log() to the last
    finish(), the trainers' log() p99, and the CPU seconds and peak RSS of the process trees
    `watched` (the server's, PostgreSQL's) meanwhile."""
    gate = os.path.join(folder, f"go-{runs}-{url is None}")
    procs = []
    for index in range(runs):
        env, cwd = _machine(folder, f"parallel{index}-{url is None}", url or "")
        if url is None:
            env.pop("TRACKLAB_TRACKING_URI")
        env["BENCH_GATE"] = gate
        procs.append(subprocess.Popen([sys.executable, "-c", textwrap.dedent(TRACKLAB_RUN), str(steps), str(keys)],
                                      cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True))
    time.sleep(3.0)  # let every process reach its gate (init done) before they log together
    def usage() -> list[tuple[float, int]]:
        return [_cpu_and_rss(_tree(pid)) for pid in watched]

    before = usage()
    peaks = [0] * len(watched)
    open(gate, "w").close()
    while any(proc.poll() is None for proc in procs):
        peaks = [max(peak, rss) for peak, (_, rss) in zip(peaks, usage())]
        time.sleep(0.2)
    after = usage()
    got = []
    for proc in procs:
        out, err = proc.communicate()
        if proc.returncode != 0:
            raise RuntimeError(f"a parallel run failed:\n{out}\n{err[-3000:]}")
        got.append(json.loads(out.strip().splitlines()[-1]))
    wall = max(g["wall_end"] for g in got) - min(g["wall_start"] for g in got)
    return {"points_s": runs * steps * keys / wall, "p99_us": max(g["p99_us"] for g in got),
            "p99_median_us": sorted(g["p99_us"] for g in got)[runs // 2], "wall_s": wall,
            "cpu_s": [a[0] - b[0] for a, b in zip(after, before)], "peak_rss_mb": [p / 2**20 for p in peaks]}


@contextlib.contextmanager
def team_server(backend_uri: str, folder: str):
    from pathlib import Path

    from tests.server.conftest import start_team_server, stop_team_server

    os.makedirs(folder, exist_ok=True)
    server = start_team_server(backend_uri, Path(folder))
    try:
        yield server
    finally:
        stop_team_server(server)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--steps", type=int, default=100_000)
    parser.add_argument("--keys", type=int, default=10)
    parser.add_argument("--mlflow-steps", type=int, default=10_000)
    parser.add_argument("--async-steps", type=int, default=2_000)
    parser.add_argument("--parallel", type=int, default=16, help="runs logging at once to one server (0: skip)")
    parser.add_argument("--parallel-steps", type=int, default=10_000, help="steps of each parallel run")
    parser.add_argument("--json", default=None, help="also write the figures to this file")
    args = parser.parse_args()
    points = args.steps * args.keys
    results: dict[str, float] = {}
    folder = tempfile.mkdtemp(prefix="tracklab-bench-server-")
    print(f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f} at start; "
          f"{args.steps} steps x {args.keys} keys = {points} points", flush=True)
    try:
        _measure(args, folder, results)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    floor = results["copy floor, C collation, rows/s"]
    print(f"\nload average {os.getloadavg()[0]:.1f} at the end (2 cores shared: figures are noisy)")
    width = max(len(name) for name in results)
    for name, value in results.items():
        ratio = f"  {value / floor:5.2f}x floor" if name.endswith("points/s") else ""
        print(f"{name:<{width}}  {value:>10,.0f}{ratio}")
    if args.json:
        with open(args.json, "w") as handle:
            json.dump({"steps": args.steps, "keys": args.keys, **results}, handle, indent=1)


def _measure(args: argparse.Namespace, folder: str, results: dict[str, float]) -> None:
    points = args.steps * args.keys
    with Cluster() as cluster:
        for locale, name in ((None, "floor_c_utf8"), ("C", "floor_c")):
            cluster.create_database(name, locale=locale)
            _mlflow_schema(cluster.uri(name), folder)
            label = f"copy floor, {locale or 'C.UTF-8'} collation, rows/s"
            results[label] = copy_floor(cluster, name, args.steps, args.keys, folder)
            print(f"  {label}: {results[label]:,.0f}", flush=True)

        server_uri = cluster.create_database("server")
        with team_server(server_uri, os.path.join(folder, "server")) as server:
            env, cwd = _machine(folder, "trainer", server.url)
            got = _child(TRACKLAB_RUN, [str(args.steps), str(args.keys)], env, cwd)
            results["tracklab over http (plugin), points/s"] = points / got["total_s"]
            print("  tracklab over http done", flush=True)
            env, cwd = _machine(folder, "mlflow", server.url)
            got = _child(MLFLOW_BATCH_RUN, [str(args.mlflow_steps), str(args.keys), server.url], env, cwd)
            results["mlflow log_batch over http, points/s"] = args.mlflow_steps * args.keys / got["total_s"]
            print("  mlflow log_batch done", flush=True)
            if args.async_steps:
                got = _child(MLFLOW_ASYNC_RUN, [str(args.async_steps), str(args.keys), server.url], env, cwd)
                results["mlflow async client over http, points/s"] = args.async_steps * args.keys / got["total_s"]
                print("  mlflow async done", flush=True)

        if args.parallel:
            local_env, cwd = _machine(folder, "local", "")
            local_env.pop("TRACKLAB_TRACKING_URI")  # the default local SQLite store of that machine
            local = _child(TRACKLAB_RUN, [str(args.parallel_steps), str(args.keys)], local_env, cwd)
            results["one run, local store, log() p99 us"] = local["p99_us"]
            got = parallel_runs([], None, args.parallel, args.parallel_steps, args.keys, folder)
            label = f"{args.parallel} runs at once, each on its local store"
            results[f"{label}, aggregate points/s"] = got["points_s"]
            results[f"{label}, log() p99 us (median run)"] = got["p99_median_us"]
            results[f"{label}, log() p99 us (worst run)"] = got["p99_us"]
            with team_server(cluster.create_database("parallel"), os.path.join(folder, "server16")) as server:
                got = parallel_runs([server.proc.pid, cluster.postmaster_pid], server.url, args.parallel,
                                    args.parallel_steps, args.keys, folder)
            label = f"{args.parallel} runs at once over http"
            results[f"{label}, aggregate points/s"] = got["points_s"]
            results[f"{label}, log() p99 us (median run)"] = got["p99_median_us"]
            results[f"{label}, log() p99 us (worst run)"] = got["p99_us"]
            results[f"{label}, server (MLflow + plugin) CPU s"] = got["cpu_s"][0]
            results[f"{label}, server peak RSS MB"] = got["peak_rss_mb"][0]
            results[f"{label}, PostgreSQL CPU s"] = got["cpu_s"][1]
            results[f"{label}, PostgreSQL peak RSS MB"] = got["peak_rss_mb"][1]
            results[f"{label}, wall s"] = got["wall_s"]
            print(f"  {label} done", flush=True)

        direct_uri = cluster.create_database("direct")
        env, cwd = _machine(folder, "direct", direct_uri)
        _mlflow_schema(direct_uri, folder)
        got = _child(TRACKLAB_RUN, [str(args.steps), str(args.keys)], env, cwd)
        results["tracklab postgresql:// direct, points/s"] = points / got["total_s"]


if __name__ == "__main__":
    main()
