"""Turning results into markdown tables: the figures, and each target with its ratio and verdict."""

from __future__ import annotations

import math
from typing import Any, Callable

from bench.contenders import Contender

Row = list[str]


# -- formatting -----------------------------------------------------------------------------
def seconds(value: float | None, approx: bool = False) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    text = f"{value:.3f} s" if value < 10 else f"{value:.1f} s"
    return ("~" if approx else "") + text


def micros(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value:,.1f} us" if value < 100 else f"{value:,.0f} us"


def rate(value: float | None) -> str:
    return "-" if value is None else f"{value / 1e3:,.1f} k"


def megabytes(value: float | None) -> str:
    return "-" if value is None else f"{value:.0f} MB"


def ratio(numerator: float | None, denominator: float | None) -> float | None:
    if numerator is None or not denominator:
        return None
    return numerator / denominator


def markdown_table(header: Row, rows: list[Row]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


# -- the workload table ---------------------------------------------------------------------
def scaled(result: dict[str, Any], contender: Contender, steps: int) -> dict[str, Any]:
    """A result with finish, total and read back scaled to `steps` when it ran fewer steps."""
    factor = steps / result["steps"]
    out = dict(result, approx=factor != 1)
    if factor != 1 and not contender.bulk:
        out["finish_s"] = result["finish_s"] * factor
        out["total_s"] = result["init_s"] + (result["loop_s"] + result["finish_s"]) * factor
    if factor != 1 and "read_back_s" in result:
        out["read_back_s"] = result["read_back_s"] * factor
    return out


WORKLOAD_HEADER = ["contender", "steps run", "import (in process)", "init", "log p50", "log p99", "log max",
                   "finish", "total", "points/s", "peak RSS", "helper RSS", "read back (first / warm)",
                   "check"]


def workload_row(contender: Contender, result: dict[str, Any] | None, error: str | None) -> Row:
    if result is None:
        error = error or "not run"
        why = error if error.startswith("skipped") else "FAILED: " + (error.strip().splitlines() or [""])[-1][:80]
        return [contender.label, "-", why] + ["-"] * (len(WORKLOAD_HEADER) - 3)
    approx = result["approx"]
    get = result.get
    read = "-"
    if "read_back_s" in result:
        read = f"{seconds(result['read_back_s'], approx)} / {seconds(get('read_back_warm_s'))}"
        if not result.get("read_back_ok"):
            read += f" (rows {result['read_back_rows']} != {result['steps']})"
    check = result.get("check") or {}
    return [
        contender.label, f"{result['steps']:,}", seconds(get("import_s")), seconds(get("init_s")),
        micros(get("log_p50_us")), micros(get("log_p99_us")), micros(get("log_max_us")),
        seconds(get("finish_s"), approx), seconds(get("total_s"), approx), rate(get("points_per_s")),
        megabytes(get("rss_mb")), megabytes(get("children_rss_mb")) if not contender.bulk else "-", read,
        ("ok" if check.get("ok") else f"FAILED {check}") if check else "-",
    ]


# -- targets --------------------------------------------------------------------------------
def verdict(value: float | None, limit: float, higher_is_better: bool = False) -> str:
    if value is None:
        return "not measured"
    good = value >= limit if higher_is_better else value <= limit
    return "met" if good else "NOT met"


def target_rows(results: dict[str, dict[str, Any]], extras: dict[str, Any]) -> list[Row]:
    """One row per target: what, target, measured, verdict."""
    rows: list[Row] = []

    def add(what: str, target: str, value: float | None, shown: Callable[[float], str], limit: float | None,
            higher: bool = False) -> None:
        measured = "-" if value is None else shown(value)
        rows.append([what, target, measured, verdict(value, limit, higher) if limit is not None else "(figure)"])

    def x(value: float) -> str:
        return f"{value:.2f}x"

    def get(name: str, key: str) -> float | None:
        return (results.get(name) or {}).get(key)

    for store in ("tracklab", "tracklab_existing"):
        tag = "new store" if store == "tracklab" else "existing store"
        add(f"TrackLab log p50 ({tag})", "<= 10 us", get(store, "log_p50_us"), micros, 10)
        add(f"TrackLab log p99 ({tag})", "<= 50 us", get(store, "log_p99_us"), micros, 50)
    tl = "tracklab_existing" if "tracklab_existing" in results else "tracklab"
    tl_tag = "existing store" if tl == "tracklab_existing" else "new store"
    for other in ("wandb", "trackio"):
        for pct in ("p50", "p99"):
            add(f"TrackLab ({tl_tag}) log {pct} / {other} log {pct}", "(lower is better)",
                ratio(get(tl, f"log_{pct}_us"), get(other, f"log_{pct}_us")), x, None)
    for store in ("tracklab", "tracklab_existing"):
        tag = "new store" if store == "tracklab" else "existing store"
        add(f"TrackLab total / wandb total ({tag})", "<= 0.5x", ratio(get(store, "total_s"), get("wandb", "total_s")),
            x, 0.5)
        add(f"TrackLab total / trackio total ({tag})", "<= 1x",
            ratio(get(store, "total_s"), get("trackio", "total_s")), x, 1.0)
        add(f"TrackLab points/s / PK-only floor ({tag})", ">= 0.7x",
            ratio(get(store, "points_per_s"), get("floor_pk", "points_per_s")), x, 0.7, higher=True)
        add(f"TrackLab points/s / MLflow-table floor ({tag})", "(figure)",
            ratio(get(store, "points_per_s"), get("floor_mlflow", "points_per_s")), x, None)
    cold = extras.get("cold_import") or {}
    add("cold `import tracklab` / cold `import wandb` (whole process)", "<= 0.25x",
        ratio(cold.get("tracklab"), cold.get("wandb")), x, 0.25)
    init = extras.get("init") or {}
    add("TrackLab init(), existing store", "<= 0.1 s", init.get("existing_init_s"), seconds, 0.1)
    add("TrackLab init(), new store", "<= 0.5 s", init.get("new_init_s"), seconds, 0.5)
    for store in ("tracklab", "tracklab_existing"):
        tag = "new store" if store == "tracklab" else "existing store"
        add(f"TrackLab peak RSS, training process ({tag})", "<= 150 MB", get(store, "rss_mb"), megabytes, 150)
        add(f"TrackLab peak RSS, writer process ({tag})", "<= 100 MB", get(store, "children_rss_mb"), megabytes, 100)
        add(f"TrackLab history read, fresh process incl. imports ({tag})", "<= 1 s", get(store, "read_back_s"),
            seconds, 1.0)
        add(f"TrackLab history read, warm ({tag})", "<= 1 s", get(store, "read_back_warm_s"), seconds, 1.0)
    memory = (extras.get("process_memory") or {}).get("runs") or []
    if len(memory) > 1:
        shortest, longest = memory[0], memory[-1]
        add(f"TrackLab writer peak RSS, {longest['points']:,} / {shortest['points']:,} points", "flat: <= 1.25x",
            ratio(longest["children_rss_mb"], shortest["children_rss_mb"]), x, 1.25)
    many = extras.get("concurrency")
    if many:
        landed = f"{many['points']:,} / {many['expected_points']:,}"
        rows.append([f"{many['processes']} processes at once on a new store: points landed", "all", landed,
                     "met" if many["points"] == many["expected_points"] and not many["failed"] else "NOT met"])
        add(f"{many['processes']} processes at once: worst log p99", "(figure; one process: <= 50 us)",
            many["worst_p99_us"], micros, None)
    return rows


TARGET_HEADER = ["target", "goal", "measured", "verdict"]
