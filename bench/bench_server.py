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

Run: python bench/bench_server.py [--steps 100000] [--keys 10] [--mlflow-steps 10000] [--async-steps 2000]
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
import json, sys, time, tracklab
steps, keys = int(sys.argv[1]), int(sys.argv[2])
names = [f"m{k}" for k in range(keys)]
run = tracklab.init(project="bench", settings={"finish_timeout": 1800})
start = time.perf_counter()
for step in range(steps):
    run.log({name: step * 0.001 + k for k, name in enumerate(names)})
logged = time.perf_counter()
run.finish()
done = time.perf_counter()
print(json.dumps({"log_s": logged - start, "total_s": done - start}))
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
        ratio = "" if value == floor else f"  {value / floor:5.2f}x floor"
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

        direct_uri = cluster.create_database("direct")
        env, cwd = _machine(folder, "direct", direct_uri)
        _mlflow_schema(direct_uri, folder)
        got = _child(TRACKLAB_RUN, [str(args.steps), str(args.keys)], env, cwd)
        results["tracklab postgresql:// direct, points/s"] = points / got["total_s"]


if __name__ == "__main__":
    main()
