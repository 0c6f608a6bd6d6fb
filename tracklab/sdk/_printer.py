"""The console lines a run prints, like wandb's, silenced by WANDB_SILENT / settings.quiet."""

from __future__ import annotations

import sys
from typing import Any

from tracklab.sdk import _terminal



def _stream() -> Any:
    return sys.__stderr__ or sys.stderr


def _on_terminal(stream: Any) -> bool:
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


def _colours(settings: Any) -> bool:
    """settings.show_colors, or (None) whether the output is a terminal."""
    wanted = getattr(settings, "show_colors", None)
    return _on_terminal(_stream()) if wanted is None else bool(wanted)


def _emoji(settings: Any, symbol: str) -> str:
    """`symbol` and a space when settings.show_emoji (None: a UTF-8 terminal) allows it."""
    wanted = getattr(settings, "show_emoji", None)
    if wanted is None:
        stream = _stream()
        wanted = _on_terminal(stream) and "utf" in (getattr(stream, "encoding", "") or "").lower()
    return symbol + " " if wanted else ""


def _say(text: str, settings: Any = None) -> None:
    stream = _stream()
    name = _terminal.prefix_name()  # `wandb` while TrackLab stands in for it, as the warnings
    prefix = f"\033[34m\033[1m{name}\033[0m: " if settings is not None and _colours(settings) else f"{name}: "
    stream.write(prefix + text + "\n")  # wandb's bold blue prefix on a terminal
    stream.flush()


def header(run: Any) -> None:
    settings = run.settings
    _terminal.termsetup(settings)  # settings.silent quiets warnings too, as in wandb
    if settings.silent or settings.quiet:
        return
    verb = "Resuming run" if run.resumed else "Tracking run"
    _say(f"{verb} {run.name} ({run.id}) in project {run.project}", settings)
    if run.offline:
        _say(f"Run data is saved locally in {run.sync_dir}", settings)
        _say("Run `tracklab sync` to load this offline run into MLflow.", settings)
    elif run.url:
        _say(f"{_emoji(settings, '🚀')}View run at {run.url}{_ui_note(settings)}", settings)
    _say(f"Run files: {run.dir}", settings)


def footer(run: Any, state: str) -> None:
    settings = run.settings
    lines = summary_lines(run.summary, int(getattr(settings, "max_end_of_run_summary_metrics", 10) or 0))
    if lines:
        _say("Run summary:", settings)
        for line in lines:
            _say(line, settings)
    _say(f"Run {run.name} ({run.id}) {state}.", settings)
    if run.url:
        _say(f"{_emoji(settings, '🚀')}View run at {run.url}{_ui_note(settings)}", settings)
    elif run.offline:
        _say(f"Offline run saved in {run.sync_dir}; load it with `tracklab sync {run.sync_dir}`", settings)


def _ui_note(settings: Any) -> str:
    """What to do for the run's link to open: nothing when its UI runs, else start one."""
    from tracklab.backend.links import ui_running

    return "" if ui_running(settings) else "  (no UI is running for this store: start it with `tracklab ui`)"


def summary_lines(summary: Any, limit: int) -> list[str]:
    """The first `limit` summary values by key (numbers and text; `_` keys and media left out), aligned."""
    rows = []
    for key in sorted(k for k in summary.keys() if not str(k).startswith("_")):
        if len(rows) >= limit:
            break
        value = summary[key]
        if isinstance(value, bool) or not isinstance(value, (int, float, str)):
            continue
        rows.append((str(key), f"{value:.5g}" if isinstance(value, float) else str(value)[:60]))
    width = max((len(k) for k, _ in rows), default=0)
    return [f"  {k.rjust(width)} {v}" for k, v in rows]
