"""`tracklab verify`: check that this installation works, one line per check, with what to do.

The checks: the store (reachable, and at the schema revision the bulk writer supports), the MLflow
UI plugin (`mlflow.app` entry point), the UI pages, the gpu_stats sampler, and a tiny run written
to a temporary store and read back. Exit status 1 when any check fails.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from typing import Callable

import click

PLUGIN_GROUP = "mlflow.app"
PLUGIN_NAME = "tracklab"


@dataclass(frozen=True)
class Check:
    """The outcome of one check: `ok`, what was found, and (on failure) what to do."""

    name: str
    ok: bool
    found: str
    todo: str = ""

    def line(self) -> str:
        text = f"{'ok  ' if self.ok else 'FAIL'}  {self.name}: {self.found}"
        return f"{text}\n        -> {self.todo}" if self.todo else text


def check_store(tracking_uri: str | None = None) -> Check:
    """The tracking URI answers; a local SQLite store is at a revision the bulk writer knows."""
    from tracklab.backend import location, store_setup

    uri = location.resolve_tracking_uri(tracking_uri)
    db = location.sqlite_path(uri)
    if db is not None:
        if not os.path.exists(db):
            return Check("store", True, f"{uri}: no store yet; the first run creates it")
        problem = store_setup.store_problem(db)  # what init() would refuse, with the fix
        if problem is not None:
            found, _, todo = problem.partition("; ")
            return Check("store", False, found, todo)
        revision = store_setup.schema_revision(db)
        if revision is None:
            return Check("store", True, f"{uri}: an empty store; the first run creates its tables")
        known = ", ".join(sorted(store_setup.KNOWN_REVISIONS))
        if revision not in store_setup.KNOWN_REVISIONS:
            return Check("store", False, f"{uri}: schema revision {revision}, the bulk writer supports {known}",
                         "runs still work, through MLflow's client (slower); for the fast path install the "
                         "MLflow version TrackLab supports (pip install 'mlflow>=3.17,<4' and a TrackLab "
                         "release built for it)")
        return Check("store", True, f"{uri}: schema revision {revision} (bulk writer)")
    return _check_server(uri)


def _check_server(uri: str) -> Check:
    todo = "start the server or fix TRACKLAB_TRACKING_URI / MLFLOW_TRACKING_URI"
    if uri.startswith(("http://", "https://")):
        import urllib.request

        try:
            with urllib.request.urlopen(uri.rstrip("/") + "/health", timeout=5) as answer:
                status = answer.status
        except OSError as exc:
            return Check("store", False, f"{uri} cannot be reached ({exc})", todo)
        return Check("store", status == 200, f"{uri} answers /health with HTTP {status}",
                     "" if status == 200 else todo)
    try:
        from tracklab.backend.factory import open_reader

        open_reader(uri).client.search_experiments(max_results=1)
    except Exception as exc:  # any backend's failure: report it, do not crash the other checks
        return Check("store", False, f"{uri} cannot be read ({type(exc).__name__}: {exc})", todo)
    return Check("store", True, f"{uri} answers")


def check_plugin() -> Check:
    """The `mlflow.app` entry point `tracklab` is installed and its `create_app` imports."""
    import importlib.metadata

    found = [ep for ep in importlib.metadata.entry_points(group=PLUGIN_GROUP) if ep.name == PLUGIN_NAME]
    todo = "reinstall TrackLab (pip install --force-reinstall tracklab) so its entry points are registered"
    if not found:
        return Check("mlflow plugin", False, f"no {PLUGIN_GROUP!r} entry point named {PLUGIN_NAME!r}", todo)
    try:
        create_app = found[0].load()
    except Exception as exc:  # a broken install can fail in many ways; name it
        return Check("mlflow plugin", False, f"{found[0].value} does not import ({type(exc).__name__}: {exc})",
                     todo)
    if not callable(create_app):
        return Check("mlflow plugin", False, f"{found[0].value} is not callable", todo)
    return Check("mlflow plugin", True, f"{PLUGIN_GROUP} entry point {PLUGIN_NAME} -> {found[0].value}")


def check_ui_assets() -> Check:
    """Every page the plugin serves, and its scripts and styles, are where the package looks."""
    import ui_extensions
    from mlflow_plugins._pages import PAGES

    wanted = [*PAGES.values(), "js", "css"]
    missing = [name for name in wanted if not os.path.exists(os.path.join(ui_extensions.ROOT, name))]
    if missing:
        return Check("ui assets", False, f"missing in {ui_extensions.ROOT}: {', '.join(missing)}",
                     "reinstall TrackLab: the wheel carries ui_extensions/")
    return Check("ui assets", True, f"{len(PAGES)} pages with js/ and css/ in {ui_extensions.ROOT}")


def check_gpu_stats() -> Check:
    """The gpu_stats binary is found and takes one sample; without it the Python fallback samples."""
    from tracklab.system_metrics import find_binary

    path = find_binary()
    if path is None:
        return Check("gpu_stats", True, "binary not found: system metrics use the Python fallback (psutil); "
                                        "build it with `make gpu_stats` for lower overhead")
    command = [path, "--pid", str(os.getpid()), "--interval", "0.1", "--count", "1"]
    todo = "rebuild it with `make gpu_stats` (or unset TRACKLAB_GPU_STATS_BIN); meanwhile the Python fallback samples"
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.SubprocessError) as exc:
        return Check("gpu_stats", False, f"{path} could not run ({exc})", todo)
    try:
        sample = json.loads(done.stdout.splitlines()[0])
    except (ValueError, IndexError):
        said = (done.stderr.strip() or done.stdout.strip() or "no output")[:200]
        return Check("gpu_stats", False, f"{path} exited with code {done.returncode} without a sample ({said})",
                     todo)
    gpus = sample.get("gpu_count", 0)
    note = f", NVML: {sample['nvml_error']}" if sample.get("nvml_error") else ""
    return Check("gpu_stats", True, f"{path} took a sample ({gpus} GPU(s){note})")


def check_round_trip() -> Check:
    """init / log / finish into a temporary store, then read the run back with `tracklab.Api`."""
    import tracklab
    from tracklab.backend.location import default_tracking_uri

    root = tempfile.mkdtemp(prefix="tracklab-verify-")
    keep = f"the test store is kept for a look: {root} (writer.log in runs/*/*/)"
    saved = {k: os.environ.pop(k, None) for k in ("TRACKLAB_TRACKING_URI", "MLFLOW_TRACKING_URI")}
    saved["TRACKLAB_DIR"] = os.environ.get("TRACKLAB_DIR")
    os.environ["TRACKLAB_DIR"] = root
    try:
        run = tracklab.init(project="tracklab-verify", mode="online", config={"lr": 0.5}, reinit="create_new",
                            settings={"silent": True, "console": "off", "x_disable_stats": True})
        for step in range(3):
            run.log({"loss": 1.0 / (step + 1)})
        run.finish()
        stored = tracklab.Api(tracking_uri=default_tracking_uri(root)).run(f"tracklab-verify/{run.id}")
        losses = [row["loss"] for row in stored.scan_history(keys=["loss"])]
        config = stored.config.get("lr")
    except Exception as exc:  # the point of the check is to report whatever breaks
        return Check("round trip", False, f"a test run failed ({type(exc).__name__}: {exc})", keep)
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    if losses != [1.0, 0.5, 1.0 / 3] or config != 0.5:
        return Check("round trip", False, f"read back loss={losses}, lr={config}; expected 3 losses and lr=0.5",
                     f"the writer lost data: please report it with this output; {keep}")
    shutil.rmtree(root, ignore_errors=True)
    return Check("round trip", True, f"run {run.id}: 3 steps and its config written and read back")


CHECKS: list[Callable[[], Check]] = [check_store, check_plugin, check_ui_assets, check_gpu_stats, check_round_trip]


@click.command()
@click.option("--tracking-uri", default=None, help="Check this MLflow tracking URI instead of the configured one.")
@click.option("--repoint", is_flag=True,
              help="First repoint a local store that was moved: its artifact paths still name the old folder.")
def verify(tracking_uri: str | None, repoint: bool) -> None:
    """Check the store, the MLflow plugin, the UI pages, gpu_stats and a test run; say what to fix."""
    if repoint:
        _repoint(tracking_uri)
    results = [check_store(tracking_uri), *(check() for check in CHECKS[1:])]
    for result in results:
        click.echo(result.line())
    failed = [r.name for r in results if not r.ok]
    if failed:
        click.echo(f"{len(failed)} check(s) failed: {', '.join(failed)}", err=True)
        raise SystemExit(1)
    click.echo("all checks passed")


def _repoint(tracking_uri: str | None) -> None:
    from tracklab.backend import location, store_setup

    db = location.sqlite_path(location.resolve_tracking_uri(tracking_uri))
    if db is None or not os.path.exists(db):
        click.echo("repoint: no local SQLite store to repoint")
        return
    done = store_setup.repoint_moved(db)
    if done is None:
        click.echo(f"repoint: {db} was not moved; nothing to change")
    else:
        click.echo(f"repoint: {done[1]} path(s) under {done[0]} now name {os.path.dirname(os.path.abspath(db))}")
