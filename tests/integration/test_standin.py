"""TrackLab standing in for `wandb`: the switch, metadata, find_spec, aliased paths, private hooks."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

from tests import helpers
from tests.helpers import python_env, run_python
from tests.integration._support import only_run, run_standin, standin_env

REPO = Path(__file__).resolve().parents[2]


def test_without_the_switch_wandb_is_untouched(tl_dir):
    out = run_python("""
        import importlib.metadata as md, importlib.util, json, sys
        import tracklab, tracklab.integration, tracklab.integration.wandb_standin
        from tracklab.integration import wandb_standin_enabled
        r = tracklab.init(project="plain"); tracklab.log({"a": 1}); tracklab.finish()
        import wandb
        print(json.dumps({"ours": getattr(wandb, "__tracklab__", False), "enabled": wandb_standin_enabled(),
                          "file": wandb.__file__, "dist": str(md.distribution("wandb")._path),
                          "finders": [type(f).__name__ for f in sys.meta_path]}))
    """, tl_dir.parent / "work")
    seen = json.loads(out.stdout.strip().splitlines()[-1])
    assert seen["ours"] is False and seen["enabled"] is False
    assert "tracklab" not in seen["file"] and "tracklab" not in seen["dist"]
    assert "WandbStandinFinder" not in seen["finders"]


def test_enable_function_answers_like_wandb(tl_dir):
    run_python("""
        import importlib.metadata as md, importlib.util, sys, warnings
        import tracklab
        from tracklab.integration import enable_wandb_standin, disable_wandb_standin, wandb_standin_enabled
        facade = enable_wandb_standin()
        assert wandb_standin_enabled()
        import wandb
        assert wandb is facade and wandb.__tracklab__ and wandb.__version__ == "0.31.0"
        assert wandb.init is tracklab.init and wandb.Settings is tracklab.Settings and hasattr(wandb, "run")

        # metadata and find_spec, from our dist-info even though a real wandb is installed here
        assert importlib.util.find_spec("wandb") is not None
        assert md.version("wandb") == "0.31.0"
        meta = md.metadata("wandb")
        assert meta["Name"] == "wandb" and meta["Version"] == "0.31.0" and "TrackLab" in meta["Summary"]
        assert "tracklab" in str(md.distribution("wandb")._path)
        from packaging.requirements import Requirement
        assert Requirement("wandb>=0.12.10").specifier.contains(md.version("wandb"))

        # submodule paths the libraries import resolve to the same objects
        from wandb.sdk.wandb_run import Run
        from wandb.wandb_run import Run as Run2
        from wandb.sdk.lib import RunDisabled
        from wandb.sdk.lib.disabled import RunDisabled as RunDisabled2
        from wandb.sdk.lib.config_util import ConfigError
        from wandb.sdk.lib.runid import generate_id as gen2
        from wandb.util import generate_id, json_dumps_safer
        from wandb.sdk.data_types.base_types.wb_value import WBValue
        from wandb.errors import Error, UsageError, CommError
        from wandb.apis.public import Api
        import wandb.plot, wandb.errors, wandb.sdk.wandb_settings
        assert Run is Run2 is tracklab.Run is wandb.sdk.wandb_run.Run
        assert RunDisabled is RunDisabled2 and issubclass(ConfigError, tracklab.Error)
        assert generate_id is gen2 and len(generate_id()) == 8
        assert json_dumps_safer({"a": __import__("numpy").float32(1.5)}) == '{"a":1.5}'
        assert wandb.plot is tracklab.plot and wandb.errors is tracklab.errors and Error is tracklab.Error
        assert issubclass(tracklab.Image, WBValue) and Api is tracklab.Api
        assert wandb.sdk.wandb_run.__spec__.name == "tracklab.sdk.wandb_run"  # aliases keep their own spec
        try:
            import wandb.not_a_module
        except ModuleNotFoundError:
            pass
        else:
            raise AssertionError("unknown wandb paths must not import")

        # the run, and the private hooks integrations use
        wandb.require("service"); wandb.ensure_configured()
        run = wandb.init(project="standin", config={"lr": 0.1})
        assert wandb.run is run and isinstance(run, Run) and isinstance(wandb.run, wandb.sdk.wandb_run.Run)
        assert wandb.config is run.config and wandb.summary is run.summary
        run._label(code="transformers_trainer")
        assert wandb._attach(run._attach_id) is run
        assert wandb.api.api_key is None and vars(wandb.config)["_items"]["lr"] == 0.1
        wandb.log({"loss": 0.5})
        wandb.finish()
        assert wandb.run is None

        disabled = wandb.init(mode="disabled")
        assert isinstance(disabled, Run)
        disabled.finish()

        disable_wandb_standin()
        assert not wandb_standin_enabled() and "wandb" not in sys.modules
        import wandb as real
        assert not getattr(real, "__tracklab__", False)
    """, tl_dir.parent / "work")
    run = only_run("standin")
    assert run.config["lr"] == 0.1 and run.summary["loss"] == 0.5


def test_a_real_wandb_imported_first_is_replaced(tl_dir):
    out = run_python("""
        import warnings, sys
        import wandb as real
        from tracklab.integration import enable_wandb_standin
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            enable_wandb_standin()
        assert any("real `wandb`" in str(w.message) for w in caught)
        import wandb
        assert wandb.__tracklab__ and wandb is not real
        assert not [n for n, m in sys.modules.items() if n.startswith("wandb") and m.__name__.startswith("wandb.")]
        print("ok")
    """, tl_dir.parent / "work")
    assert out.stdout.strip().endswith("ok")


def test_environment_variable_with_the_shim(tl_dir):
    code = "import wandb, importlib.metadata as md; print(getattr(wandb, '__tracklab__', False), md.version('wandb'))"
    on = helpers.run([sys.executable, "-c", code], env=standin_env(), capture_output=True, text=True, check=True)
    assert on.stdout.split() == ["True", "0.31.0"]
    off = helpers.run([sys.executable, "-c", code], env=standin_env({"TRACKLAB_AS_WANDB": "0"}),
                      capture_output=True, text=True, check=True)
    assert off.stdout.split()[0] == "False"


def test_the_shim_runs_the_sitecustomize_it_shadows(tmp_path):
    user = tmp_path / "user_site"
    user.mkdir()
    (user / "sitecustomize.py").write_text("import os\nos.environ['USER_SITECUSTOMIZE_RAN'] = '1'\n")
    env = standin_env()
    env["PYTHONPATH"] = os.pathsep.join([env["PYTHONPATH"], str(user)])
    out = helpers.run([sys.executable, "-c", "import os, wandb; print(os.environ.get('USER_SITECUSTOMIZE_RAN'), "
                       "wandb.__tracklab__)"], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["1", "True"]


def test_tracklab_run_reaches_the_program_and_its_children(tl_dir):
    work = tl_dir.parent / "work"
    (work / "child.py").write_text(
        "import wandb\nrun = wandb.init(project='cli', name='child')\nwandb.log({'x': 2})\nwandb.finish()\n")
    (work / "train.py").write_text(
        "import subprocess, sys, wandb\n"
        "run = wandb.init(project='cli', name='parent')\nwandb.log({'x': 1})\nwandb.finish()\n"
        "subprocess.run([sys.executable, 'child.py'], check=True)\nsys.exit(3)\n")
    proc = helpers.run([sys.executable, "-m", "tracklab.cli", "run", "--", sys.executable, "train.py"],
                       cwd=str(work), env=python_env(), capture_output=True, text=True, timeout=120)
    assert proc.returncode == 3, proc.stderr
    runs = {run.name: run for run in __import__("tracklab").Api().runs("cli")}
    assert set(runs) == {"parent", "child"}
    assert runs["parent"].summary["x"] == 1 and runs["child"].summary["x"] == 2
    printed = helpers.run([sys.executable, "-m", "tracklab.cli", "run", "--print-env"], env=python_env(),
                          capture_output=True, text=True, check=True).stdout
    assert "export TRACKLAB_AS_WANDB=1" in printed and "_shim" in printed


def test_standin_scripts_check_for_the_real_wandb(tl_dir):
    run_standin("""
        import wandb
        run = wandb.init(project="check")
        wandb.log({"a": 1})
        wandb.finish()
    """, tl_dir.parent / "work")
    assert only_run("check").summary["a"] == 1
