"""`tracklab import-wandb`: real wandb offline runs loaded into the store equal what TrackLab
records for the same script; importing twice changes nothing."""

from __future__ import annotations

import sys

import tracklab
from tests import helpers
from tests._wandb_offline import run_wandb_offline
from tests.differential import normalise, run_tracklab
from tests.helpers import python_env, stored_run
from tracklab.cli.run_cmd import child_environment

SCRIPT = """
import numpy as np
import wandb

run = wandb.init(project="imported", name="from-wandb", tags=["old"], config={"lr": 0.1, "net": {"depth": 3}})
for step in range(30):
    wandb.log({"loss": 1.0 / (step + 1), "text": f"t{step}" if step % 10 == 0 else None})
wandb.log({"image": wandb.Image(np.full((8, 8, 3), 200, dtype=np.uint8))})
run.summary["best"] = 0.5
wandb.finish()
"""


def _import(paths, cwd):
    return helpers.run([sys.executable, "-m", "tracklab.cli", "import-wandb", *paths], cwd=cwd, env=python_env(),
                       capture_output=True, text=True, timeout=300)


def test_import_wandb_offline_runs(tl_dir, tmp_path):
    wandb_side = run_wandb_offline(SCRIPT, tmp_path / "w")
    first = _import([wandb_side["run_dir"]], tmp_path)
    assert first.returncode == 0, first.stderr
    assert "imported" in first.stdout
    run_id = wandb_side["run_id"]
    api_run = tracklab.Api().run(f"imported/{run_id}")
    assert api_run.name == "from-wandb" and api_run.tags == ["old"] and api_run.state == "finished"
    imported = {"history": list(api_run.scan_history()), "summary": dict(api_run.summary),
                "config": dict(api_run.config)}
    for part in ("history", "summary", "config"):
        assert normalise(imported[part]) == normalise(wandb_side[part]), part
    # The media file came along, and the same script under TrackLab records the same descriptor.
    image = imported["history"][-1]["image"]
    assert image["_type"] == "image-file" and image["path"] in {f.name for f in api_run.files()}
    tracklab_side = run_tracklab(SCRIPT.replace('project="imported"', 'project="native"'), tl_dir, tmp_path, "native")
    assert normalise(tracklab_side["history"]) == normalise(imported["history"])
    # Importing again (also through the whole wandb/ folder) adds nothing.
    before = len(stored_run(tl_dir, "imported", run_id).data.metrics)
    again = _import([str(tmp_path / "w")], tmp_path)
    assert again.returncode == 0 and "already imported" in again.stdout
    assert len(stored_run(tl_dir, "imported", run_id).data.metrics) == before


def test_import_refuses_what_is_not_a_wandb_run(tl_dir, tmp_path):
    bogus = tmp_path / "run-x.wandb"
    bogus.write_bytes(b"not a run file at all")
    result = _import([str(bogus)], tmp_path)
    assert result.returncode == 1 and "not a wandb run file" in result.stderr
    empty = _import([str(tmp_path / "w" if (tmp_path / "w").exists() else tmp_path)], tmp_path)
    assert empty.returncode != 0


MIGRATE = """
import wandb

run = wandb.init(project="moved", config={"lr": 0.1, "net": {"depth": 3}})
for step in range(3):
    wandb.log({"loss": 1.0 / (step + 1)})
wandb.finish()
"""


def test_migration_commands_work_under_the_standin(tl_dir, tmp_path, monkeypatch):
    """`wandb sync`, `tracklab sync` and `tracklab import-wandb` read wandb's run files while
    `import wandb` gives TrackLab in their process; the config reads back as wandb's API shows it."""
    wandb_side = run_wandb_offline(MIGRATE, tmp_path / "w")
    monkeypatch.setenv("PYTHONPATH", python_env()["PYTHONPATH"])
    standin = child_environment()  # what `tracklab run` gives its children: the stand-in and the `wandb` command
    probe = helpers.run([sys.executable, "-c", "import wandb; print(wandb.__tracklab__)"], env=standin,
                        capture_output=True, text=True, timeout=120)
    assert probe.stdout.strip() == "True", probe.stderr
    commands = {"wandb-sync": ["wandb", "sync", wandb_side["run_dir"]],
                "tracklab-sync": [sys.executable, "-m", "tracklab.cli", "sync", wandb_side["run_dir"]],
                "import-wandb": [sys.executable, "-m", "tracklab.cli", "import-wandb", wandb_side["run_dir"]]}
    for name, argv in commands.items():
        store = tmp_path / name
        proc = helpers.run(argv, env={**standin, "TRACKLAB_DIR": str(store)}, cwd=tmp_path,
                           capture_output=True, text=True, timeout=300)
        assert proc.returncode == 0, f"{name}: {proc.stdout}{proc.stderr}"
        run = tracklab.Api(tracking_uri=f"sqlite:///{store / 'mlflow.db'}").run(f"moved/{wandb_side['run_id']}")
        assert dict(run.config) == {"lr": 0.1, "net": {"depth": 3}}, name  # no `_wandb` key, as wandb's API
        assert [row["loss"] for row in run.scan_history()] == [1.0, 0.5, 1 / 3], name
