"""The contenders: how each library runs the workload inside a child process.

A contender is two halves:

- `Contender` (parent side): its name, the share of the N steps it runs (slow ones run fewer
  steps and are scaled), the environment that points all of its folders into the child's
  temporary folder, and whether it can run at all here;
- an adapter class (child side, in `ADAPTERS`) with `load` (the import, timed), `start`
  (init), `log` (one call per step; the bound function the timed loop calls), `finish`,
  `read_back` (rows it reads back) and `check` (a readiness check run after the timing).

`bench/child.py` drives every adapter through the same loop, so the contenders differ only
here. Nothing heavy is imported at module level: the import is what `load` measures.
"""

from __future__ import annotations

import dataclasses
import glob
import importlib
import importlib.util
import os
import sys
from typing import Any, Callable

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PROJECT = "bench"
SOURCE_VARIABLE = "BENCH_SOURCE_ROOT"


def source_root() -> str:
    """Where children import tracklab and bench from: the snapshot `run.py` took, else this checkout."""
    return os.environ.get(SOURCE_VARIABLE) or REPO


def python_path() -> str:
    """PYTHONPATH for a child: the source root first."""
    return os.pathsep.join(p for p in (source_root(), os.environ.get("PYTHONPATH")) if p)


@dataclasses.dataclass(frozen=True)
class Contender:
    """A library (or a raw SQLite floor) measured on the workload."""

    name: str                     # its id in results and on the command line
    adapter: str                  # the adapter's name in ADAPTERS
    label: str                    # how the tables name it
    share: float = 1.0            # fraction of the N steps it runs (results are scaled back)
    module: str | None = None     # must be importable for the contender to run
    bulk: bool = False            # a raw floor: one bulk insert, no per-call logging
    template_at: str | None = None  # where (under its temp folder) a fresh MLflow database is copied first
    note: str = ""                # a footnote for the tables

    def available(self) -> bool:
        return self.module is None or importlib.util.find_spec(self.module) is not None

    def steps_for(self, steps: int) -> int:
        return max(1, int(steps * self.share))

    def env(self, tmp: str) -> dict[str, str]:
        """Environment for the child: no inherited WANDB_/MLFLOW_/TRACKLAB_/TRACKIO_ variables
        (TrackLab honours WANDB_MODE, for one), and the contender's own folders under `tmp`."""
        env = {k: v for k, v in os.environ.items() if not k.startswith(_OWN_PREFIXES)}
        env["PYTHONPATH"] = python_path()
        env["HOME"] = tmp  # nothing lands in the real home folder
        for name, relative in _FOLDERS.get(self.adapter, {}).items():
            env[name] = os.path.join(tmp, relative)
            os.makedirs(env[name], exist_ok=True)
        env.update(_SETTINGS.get(self.adapter, {}))
        if self.adapter in ("mlflow", "mlflow_async"):
            os.makedirs(os.path.join(tmp, "mlflow"), exist_ok=True)
            env["MLFLOW_TRACKING_URI"] = "sqlite:///" + os.path.join(tmp, "mlflow", "mlflow.db")
        return env


_OWN_PREFIXES = ("WANDB_", "MLFLOW_", "TRACKLAB_", "TRACKIO_")
# Per adapter: the variables naming its folders (relative to the child's temp folder) ...
_FOLDERS: dict[str, dict[str, str]] = {
    "tracklab": {"TRACKLAB_DIR": "tracklab"},
    "wandb": {"WANDB_DIR": "wandb", "WANDB_CONFIG_DIR": "wandb/config", "WANDB_CACHE_DIR": "wandb/cache",
              "WANDB_DATA_DIR": "wandb/data"},
    "trackio": {"TRACKIO_DIR": "trackio", "HF_HOME": "hf"},
}
# ... and its plain settings.
_SETTINGS: dict[str, dict[str, str]] = {
    "wandb": {"WANDB_MODE": "offline", "WANDB_SILENT": "true", "WANDB_DISABLE_GIT": "true",
              "WANDB_DISABLE_CODE": "true"},
    "mlflow_async": {"MLFLOW_ASYNC_LOGGING_BUFFERING_SECONDS": "1"},
}


CONTENDERS: list[Contender] = [
    Contender("tracklab", "tracklab", "TrackLab (new store)", module="tracklab",
              note="the store does not exist yet: the writer creates it (MLflow's schema) while the loop runs"),
    Contender("tracklab_existing", "tracklab", "TrackLab (existing store)", module="tracklab",
              template_at="tracklab/mlflow.db",
              note="an empty store created beforehand (a copy of a fresh MLflow database)"),
    Contender("floor_mlflow", "floor_mlflow", "raw SQLite, MLflow's metrics table", bulk=True,
              template_at="floor/mlflow.db",
              note="one transaction of executemany into a fresh MLflow database's metrics table "
                   "(primary key + 2 indexes, WAL, 16 KiB pages, synchronous=NORMAL)"),
    Contender("floor_pk", "floor_pk", "raw SQLite, primary key only", bulk=True, template_at="floor/template.db",
              note="one transaction of executemany into MLflow's metrics table with its primary key "
                   "only, SQLite defaults (the anchors' floor)"),
    Contender("wandb", "wandb", "wandb offline", module="wandb"),
    Contender("trackio", "trackio", "trackio", module="trackio"),
    Contender("mlflow", "mlflow", "MLflow log_metrics", share=0.01, module="mlflow",
              note="runs N/100 steps; total, finish and read back scaled to N"),
    Contender("mlflow_async", "mlflow_async", "MLflow async (buffer 1 s)", share=0.1, module="mlflow",
              note="runs N/10 steps with MLFLOW_ASYNC_LOGGING_BUFFERING_SECONDS=1; scaled to N"),
]


# -- child side ------------------------------------------------------------------------------
class Adapter:
    """The workload's hooks for one library; subclasses fill them in."""

    log: Callable[[dict[str, float]], Any]

    def __init__(self, tmp: str) -> None:
        self.tmp = tmp

    def load(self) -> None:
        """Import the library (timed as "import")."""

    def start(self) -> None:
        """Start a run (timed as "init"); set `self.log`."""

    def finish(self) -> None:
        """End the run and wait for what the library waits for (timed as "finish")."""

    def wait_for_helpers(self) -> None:
        """After the timing: reap helper processes still closing down, for their peak RSS."""

    def read_back(self, steps: int) -> int:
        """Read the logged history back; return the number of steps found."""
        return -1

    def check(self, steps: int) -> dict[str, Any]:
        """A readiness check after the timing; returns what it found."""
        return {}


class WandbStyleAdapter(Adapter):
    """Libraries shaped like wandb: `module.init(project=...)`, `module.log(row)`, `module.finish()`."""

    module_name = ""

    def init_kwargs(self) -> dict[str, Any]:
        return {}

    def load(self) -> None:
        self.lib = importlib.import_module(self.module_name)

    def start(self) -> None:
        self.run = self.lib.init(project=PROJECT, **self.init_kwargs())
        self.log = self.lib.log

    def finish(self) -> None:
        self.lib.finish()


class TrackLabAdapter(WandbStyleAdapter):
    module_name = "tracklab"

    def init_kwargs(self) -> dict[str, Any]:
        return {"settings": {"silent": True, "x_disable_stats": True}}

    def wait_for_helpers(self) -> None:
        # finish() returns once the run is stored; the writer then closes the store and exits.
        self.run._writer.process.wait(timeout=120)

    def read_back(self, steps: int) -> int:
        frame = self.lib.Api().run(f"{PROJECT}/{self.run.id}").history(samples=10**7)
        return len(frame)

    def check(self, steps: int) -> dict[str, Any]:
        """The run as MLflow itself sees it: all points of m0, `search_runs` finds it, FINISHED."""
        import mlflow

        client = mlflow.MlflowClient(self.lib.tracking_uri())
        run_id = self.run.mlflow_run_id
        points = len(client.get_metric_history(run_id, "m0"))
        experiment = client.get_experiment_by_name(PROJECT)
        found = experiment is not None and any(
            r.info.run_id == run_id for r in client.search_runs([experiment.experiment_id]))
        status = client.get_run(run_id).info.status
        return {"m0_points": points, "search_runs_finds_it": found, "status": status,
                "ok": points == steps and found and status == "FINISHED"}


class WandbAdapter(WandbStyleAdapter):
    module_name = "wandb"

    def init_kwargs(self) -> dict[str, Any]:
        return {"settings": self.lib.Settings(silent=True, x_disable_stats=True)}

    def read_back(self, steps: int) -> int:
        """Parse the offline run file with the test suite's reader."""
        sys.path.insert(0, REPO)
        from tests._wandb_offline import read_run_file

        files = glob.glob(os.path.join(os.environ["WANDB_DIR"], "wandb", "offline-run-*", "run-*.wandb"))
        return len(read_run_file(files[0])["history"])


class TrackioAdapter(WandbStyleAdapter):
    module_name = "trackio"

    def init_kwargs(self) -> dict[str, Any]:
        return {"embed": False, "auto_log_cpu": False, "auto_log_gpu": False}

    def read_back(self, steps: int) -> int:
        from trackio.sqlite_storage import SQLiteStorage

        return len(SQLiteStorage.get_logs(PROJECT, run=self.run.name))


class MlflowAdapter(Adapter):
    synchronous = True

    def load(self) -> None:
        import mlflow

        self.lib = mlflow

    def start(self) -> None:
        self.lib.set_experiment(PROJECT)
        self.run = self.lib.start_run()
        self.step = 0
        log_metrics = self.lib.log_metrics
        synchronous = self.synchronous

        def log(row: dict[str, float]) -> None:
            # MLflow wants the step; the adapter counts it as wandb does.
            log_metrics(row, step=self.step, synchronous=synchronous)
            self.step += 1

        self.log = log

    def finish(self) -> None:
        self.lib.end_run()

    def read_back(self, steps: int) -> int:
        client = self.lib.MlflowClient()
        histories = [client.get_metric_history(self.run.info.run_id, f"m{j}") for j in range(10)]
        return min(len(h) for h in histories)


class MlflowAsyncAdapter(MlflowAdapter):
    synchronous = False


def _floor(kind: str) -> Callable[[str], Adapter]:
    def make(tmp: str) -> Adapter:
        from bench import floors

        return floors.FloorAdapter(tmp, kind)

    return make


ADAPTERS: dict[str, Callable[[str], Adapter]] = {
    "tracklab": TrackLabAdapter,
    "wandb": WandbAdapter,
    "trackio": TrackioAdapter,
    "mlflow": MlflowAdapter,
    "mlflow_async": MlflowAsyncAdapter,
    "floor_mlflow": _floor("mlflow"),
    "floor_pk": _floor("pk"),
}


def by_name(name: str) -> Contender:
    """The contender called `name` (KeyError if none)."""
    for contender in CONTENDERS:
        if contender.name == name:
            return contender
    raise KeyError(name)
