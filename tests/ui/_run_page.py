"""The runs the run page's tests log (each script runs in its own interpreter, from a git work
tree with an uncommitted change) and the helpers that read the page as a person does."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

PROJECT = "runpage"

# An input dataset, logged by its own run.
PRODUCER = """
import tracklab as wandb
with open("corpus.txt", "w") as handle:
    handle.write("the quick brown fox\\n")
run = wandb.init(project="runpage", id="maker001", name="data-maker")
art = wandb.Artifact("corpus", type="dataset")
art.add_file("corpus.txt")
run.log_artifact(art)
run.finish()
"""

# A finished run with everything the page shows.
MAIN = """
import numpy as np
import tracklab as wandb
from tests.helpers import wait_until

run = wandb.init(project="runpage", id="main0001", name="resnet-main", group="sweep-a", tags=["baseline"],
                 config={"lr": 0.001, "arch": "resnet", "optimizer": {"name": "adam", "beta": 0.9},
                         "note": '<img src=x onerror="window.__xss=1">'},
                 settings=wandb.Settings(x_stats_sampling_interval=0.2, x_stats_buffer_size=10))
run.use_artifact("corpus:latest")
for step in range(25):
    row = {"loss": 1.0 / (step + 1), "acc": step / 25}
    if step % 10 == 0:
        row["samples"] = wandb.Image(np.full((16, 16, 3), step * 10, np.uint8), caption=f"step {step}")
    wandb.log(row)
    print(f"epoch {step} loss {1.0 / (step + 1):.4f}")
print("\\x1b[32mtraining done\\x1b[0m")
print("saving 10%\\rsaving 60%\\rsaving 100%")
run.summary["best_acc"] = 0.93
with open("weights.bin", "wb") as handle:
    handle.write(b"0" * 64)
model = wandb.Artifact("resnet-weights", type="model")
model.add_file("weights.bin")
run.log_artifact(model)
wait_until(lambda: len(run._system_metrics.get("system/cpu_utilization_percentage", [])) >= 3,
           what="a few system-metrics samples")
run.finish()
"""

# A run without its metadata file: the page says what it cannot show.
NO_META = """
import tracklab as wandb
run = wandb.init(project="runpage", id="nometa01", name="no-meta", settings=wandb.Settings(x_disable_meta=True))
wandb.log({"loss": 1.0})
run.finish()
"""

# A run whose console log is longer than the page's first look (256 KiB), in non-ASCII text.
CHATTY = """
import tracklab as wandb
run = wandb.init(project="runpage", id="chatty01", name="chatty")
for index in range(4000):
    print(f"line {index:05d} " + "früh übung ñandú " * 5)
run.finish()
"""

# A run that dies of an exception midway: the page shows what it stored and says it stopped.
FAILING = """
import tracklab as wandb
run = wandb.init(project="runpage", id="broken01", name="broken")
for step in range(3):
    wandb.log({"loss": float(step)})
print("about to fail")
raise RuntimeError("boom")
"""

# A live run: it logs and prints, then waits for the test's word (a file) before each next part.
LIVE = """
import pathlib, time
import numpy as np
import tracklab as wandb

run = wandb.init(project="runpage", id="live0001", name="live-run", config={"lr": 0.1})
parts = ((range(0, 5), "first part printed", "go"), (range(5, 12), "second part printed after go", "stop"))
for steps, text, word in parts:
    for step in steps:
        row = {"loss": float(step)}
        if step == steps[0]:  # one frame per part
            row["frame"] = wandb.Image(np.full((8, 8, 3), step * 20, np.uint8))
        wandb.log(row)
    print(text)
    while not pathlib.Path(word).exists():  # the test's word to go on
        time.sleep(0.05)
run.finish()
"""


def _git(cwd: Path, *args: str) -> str:
    out = subprocess.run(["git", "-c", "user.email=t@example.com", "-c", "user.name=t", *args], cwd=cwd,
                         capture_output=True, text=True, check=True)
    return out.stdout.strip()


def dirty_work_tree(work: Path) -> str:
    """Make `work` a git repository with one commit and an uncommitted change; the commit's hash."""
    work.mkdir(parents=True, exist_ok=True)
    (work / "train.py").write_text("print('hi')\n")
    _git(work, "init", "-q")
    _git(work, "add", "train.py")
    _git(work, "commit", "-q", "-m", "first")
    commit = _git(work, "rev-parse", "HEAD")
    (work / "train.py").write_text("print('changed')\n")
    return commit


def open_page(page: Any, url: str) -> None:
    page.goto(url)
    page.wait_for_selector("body[data-state]", timeout=90_000, state="attached")
    assert page.get_attribute("body", "data-state") == "ready", page.inner_text("#root")


def tab(page: Any, name: str) -> None:
    """Open one of the page's tabs as a person does: by its link."""
    page.click(f".run-nav a[data-tab='{name}']")
    page.wait_for_selector(f"body[data-tab='{name}']", state="attached")
    assert page.locator(f"#tab-{name}").is_visible()


def cell(page: Any, table: str, key: str) -> str:
    return page.locator(f"#{table} tr[data-key='{key}'] td.value").inner_text()


def field(page: Any, name: str) -> str:
    return page.locator(f"#run-info tr[data-field='{name}'] td.value").inner_text()
