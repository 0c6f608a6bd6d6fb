"""The integration modules built around a remote service (openai, weave, sagemaker, kfp, prodigy,
dspy): what works locally works, and what needs the service says so with NotAvailableLocally."""

from __future__ import annotations

from tests.integration._support import only_run, rows, run_standin

NOT_AVAILABLE = """
import pytest, wandb
from tracklab.integration._requires import NotAvailableLocally
from wandb.integration.openai.fine_tuning import WandbLogger
from wandb.integration import kfp, sagemaker, weave

for call in (lambda: WandbLogger.sync(fine_tune_job_id="ftjob-1"), lambda: weave.init_weave("me", "p"),
             lambda: sagemaker.sagemaker_auth(api_key="k"), kfp.patch_kfp):
    with pytest.raises(NotAvailableLocally, match="not available with TrackLab") as caught:
        call()
    assert isinstance(caught.value, (wandb.Error, NotImplementedError))
print("RAISED", str(caught.value))
weave.init_weave_if_imported("me", "p")  # wandb.init's hook: nothing to do locally
kfp.unpatch_kfp()
assert WandbLogger.sanitize({"a": [1, object]}) == {"a": [1, str(object)]}
"""


def test_remote_features_raise_not_available(tmp_path):
    proc = run_standin(NOT_AVAILABLE, tmp_path)
    assert "wandb.integration.kfp: patch_kfp() is not available with TrackLab" in proc.stdout


LOCAL_PARTS = """
import json, os, wandb
from wandb.integration import kfp, prodigy, sagemaker, weave

assert weave.active_run_path() is None
assert weave.build_project_path(None, "p") == "p" and weave.build_project_path("me", "p") == "me/p"
assert weave.build_project_path("me", None) is None

os.environ["SM_TRAINING_ENV"] = json.dumps({"job_name": "job-7", "hosts": ["algo-1"], "current_host": "algo-1"})
with open("secrets.env", "w") as f:
    f.write("WANDB_PROJECT=remote-only\\nWANDB_API_KEY=secret\\n")
assert sagemaker.is_using_sagemaker()
assert sagemaker.parse_sm_secrets() == {"WANDB_PROJECT": "remote-only", "WANDB_API_KEY": "secret"}
assert sagemaker.parse_sm_config() == {"sagemaker_training_job_name": "job-7"}
settings = wandb.Settings()
assert sagemaker.set_run_id(settings) and settings.run_id == "job-7"
sagemaker.set_global_settings(settings)
assert os.environ["WANDB_PROJECT"] == "remote-only" and "WANDB_API_KEY" not in os.environ

@kfp.wandb_log(entity="lab")
def add(a: float, b: float = 2.0) -> float:
    run = wandb.run
    assert weave.active_run_path() == weave.RunPath(entity=run.entity, project=run.project, run_id=run.id)
    return a + b

assert add(1.5) == 3.5
assert wandb.run is None  # the component's run is finished when it returns
with wandb.init(project="remote-only", name="no-entity"):
    assert weave.active_run_path() is None  # as wandb: a path needs an entity (offline runs have none)

run = wandb.init(project="remote-only", name="prodigy")
table = prodigy.create_table([{"text": "a", "spans": [{"label": "X"}]}, {"text": "b", "answer": "accept"}])
run.log({"annotations": table})
wandb.finish()
"""


def test_local_parts_work(tl_dir, tmp_path):
    run_standin(LOCAL_PARTS, tmp_path / "work")
    import tracklab

    runs = {r.name: r for r in tracklab.Api().runs("remote-only")}
    component = runs["add"]
    assert component.job_type == "add"
    assert dict(component.config) == {"a": 1.5, "b": 2.0}
    assert component.summary["output"] == 3.5
    annotations = rows(runs["prodigy"])[0]["annotations"]
    assert annotations["_type"] == "table-file" and annotations["ncols"] == 3 and annotations["nrows"] == 2


def test_prodigy_upload_needs_prodigy(tl_dir, tmp_path):
    proc = run_standin("""
import wandb
from wandb.integration.prodigy import upload_dataset
wandb.init(project="p")
try:
    upload_dataset("news")
except ModuleNotFoundError as exc:
    print("MISSING", exc)
wandb.finish()
""", tmp_path / "work")
    assert "MISSING wandb.integration.prodigy needs the `prodigy` package: pip install prodigy" in proc.stdout
    assert only_run("p").state == "finished"
