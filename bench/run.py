"""TrackLab's benchmark against wandb offline, trackio, MLflow and raw SQLite, in one command.

    python bench/run.py [--steps 100000] [--quick] [--repeat R] [--no-concurrency] [--only NAME ...]

The workload (anchors.md): init, N steps of log({10 float scalars}), finish. Each contender
runs in a fresh process with a fresh store in a temporary folder (bench/child.py), so import,
init and peak RSS are its own. Then: cold imports, TrackLab's init on a new vs an existing
store, the peak RSS of TrackLab's training process and writer for runs of 10,000 and 100,000
steps (--process-memory, on unless --quick; with --only only when asked for), and 8 processes
starting at once on a store that does not exist yet (--concurrency, on unless --quick). Prints the figures and the targets as markdown and writes them to
bench/out/latest.md (and the raw results to bench/out/latest.json).

--quick: 10,000 steps, no concurrency test, one init repeat (a minute or two).
"""

from __future__ import annotations

import argparse
import datetime
import importlib.metadata
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
from typing import Any

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from bench import extras, harness, report  # noqa: E402
from bench.contenders import CONTENDERS, REPO, SOURCE_VARIABLE, Contender  # noqa: E402

OUT_DIR = os.path.join(REPO, "bench", "out")
PACKAGES = ("wandb", "mlflow", "trackio", "pandas", "numpy")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python bench/run.py", description=__doc__.split("\n\n")[0])
    parser.add_argument("--steps", type=int, default=None, help="N steps (default 100000; 10000 with --quick)")
    parser.add_argument("--quick", action="store_true", help="10,000 steps, no concurrency test, one init repeat")
    parser.add_argument("--repeat", type=int, default=1, metavar="R",
                        help="run every contender R times, in turn, and report medians (default 1)")
    parser.add_argument("--concurrency", action=argparse.BooleanOptionalAction, default=None,
                        help="the multi-process test (default: on unless --quick)")
    parser.add_argument("--processes", type=int, default=8, help="processes in the concurrency test")
    parser.add_argument("--concurrency-steps", type=int, default=10_000, help="steps per process there")
    parser.add_argument("--process-memory", action=argparse.BooleanOptionalAction, default=None,
                        help="peak RSS of TrackLab's processes for runs of --memory-steps steps "
                             "(default: on unless --quick or --only)")
    parser.add_argument("--memory-steps", type=int, nargs="+", default=[10_000, 100_000], metavar="N")
    parser.add_argument("--only", nargs="+", metavar="NAME", help="run only these contenders (and no extras): "
                        + ", ".join(c.name for c in CONTENDERS))
    args = parser.parse_args(argv)
    args.steps = args.steps or (10_000 if args.quick else 100_000)
    if args.concurrency is None:
        args.concurrency = not args.quick and not args.only
    if args.process_memory is None:
        args.process_memory = not args.quick and not args.only
    return args


def progress(message: str) -> None:
    print(f"[bench {datetime.datetime.now():%H:%M:%S}] {message}", file=sys.stderr, flush=True)


def machine() -> dict[str, str]:
    """What the figures were measured on."""
    cpu = "unknown"
    try:
        with open("/proc/cpuinfo") as handle:
            cpu = next(line.split(":", 1)[1].strip() for line in handle if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    info = {"cpus": str(os.cpu_count()), "cpu": cpu, "load_start": load_average(), "python": platform.python_version(),
            "sqlite": __import__("sqlite3").sqlite_version, "platform": platform.platform()}
    info["commit"] = git("rev-parse", "--short", "HEAD") or "unknown"
    changed = (git("status", "--porcelain", "--", "tracklab") or "").splitlines()
    info["tracklab_changes"] = f"{len(changed)} uncommitted file(s) in tracklab/" if changed else "clean"
    for package in PACKAGES:
        try:
            info[package] = importlib.metadata.version(package)
        except importlib.metadata.PackageNotFoundError:
            info[package] = "not installed"
    return info


def load_average() -> str:
    """The 1/5/15-minute load averages: how busy the (shared) machine was."""
    return " / ".join(f"{x:.1f}" for x in os.getloadavg())


def git(*args: str) -> str | None:
    """Output of a git command in the checkout, or None."""
    try:
        done = subprocess.run(["git", "-C", REPO, *args], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return done.stdout.strip() if done.returncode == 0 else None


def run_workloads(contenders: list[Contender], steps: int, template: str, repeats: int = 1
                  ) -> tuple[dict[str, dict[str, Any]], dict[str, str]]:
    """Each contender's workload in its own child, `repeats` rounds in turn (so that load on the
    machine drifting over the minutes hits every contender alike); the median of each figure
    per contender, and errors by contender name."""
    runs: dict[str, list[dict[str, Any]]] = {}
    errors: dict[str, str] = {}
    for contender in contenders:
        if not contender.available():
            errors[contender.name] = f"skipped: {contender.module} is not importable"
            progress(errors[contender.name])
    for round_ in range(1, repeats + 1):
        for contender in contenders:
            if contender.name in errors:
                continue
            n = contender.steps_for(steps)
            progress(f"round {round_}/{repeats}: {contender.label}, {n:,} steps")
            try:
                runs.setdefault(contender.name, []).append(harness.run_contender(contender, n, template))
            except harness.ChildFailed as exc:
                errors[contender.name] = str(exc)
                progress(f"{contender.label} FAILED: {exc}")
    return {name: median_result(found) for name, found in runs.items() if name not in errors}, errors


def median_result(results: list[dict[str, Any]]) -> dict[str, Any]:
    """One result from several: the median of each number; flags and checks must hold in all."""
    merged = dict(results[-1], rounds=len(results))
    for key, value in results[-1].items():
        if isinstance(value, bool) or key == "steps":
            merged[key] = all(r[key] for r in results) if isinstance(value, bool) else value
        elif isinstance(value, (int, float)):
            merged[key] = statistics.median(r[key] for r in results)
    checks = [r["check"] for r in results if r.get("check")]
    if checks:
        merged["check"] = next((c for c in checks if not c.get("ok")), checks[-1])
    return merged


def run_extras(args: argparse.Namespace, template: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if args.process_memory:
        progress(f"peak RSS of TrackLab's processes for runs of {args.memory_steps} steps")
        out["process_memory"] = extras.process_memory(args.memory_steps, template, args.repeat)
    if args.only:
        return out
    progress("cold imports (median of 5)")
    out["cold_import"] = extras.cold_imports([None, "tracklab", "wandb", "trackio", "mlflow"])
    progress("TrackLab init on a new vs an existing store")
    out["init"] = extras.init_new_vs_existing(repeats=1 if args.quick else 3)
    if args.concurrency:
        progress(f"{args.processes} processes x {args.concurrency_steps:,} steps on a new store")
        out["concurrency"] = extras.concurrency(args.processes, args.concurrency_steps)
    return out


def render(args: argparse.Namespace, info: dict[str, str], contenders: list[Contender],
           results: dict[str, dict[str, Any]], errors: dict[str, str], more: dict[str, Any]) -> str:
    """The whole report as markdown."""
    steps = args.steps
    parts = [f"# TrackLab benchmark: {steps:,} steps x 10 scalars ({steps * 10:,} points)", "",
             f"`{' '.join(['python', 'bench/run.py'] + (sys.argv[1:] if sys.argv[1:] else []))}`, "
             f"{datetime.datetime.now():%Y-%m-%d %H:%M}; machine: {info['cpus']} CPUs ({info['cpu']}), "
             f"load average {info['load_start']} at the start, {info['load_end']} at the end; "
             f"Python {info['python']}, SQLite {info['sqlite']}; TrackLab at {info['commit']} "
             f"({info['tracklab_changes']}); "
             + ", ".join(f"{p} {info[p]}" for p in PACKAGES), "",
             "## Workload" + (f" (median of {args.repeat} rounds, contenders in turn)" if args.repeat > 1 else ""), ""]
    rows = [report.workload_row(c, report.scaled(results[c.name], c, steps) if c.name in results else None,
                                errors.get(c.name)) for c in contenders]
    parts += [report.markdown_table(report.WORKLOAD_HEADER, rows), ""]
    parts += [f"- {c.label}: {c.note}" for c in contenders if c.note]
    parts += ["- ~: scaled to N from the steps it ran. helper RSS: peak RSS of the largest child process the "
              "training process waited for (TrackLab's writer, wandb's service). check: TrackLab's run as "
              "MLflow's own client sees it (get_metric_history(m0) has N points, search_runs finds it, FINISHED).",
              "- read back: TrackLab `Api().run(path).history(samples=10**7)` (DataFrame); wandb: parse the "
              "offline run file (tests/_wandb_offline.py); MLflow: `get_metric_history` per key; trackio: "
              "`SQLiteStorage.get_logs`; floors: one SELECT. First read in the training process after finish "
              "(pays the reader's imports), then a second, warm read.", ""]
    parts += extras_sections(more)
    if results or more:
        parts += ["## Targets", "", report.markdown_table(report.TARGET_HEADER, report.target_rows(results, more)), ""]
    return "\n".join(parts)


def extras_sections(more: dict[str, Any]) -> list[str]:
    parts: list[str] = []
    memory = more.get("process_memory")
    if memory:
        rows = [[f"{run['steps']:,} x 10 = {run['points']:,}", report.megabytes(run["rss_mb"]),
                 report.megabytes(run["children_rss_mb"]), report.rate(run["points_per_s"])] for run in memory["runs"]]
        parts += [f"## TrackLab's processes' peak RSS by run length (existing store, median of {memory['repeats']})",
                  "", report.markdown_table(["points", "training process", "writer process", "points/s"], rows), ""]
    cold = more.get("cold_import")
    if cold:
        parts += ["## Cold start, whole process (`python -c \"import X\"`, median of 5)", "",
                  report.markdown_table(["bare interpreter", "tracklab", "wandb", "trackio", "mlflow"],
                                        [[report.seconds(cold.get(k)) for k in
                                          ("python", "tracklab", "wandb", "trackio", "mlflow")]]), ""]
    init = more.get("init")
    if init:
        parts += [f"## TrackLab init, new vs existing store (median of {init['repeats']}, {init['steps']} steps)", "",
                  report.markdown_table(["store", "init()", "finish() (waits for the writer)"], [
                      ["does not exist yet", report.seconds(init["new_init_s"]), report.seconds(init["new_finish_s"])],
                      ["exists (second run)", report.seconds(init["existing_init_s"]),
                       report.seconds(init["existing_finish_s"])]]), ""]
    many = more.get("concurrency")
    if many:
        rows = [[str(i), report.micros(p["log_p50_us"]), report.micros(p["log_p99_us"]), report.micros(p["log_max_us"]),
                 report.seconds(p["init_s"]), report.seconds(p["finish_s"])] for i, p in enumerate(many["per_process"])]
        parts += [f"## {many['processes']} processes started at once on a store that does not exist yet "
                  f"({many['steps']:,} steps x 10 scalars each)", "",
                  f"Points landed: {many['points']:,} of {many['expected_points']:,}; runs: {many['runs']} "
                  f"({many['finished_runs']} FINISHED); processes failed: {many['failed']}; wall: "
                  f"{report.seconds(many['wall_s'])}; worst log p50 / p99 / max: {report.micros(many['worst_p50_us'])}"
                  f" / {report.micros(many['worst_p99_us'])} / {report.micros(many['worst_max_us'])}.", "",
                  report.markdown_table(["process", "log p50", "log p99", "log max", "init", "finish"], rows), ""]
        parts += [f"- failure: {e}" for e in many["errors"]]
    return parts


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    contenders = [c for c in CONTENDERS if not args.only or c.name in args.only]
    info = machine()
    scratch = tempfile.mkdtemp(prefix="bench-")
    try:
        os.environ[SOURCE_VARIABLE] = harness.snapshot_source(os.path.join(scratch, "src"))
        progress(f"code snapshot in {os.environ[SOURCE_VARIABLE]}; making a fresh MLflow database to copy")
        template = harness.make_template(os.path.join(scratch, "template"))
        results, errors = run_workloads(contenders, args.steps, template, args.repeat)
        more = run_extras(args, template)
    finally:
        os.environ.pop(SOURCE_VARIABLE, None)
        shutil.rmtree(scratch, ignore_errors=True)
    info["load_end"] = load_average()
    text = render(args, info, contenders, results, errors, more)
    os.makedirs(OUT_DIR, exist_ok=True)
    with open(os.path.join(OUT_DIR, "latest.md"), "w") as handle:
        handle.write(text + "\n")
    with open(os.path.join(OUT_DIR, "latest.json"), "w") as handle:
        json.dump({"args": vars(args), "machine": info, "results": results, "errors": errors, "extras": more},
                  handle, indent=1)
    print(text)
    return 0 if not errors or all(e.startswith("skipped") for e in errors.values()) else 1


if __name__ == "__main__":
    raise SystemExit(main())
