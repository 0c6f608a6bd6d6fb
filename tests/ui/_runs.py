"""The TrackLab scripts that fill the UI tests' store (each runs in its own interpreter)."""

VISION = """
import numpy as np
import plotly.graph_objects as go
import tracklab as wandb

run = wandb.init(project="vision", id="vision01", name="vision-run", config={"lr": 0.01, "arch": "cnn"},
                 settings=wandb.Settings(x_stats_sampling_interval=0.2, x_stats_buffer_size=10))
wandb.define_metric("epoch")
wandb.define_metric("val/*", step_metric="epoch")
rng = np.random.default_rng(0)
for step in range(12):
    row = {"loss": 1.0 / (step + 1), "epoch": step // 4}
    if step % 4 == 3:
        row["val/acc"] = step / 12
    if step % 3 == 0:
        img = np.zeros((40, 40, 3), np.uint8)
        img[:, :, 0] = 40 + step * 15
        mask = np.zeros((40, 40), np.uint8)
        mask[5:20, 5:20] = 1
        mask[25:35, 25:35] = 2
        row["samples"] = wandb.Image(
            img, caption=f"step {step}",
            masks={"pred": {"mask_data": mask, "class_labels": {0: "bg", 1: "cat", 2: "dog"}}},
            boxes={"truth": {"box_data": [
                {"position": {"minX": 0.1, "maxX": 0.4, "minY": 0.1, "maxY": 0.4}, "class_id": 1, "box_caption": "cat"},
                {"position": {"middle": [30, 30], "width": 8, "height": 8}, "domain": "pixel", "class_id": 2,
                 "box_caption": "dog"}], "class_labels": {1: "cat", 2: "dog"}}})
        row["weights"] = wandb.Histogram(rng.normal(step, 1.0, 500))
        row["clip"] = wandb.Audio(np.sin(np.arange(4000) / 5.0), sample_rate=8000)
        row["page"] = wandb.Html("<p id=x>hello from html</p><script>try { parent.document.title; "
                                 "document.title = 'leaked'; } catch (e) { document.title = 'blocked'; }</script>")
        row["cloud"] = wandb.Object3D(rng.random((30, 3)))
        row["note"] = f"text at {step}"
    wandb.log(row)
labels = ["cat", "dog", "bird"]
table = wandb.Table(columns=["id", "label", "score", "image"],
                    data=[[i, labels[i % 3], i / 10, wandb.Image(np.full((8, 8, 3), i * 30, np.uint8))] for i in range(7)])
wandb.log({"preds": table})
wandb.log({"curves": wandb.plot.line_series(xs=[0, 1, 2, 3], ys=[[0, 1, 4, 9], [0, 2, 3, 5]], keys=["sq", "lin"],
                                            title="Curves")})
wandb.log({"fig": go.Figure(go.Bar(x=["a", "b"], y=[3, 5]))})
wandb.log({"movie": wandb.Video(rng.integers(0, 255, (3, 3, 16, 16), dtype=np.uint8), fps=2, format="gif")})
from tests.helpers import wait_until
wait_until(lambda: len(run._system_metrics.get("system/cpu_utilization_percentage", [])) >= 3,
           what="a few system-metrics samples")
run.finish()
"""

COMPARE = """
import math
import tracklab as wandb

runs = [("alpha", "A", ["base"]), ("beta", "A", ["base"]), ('<img src=x onerror="window.__xss=1">', "B", ["tuned"]),
        ("delta", "B", ["tuned"])]
for index, (name, group, tags) in enumerate(runs):
    run = wandb.init(project="compare", id=f"cmp{index:05d}", name=name, group=group, tags=tags,
                     config={"seed": index}, reinit="finish_previous")
    for step in range(50):
        wandb.log({"loss": math.exp(-step / 10) + index * 0.1 + (0.05 if step % 2 else 0.0), "acc": step / 50})
    run.finish()
"""

SWEEP = """
import random
import tracklab as wandb

random.seed(1)
for index in range(6):
    lr = 10 ** random.uniform(-4, -1)
    batch = [16, 32, 64][index % 3]
    optimizer = ["adam", "sgd"][index % 2]
    run = wandb.init(project="tune", id=f"trial{index:03d}", config={"lr": lr, "batch": batch, "optimizer": optimizer},
                     settings=wandb.Settings(sweep_id="sweep01"), reinit="finish_previous")
    loss = abs(lr - 0.01) * 40 + (0.2 if optimizer == "sgd" else 0.0) + index * 0.01
    for step in range(3):
        wandb.log({"loss": loss * (3 - step)})
    run.finish()
"""

LONG_STEPS = 1_000_000
SPIKE_STEP = 777_777
LONG = f"""
import math
import tracklab as wandb

run = wandb.init(project="long", id="long0001", name="million")
log = wandb.log
for step in range({LONG_STEPS}):
    log({{"loss": math.sin(step / 5000.0) + (5.0 if step == {SPIKE_STEP} else 0.0)}})
run.finish()
"""

# A run whose process and writer both die: only the run log holds its last steps.
ORPHAN = """
import os, signal, time
import tracklab as wandb

run = wandb.init(project="crash", id="orphan01", name="orphan")
for step in range(20):
    wandb.log({"loss": float(step)})
run._runlog.flush()
os.kill(run._writer.process.pid, signal.SIGKILL)
print("ready", flush=True)
time.sleep(120)
"""

# Two versions of a dataset (v0 "best", v1 "latest"), logged by two runs.
ARTIFACTS_LOG = """
import os
import tracklab as wandb

os.makedirs("data", exist_ok=True)
for index, text in enumerate(["first", "second"]):
    with open("data/readme.txt", "w") as handle:
        handle.write(text)
    with open("data/rows.csv", "w") as handle:
        handle.write("a,b\\n1,2\\n")
    run = wandb.init(project="vision", id=f"producer{index}", name=f"producer-{index}", reinit="finish_previous")
    art = wandb.Artifact("digits", type="dataset", description="raw digits", metadata={"rows": 1, "source": "<b>x</b>"})
    art.add_dir("data")
    run.log_artifact(art, aliases=["best"] if index == 0 else None)
    run.finish()
"""

# In its own process: a run that uses the "best" version.
ARTIFACTS_USE = """
import tracklab as wandb

run = wandb.init(project="vision", id="consumer0", name="consumer")
run.use_artifact("digits:best")
run.finish()
"""
