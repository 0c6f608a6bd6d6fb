"""Every `wandb.integration.*` module of wandb 0.31 imports under the stand-in, with wandb's public
names, and its functions and classes take wandb's parameters (checked against wandb's own source
when wandb is installed)."""

from __future__ import annotations

import ast
import importlib.util
import json
from pathlib import Path

import pytest

from tests.integration._support import run_standin

#: wandb 0.31's integration modules (and the submodules users import) with their public names.
PUBLIC = {
    "catboost": ["WandbCallback", "log_summary"],
    "diffusers": ["autolog"],
    "dspy": ["WandbDSPyCallback"],
    "fastai": ["WandbCallback", "FastaiError"],
    "gym": ["monitor"],
    "huggingface": ["autolog"],
    "keras": ["WandbMetricsLogger", "WandbModelCheckpoint", "WandbEvalCallback"],
    "kfp": ["wandb_log", "unpatch_kfp"],
    "lightgbm": ["wandb_callback", "log_summary"],
    "lightning": [],
    "lightning.fabric": ["WandbLogger"],
    "metaflow": ["wandb_log", "wandb_track", "wandb_use"],
    "openai": [],
    "openai.fine_tuning": ["WandbLogger"],
    "prodigy": ["upload_dataset"],
    "sacred": ["WandbObserver"],
    "sagemaker": ["sagemaker_auth", "is_using_sagemaker", "parse_sm_config", "parse_sm_secrets",
                  "set_global_settings", "set_run_id"],
    "sb3": ["WandbCallback"],
    "sklearn": ["plot_classifier", "plot_clusterer", "plot_regressor", "plot_summary_metrics",
                "plot_learning_curve", "plot_feature_importances", "plot_class_proportions",
                "plot_calibration_curve", "plot_roc", "plot_precision_recall", "plot_confusion_matrix",
                "plot_elbow_curve", "plot_silhouette", "plot_residuals", "plot_outlier_candidates"],
    "tensorboard": ["patch", "unpatch"],
    "tensorflow": ["WandbHook"],
    "torch": [],
    "torch.wandb_torch": ["TorchHistory", "TorchGraph", "nested_shape", "log_track_init", "log_track_update"],
    "ultralytics": ["WandBUltralyticsCallback", "add_wandb_callback"],
    "weave": ["active_run_path", "RunPath", "build_project_path", "ensure_version", "init_weave",
              "init_weave_if_imported"],
    "xgboost": ["WandbCallback", "wandb_callback"],
}

WANDB_031_MODULES = {"catboost", "diffusers", "dspy", "fastai", "gym", "huggingface", "keras", "kfp", "lightgbm",
                     "lightning", "metaflow", "openai", "prodigy", "sacred", "sagemaker", "sb3", "sklearn",
                     "tensorboard", "tensorflow", "torch", "ultralytics", "weave", "xgboost"}

#: Reads each name's parameters (a class: its __init__'s) where its library is installed; a name
#: whose library is missing must fail with an ImportError naming what to install.
SIGNATURES = """
import importlib, inspect, json, sys
found = {}
for module_name, names in PUBLIC.items():
    module = importlib.import_module("wandb.integration." + module_name)
    assert module.__name__.startswith("tracklab."), module
    listed = set(dir(module))
    missing = [n for n in names if n not in listed]
    assert not missing, f"wandb.integration.{module_name} lacks {missing}"
    for name in names:
        try:
            value = getattr(module, name)
        except ImportError as exc:  # the library is missing (or cannot be imported here)
            found[f"{module_name}.{name}"] = "library missing: " + str(exc)
            continue
        target = value.__init__ if isinstance(value, type) else value
        try:
            parameters = [p for p in inspect.signature(target).parameters if p not in ("self", "cls")]
        except (TypeError, ValueError):
            parameters = None
        if isinstance(value, type) and "__init__" not in vars(value) and not any(
                "__init__" in vars(c) for c in value.__mro__[1:-1] if c.__module__.startswith("tracklab")):
            parameters = None  # a class without its own __init__ (an exception...)
        found[f"{module_name}.{name}"] = parameters
        if isinstance(value, type):  # and each public method's (properties as "property")
            for attr, member in vars(value).items():
                if attr.startswith("_"):
                    continue
                if isinstance(member, property):
                    found[f"{module_name}.{name}.{attr}"] = "property"
                    continue
                function = member.__func__ if isinstance(member, (classmethod, staticmethod)) else member
                try:
                    params = inspect.signature(function).parameters if callable(function) else None
                except (TypeError, ValueError):
                    params = None
                if params is not None:
                    found[f"{module_name}.{name}.{attr}"] = [p for p in params if p not in ("self", "cls")]
# wandb's top-level shortcuts to its integrations
import wandb
assert wandb.sacred is importlib.import_module("wandb.integration.sacred")
assert wandb.catboost.log_summary and wandb.gym.monitor and wandb.tensorflow.__name__.endswith("tensorflow")
assert wandb.wandb_torch.TorchHistory and wandb.sagemaker_auth.__module__.endswith("sagemaker")
import wandb.sacred, wandb.gym  # the import paths wandb's lazy loaders answer too
print("SIGNATURES " + json.dumps(found))
"""


def _ours(tmp_path: Path) -> dict:
    proc = run_standin(f"PUBLIC = {PUBLIC!r}\n" + SIGNATURES, tmp_path)
    line = next(line for line in proc.stdout.splitlines() if line.startswith("SIGNATURES "))
    return json.loads(line[len("SIGNATURES "):])


@pytest.fixture(scope="module")
def ours(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """What one stand-in process finds (importing keras and TensorFlow takes a while: once per file)."""
    return _ours(tmp_path_factory.mktemp("signatures"))


def test_every_wandb_031_module_is_covered():
    assert {name.split(".")[0] for name in PUBLIC} == WANDB_031_MODULES


@pytest.mark.slow
def test_every_module_imports_with_wandbs_public_names(ours):
    found = ours
    assert {k for k in found if k.count(".") == 1 or k.split(".")[0] in ("lightning", "openai", "torch")} >= {
        f"{m}.{n}" for m, names in PUBLIC.items() for n in names}


@pytest.mark.slow
def test_a_missing_library_is_named_with_what_to_install(ours):
    if importlib.util.find_spec("dspy") is not None:
        pytest.skip("dspy is installed")
    found = ours
    assert found["dspy.WandbDSPyCallback"] == (
        "library missing: wandb.integration.dspy needs the `dspy` package: pip install dspy")
    assert "fastai 1.x callback" in found["fastai.WandbCallback"]


def _wandb_integration_dir() -> Path | None:
    spec = importlib.util.find_spec("wandb")
    if spec is None or spec.origin in (None, "tracklab") or not spec.submodule_search_locations:
        return None
    folder = Path(list(spec.submodule_search_locations)[0]) / "integration"
    return folder if folder.is_dir() else None


def _parameters(node: ast.AST) -> list[str]:
    args = node.args  # type: ignore[attr-defined]
    names = [a.arg for a in [*args.posonlyargs, *args.args, *args.kwonlyargs]]
    if args.vararg:
        names.append(args.vararg.arg)
    if args.kwarg:
        names.append(args.kwarg.arg)
    return [n for n in names if n not in ("self", "cls")]


#: Public methods of wandb's classes that TrackLab leaves out, and why.
KNOWN_GAPS = {
    # the prediction-overlay tables (boxes, masks, key points drawn on validation images)
    "ultralytics.WandBUltralyticsCallback.on_val_start", "ultralytics.WandBUltralyticsCallback.on_val_end",
    "ultralytics.WandBUltralyticsCallback.on_predict_start", "ultralytics.WandBUltralyticsCallback.on_predict_end",
    # wandb's graph-building internals; TrackLab's TorchGraph builds the same graph its own way
    "torch.wandb_torch.TorchGraph.create_forward_hook", "torch.wandb_torch.TorchGraph.hook_torch_modules",
    "torch.wandb_torch.TorchGraph.from_torch_layers", "torch.wandb_torch.TorchGraph.node_from_module",
    # Fabric has no ModelCheckpoint callback to hook (no checkpoint logging)
    "lightning.fabric.WandbLogger.after_save_checkpoint",
    # wandb's DSPy program-signature table
    "dspy.WandbDSPyCallback.on_module_end",
}


def _wandb_definitions(package: Path) -> dict[str, list[str] | None]:
    """Top-level functions and classes (their __init__'s parameters, and `Class.method` for each
    public method) in wandb's files for one module."""
    files = [package] if package.suffix == ".py" else sorted(package.rglob("*.py"))
    found: dict[str, list[str] | None] = {}
    for path in files:
        for node in ast.parse(path.read_text()).body:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                found.setdefault(node.name, _parameters(node))
            elif isinstance(node, ast.ClassDef):
                init = next((n for n in node.body if isinstance(n, ast.FunctionDef) and n.name == "__init__"), None)
                found.setdefault(node.name, _parameters(init) if init else None)
                for method in node.body:
                    if isinstance(method, ast.FunctionDef) and not method.name.startswith("_"):
                        decorators = {getattr(d, "id", getattr(d, "attr", "")) for d in method.decorator_list}
                        found.setdefault(f"{node.name}.{method.name}",
                                         "property" if decorators & {"property", "cached_property"}
                                         else _parameters(method))
    return found


@pytest.mark.slow
def test_signatures_match_wandbs_source(ours):
    folder = _wandb_integration_dir()
    if folder is None:
        pytest.skip("the real wandb is not installed: nothing to compare with")
    differences = {}
    for module_name, names in PUBLIC.items():
        package = folder.joinpath(*module_name.split("."))
        package = package if package.is_dir() else package.with_suffix(".py")
        theirs = _wandb_definitions(package)
        for name in names:
            if str(ours[f"{module_name}.{name}"]).startswith("library missing"):
                continue  # its library is missing here: nothing to read the signature from
            for key, params in theirs.items():
                if key != name and not key.startswith(name + "."):
                    continue
                full = f"{module_name}.{key}"
                if full in KNOWN_GAPS or params is None:
                    continue
                if ours.get(full) != params:
                    differences[full] = {"wandb": params, "tracklab": ours.get(full, "missing")}
    assert not differences, json.dumps(differences, indent=1)
