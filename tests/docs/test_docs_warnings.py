"""Every warning docs/troubleshooting.md quotes is shown by default on stderr, once, in wandb's
terminal format, and is silenced as wandb's are (WANDB_SILENT, TRACKLAB_SILENT, settings.silent,
Python logging)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.docs._markdown import message_pattern, quoted_messages
from tests.helpers import run_python

# The run's files may grow to 100 kB once it started (a disk that fills up; the writer, started
# before, is not limited): the run log and the console copy stop being written.
_FULL_DISK = """
    import resource, signal
    import tracklab
    run = tracklab.init(project="w")
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (100_000, 100_000))
    for step in range(5000):
        run.log({"a": step})
    for line in range(10000):
        print("a console line", line)
    run.finish()
"""

# A program that triggers each quoted warning twice (so "once" is checked), by the quote's start.
TRIGGERS = {
    "tracklab: WARNING tracklab.log: dropped a value": """
        import tracklab
        tracklab.init(project="w")
        tracklab.log({"": 1})
        tracklab.log({"a": {"": 2}, "": 3})
        tracklab.finish()
    """,
    "tracklab: WARNING Config item 'lr' was locked": """
        import tracklab

        def train():
            tracklab.init()
            tracklab.config.update({"lr": 5.0}, allow_val_change=True)
            tracklab.config["lr"] = 6.0
            tracklab.log({"loss": tracklab.config["lr"]})
            tracklab.finish()

        sweep_id = tracklab.sweep({"method": "grid", "metric": {"name": "loss", "goal": "minimize"},
                                   "parameters": {"lr": {"values": [0.1]}}}, project="w")
        tracklab.agent(sweep_id, function=train, count=1)
    """,
    "tracklab: WARNING run <id> exists": """
        import tracklab
        for _ in range(3):
            tracklab.init(project="w", id="same-run")
            tracklab.finish()
    """,
    "tracklab: WARNING skipping a damaged record": """
        import subprocess, sys
        import tracklab
        from tracklab.backend.run_folder import RunFolder
        run = tracklab.init(project="w", mode="offline")
        tracklab.log({"a": 1})
        tracklab.finish()
        with open(RunFolder(run.sync_dir).log_path, "a") as log:
            log.write("H{not json\\n")
        subprocess.run([sys.executable, "-m", "tracklab.cli", "sync"], check=True)
    """,
    "RuntimeWarning: tracklab: a real `wandb` was imported": """
        import wandb
        import tracklab
        tracklab.enable_wandb_standin(propagate=False)
        tracklab.enable_wandb_standin(propagate=False)
    """,
    "tracklab: WARNING the gpu_stats binary was not found": """
        import tracklab
        import tracklab.system_metrics.monitor as monitor
        monitor.find_binary = lambda: None  # as on a machine where the wheel carries no binary
        for _ in range(2):
            tracklab.init(project="w", settings=tracklab.Settings(x_stats_sampling_interval=0.1))
            tracklab.finish()
    """,
    "tracklab: WARNING gpu_stats could not start": """
        import os
        os.environ["TRACKLAB_GPU_STATS_BIN"] = "/nonexistent/gpu_stats"
        import tracklab
        for _ in range(2):
            tracklab.init(project="w")
            tracklab.finish()
    """,
    "tracklab: WARNING the store did not take everything": """
        import os, sqlite3
        import tracklab
        run = tracklab.init(project="w", settings=tracklab.Settings(finish_timeout=2))
        run.log({"a": 1})
        # Another program holds the store's write lock past finish_timeout; then lets go, and
        # the writer completes the run on its own.
        holder = sqlite3.connect(os.path.join(os.environ["TRACKLAB_DIR"], "mlflow.db"), isolation_level=None)
        holder.execute("BEGIN EXCLUSIVE")
        try:
            run.finish()
        finally:
            holder.rollback()
        run._writer.process.wait()
    """,
    "tracklab: WARNING cannot write the run log": _FULL_DISK,
    "tracklab: WARNING cannot write the console copy": _FULL_DISK,
    "tracklab: WARNING run <id> is in the store, but not all": _FULL_DISK,
    "tracklab: WARNING cannot write the run's files": """
        import resource, signal
        import numpy as np
        import tracklab
        from PIL import Image
        run = tracklab.init(project="w")
        images = []
        for step in range(2):  # image files of the user's: log() copies them into the run
            Image.fromarray(np.random.default_rng(step).integers(0, 255, (64, 64, 3), dtype=np.uint8)).save(f"{step}.png")
            images.append(tracklab.Image(f"{step}.png"))
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (5_000, 5_000))  # a 12 kB image does not fit
        for image in images:
            run.log({"img": image})
        run.finish()
    """,
    "tracklab: WARNING the store stopped taking this run": """
        import os, signal
        import tracklab
        run = tracklab.init(project="w")
        run.log({"a": 1})
        os.kill(run._writer.process.pid, signal.SIGKILL)  # the writer dies mid-run
        run._writer.process.wait()
        for step in range(2):
            run.log({"a": step})
        run.finish()
    """,
    "tracklab: WARNING run <id> is not complete in the store": """
        import os
        with open(os.path.join(os.environ["TRACKLAB_DIR"], "mlflow.db"), "w") as db:
            db.write("not a database")  # a store init() cannot use: the run stays in its folder
        import tracklab
        run = tracklab.init(project="w")
        run.log({"a": 1})
        run.finish()
    """,
}

# Quoted warnings this test cannot trigger cheaply, and why.
NOT_TRIGGERED = {
    "tracklab: WARNING could not recover": "needs `tracklab ui` over a run whose processes died and that cannot load",
}


def _trigger_for(quote: str) -> str | None:
    return next((code for start, code in TRIGGERS.items() if quote.startswith(start)), None)


def _warnings_quoted() -> list[str]:
    return [q for q in quoted_messages("docs/troubleshooting.md")
            if q.startswith("tracklab: WARNING") or "Warning: " in q]


def test_every_quoted_warning_has_a_trigger() -> None:
    quoted = _warnings_quoted()
    assert len(quoted) >= 8, quoted
    for quote in quoted:
        assert _trigger_for(quote) or any(quote.startswith(k) for k in NOT_TRIGGERED), \
            f"troubleshooting.md quotes a warning no test shows: {quote}"
    for start in TRIGGERS:
        assert any(q.startswith(start) for q in quoted), f"the doc no longer quotes {start!r}"


@pytest.mark.parametrize("quote", [q for q in _warnings_quoted() if _trigger_for(q)], ids=lambda q: q[:48])
def test_quoted_warning_shows_once_on_stderr(quote: str, tl_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("WANDB_SILENT")
    shown = run_python(_trigger_for(quote), Path.cwd(), timeout=240).stderr
    pattern = message_pattern(quote)
    hits = [line for line in shown.splitlines() if pattern.search(line)]
    assert len(hits) == 1, f"{quote!r} shown {len(hits)} times in:\n{shown}"


EMPTY_KEY = """
    import logging, os
    import tracklab
    if os.environ.get("VIA") == "logging":
        logging.getLogger("tracklab").setLevel(logging.ERROR)
    via = os.environ.get("VIA")
    tracklab.init(project="w", settings=tracklab.Settings(silent=via == "settings", show_warnings=via != "show"))
    tracklab.log({"": 1})
    tracklab.finish()
    tracklab.termwarn("direct warning")
"""


@pytest.mark.parametrize("env", [{"WANDB_SILENT": "true"}, {"TRACKLAB_SILENT": "1"}, {"VIA": "settings"},
                                 {"VIA": "logging"}, {"VIA": "show"}],
                         ids=["WANDB_SILENT", "TRACKLAB_SILENT", "settings.silent", "logging", "show_warnings"])
def test_warnings_are_silenced_as_wandbs_are(env: dict[str, str], tl_dir: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("WANDB_SILENT")
    shown = run_python(EMPTY_KEY, Path.cwd(), env=env, timeout=240).stderr
    assert "empty key" not in shown, shown
    if env.get("VIA") != "logging":  # wandb's termwarn ignores Python logging; so does ours
        assert "direct warning" not in shown, shown


def test_twin_variable_wins(tl_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("WANDB_SILENT")
    shown = run_python(EMPTY_KEY, Path.cwd(), env={"WANDB_SILENT": "true", "TRACKLAB_SILENT": "false"}).stderr
    assert "tracklab: WARNING tracklab.log: dropped a value logged under the empty key" in shown, shown


def test_a_silenced_warning_reaches_the_logger_once(monkeypatch: pytest.MonkeyPatch,
                                                    caplog: pytest.LogCaptureFixture) -> None:
    """Silenced, a warning still goes to the `tracklab` logger (the run's debug.log), as one record."""
    import logging

    import tracklab

    monkeypatch.setenv("WANDB_SILENT", "true")
    with caplog.at_level(logging.WARNING, logger="tracklab"):
        logging.getLogger("tracklab").warning("tracklab: a logged warning")
        tracklab.termwarn("a direct warning")
    assert [r.getMessage() for r in caplog.records] == ["tracklab: a logged warning", "a direct warning"]
