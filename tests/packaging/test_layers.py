"""The package layering of docs/architecture.md, checked on the source: every import between
packages (lazy ones inside functions included) goes to a lower layer, so there is no import
circle. The facade (`tracklab/__init__.py`) and `tracklab._wiring` (which it loads) sit above
everything and are not layered."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LAYERS = {
    "tracklab.errors": 0, "tracklab.env": 0, "tracklab.system_metrics": 0,
    "ui_extensions": 0,  # the panels' pages: imports nothing, served by the plugin
    "tracklab.backend": 1,
    "tracklab.sdk": 2,
    "tracklab.apis": 3,
    "tracklab.sweeps": 4, "tracklab.integration": 4, "tracklab.plot": 4, "tracklab.ui": 4,
    "tracklab.wandb_import": 4, "tracklab.demo": 4, "tracklab.util": 4,
    "tracklab.cli": 5, "mlflow_plugins": 5,
    "tracklab.__main__": 6,  # `python -m tracklab`: the command
}
# Same-layer imports the architecture names: integrations draw with tracklab.plot's presets;
# `tracklab verify` checks that the plugin's pages load.
ALLOWED = {("tracklab.integration", "tracklab.plot"), ("tracklab.cli", "mlflow_plugins"),
           ("tracklab.cli", "ui_extensions")}
UNLAYERED = {"tracklab", "tracklab._wiring"}


def _package(module: str) -> str | None:
    parts = module.split(".")
    if parts[0] in ("mlflow_plugins", "ui_extensions"):
        return parts[0]
    if parts[0] != "tracklab":
        return None
    return "tracklab." + parts[1] if len(parts) > 1 else "tracklab"


def _edges() -> set[tuple[str, str, str]]:
    found = set()
    for top in ("tracklab", "mlflow_plugins", "ui_extensions"):
        for path in (ROOT / top).rglob("*.py"):
            rel = path.relative_to(ROOT).with_suffix("")
            module = ".".join(rel.parts[:-1] if rel.name == "__init__" else rel.parts)
            source = _package(module)
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                targets: list[str] = []
                if isinstance(node, ast.Import):
                    targets = [alias.name for alias in node.names]
                elif isinstance(node, ast.ImportFrom):
                    if node.level:
                        base = module.split(".")
                        base = base[: len(base) - node.level + (1 if rel.name == "__init__" else 0)]
                        targets = [".".join(base + ([node.module] if node.module else []))]
                    else:
                        targets = [node.module or ""]
                for target in targets:
                    package = _package(target)
                    if package and package != source:
                        found.add((source, package, f"{rel}.py:{node.lineno}"))
    return found


def test_every_package_has_a_layer():
    packages = {source for source, _, _ in _edges()} | {target for _, target, _ in _edges()}
    assert packages - UNLAYERED <= set(LAYERS), sorted(packages - UNLAYERED - set(LAYERS))


def test_imports_go_down_the_layers_only():
    upward = sorted(f"{where}: {source} (layer {LAYERS[source]}) imports {target} (layer {LAYERS[target]})"
                    for source, target, where in _edges()
                    if source not in UNLAYERED and target not in UNLAYERED
                    and LAYERS[target] >= LAYERS[source] and (source, target) not in ALLOWED)
    assert not upward, "\n".join(upward)


def test_only_the_facade_loads_the_wiring():
    users = sorted(where for source, target, where in _edges() if target == "tracklab._wiring" and source != "tracklab")
    assert not users, users


def _sources() -> dict[str, str]:
    return {str(path.relative_to(ROOT)): path.read_text(encoding="utf-8")
            for top in ("tracklab", "mlflow_plugins") for path in (ROOT / top).rglob("*.py")}


def test_sql_on_mlflows_tables_only_in_the_store_modules():
    """Raw SQL on MLflow's tables lives in the SQLite (and PostgreSQL) writer and reader, the
    runs query they share and creating a store; everything else reads through `backend/reader.py`."""
    allowed = {"tracklab/backend/sqlite_store.py", "tracklab/backend/sqlite_reader.py",
               "tracklab/backend/postgres_store.py", "tracklab/backend/postgres_reader.py",
               "tracklab/backend/run_rows.py",
               "tracklab/backend/store_setup.py",
               "tracklab/backend/store_schema.py"}
    sql = re.compile(r"\b(FROM|INTO|UPDATE|JOIN)\s+(runs|experiments|metrics|latest_metrics|params|tags|"
                     r"alembic_version)\b")
    found = sorted(path for path, text in _sources().items() if sql.search(text) and path not in allowed)
    assert not found, found


def test_one_mlflow_client_cache_and_one_file_uri_reader():
    """`MlflowClient(` is built in `backend/mlflow_client.py` only; `file://` artifact locations
    become paths in `backend/location.local_path` only."""
    clients = sorted(p for p, text in _sources().items() if "MlflowClient(" in text)
    assert clients == ["tracklab/backend/mlflow_client.py"], clients
    decoding = sorted(p for p, text in _sources().items() if re.search(r"unquote\(|removeprefix\(\"file://\"\)|"
                                                                      r"\[len\(\"file://\"\):\]", text))
    assert set(decoding) <= {"tracklab/backend/location.py", "tracklab/sdk/artifacts/_references.py",
                             "tracklab/cli/server_cmd.py"}, decoding


def test_the_plugin_reads_runs_through_public_accessors():
    found = sorted(p for p, text in _sources().items()
                   if p.startswith("mlflow_plugins/") and re.search(r"\._(reader|mlflow)\b", text))
    assert not found, found
