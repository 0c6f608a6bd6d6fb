"""A Metaflow flow decorated with `wandb.integration.metaflow.wandb_log`, run with `python flow.py
run` under the stand-in and under wandb offline: one run per decorated step, with the same
group, job type, config, history and logged artifacts."""

from __future__ import annotations

import pytest

from tests import helpers
from tests.integration._support import plain, project_runs, rows, run_standin

pytestmark = pytest.mark.slow

FLOW = '''
from metaflow import FlowSpec, Parameter, step
from wandb.integration.metaflow import wandb_log


class TinyFlow(FlowSpec):
    alpha = Parameter("alpha", default=0.5)

    @wandb_log(datasets=True)
    @step
    def start(self):
        import pandas as pd
        self.table = pd.DataFrame({"x": [1, 2, 3], "y": [2.0, 4.0, 6.0]})
        self.scale = 2
        self.next(self.train)

    @wandb_log{train_flags}
    @step
    def train(self):
        self.total = float(self.table["y"].sum()) * self.alpha * self.scale
        from sklearn.linear_model import LinearRegression
        self.model = LinearRegression().fit(self.table[["x"]], self.table["y"])
        self.next(self.end)

    @step
    def end(self):
        print("total", self.total)


if __name__ == "__main__":
    TinyFlow()
'''

# Runs the flow the way users do; Metaflow starts a Python process per step.
SCRIPT = """
import os, subprocess, sys
with open("flow.py", "w") as f:
    f.write({flow!r})
env = dict(os.environ, USER="tester", WANDB_PROJECT="mf", METAFLOW_DEFAULT_DATASTORE="local",
           METAFLOW_DEFAULT_METADATA="local")
done = subprocess.run([sys.executable, "flow.py", "--no-pylint", "run", "--alpha", "0.25"], env=env,
                      capture_output=True, text=True)
assert done.returncode == 0, done.stdout + done.stderr
"""



def test_metaflow_steps_match_wandb_offline(tl_dir, tmp_path):
    helpers.require("metaflow")
    from tests._wandb_offline import run_wandb_offline

    # wandb offline cannot use artifacts: the step reading the DataFrame logs nothing extra
    script = SCRIPT.format(flow=FLOW.replace("{train_flags}", ""))
    oracle = run_wandb_offline(script, tmp_path / "oracle", timeout=600)
    run_standin(script, tmp_path / "work", timeout=600)
    runs = sorted(project_runs("mf"), key=lambda r: r.job_type)
    theirs = sorted(oracle["runs"], key=lambda r: r["meta"]["job_type"])

    assert [r.job_type for r in runs] == [r["meta"]["job_type"] for r in theirs] == ["start", "train"]
    flow_run = runs[0].group.split("/")[1]
    assert [r.group for r in runs] == [f"TinyFlow/{flow_run}"] * 2  # <flow>/<Metaflow run id>, as wandb
    for run, oracle_run in zip(runs, theirs, strict=True):
        assert plain(dict(run.config)) == plain(oracle_run["config"]) == {"alpha": 0.25}
        assert [plain(r) for r in rows(run)] == [plain(r) for r in oracle_run["history"]]
        logged = [(a.name.split(":")[0], a.type) for a in run.logged_artifacts()]
        assert logged == [(a["name"], a["type"]) for a in oracle_run["artifacts"]]
    assert [plain(r) for r in rows(runs[1])] == [{"total": 6.0}]
    table = runs[0].logged_artifacts()[0]
    assert [f.path for f in table.files()] == ["table.parquet"]


def test_metaflow_records_artifacts_used_and_models(tl_dir, tmp_path):
    """With `datasets=True, models=True` on the second step too: the DataFrame it reads from the first
    step is an artifact it used, and the model it fits is logged (what wandb offline cannot do)."""
    helpers.require("metaflow")
    flow = FLOW.replace("{train_flags}", "(datasets=True, models=True)")
    run_standin(SCRIPT.format(flow=flow), tmp_path / "work", timeout=600)
    train = next(r for r in project_runs("mf") if r.job_type == "train")
    assert [a.name.split(":")[0] for a in train.used_artifacts()] == ["table"]
    assert [(a.name.split(":")[0], a.type) for a in train.logged_artifacts()] == [("model", "model")]
    assert [f.path for f in train.logged_artifacts()[0].files()] == ["model.pkl"]
