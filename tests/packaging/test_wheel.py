"""The built package: `python -m build` makes an sdist and a wheel; the wheel, installed into a fresh
virtual environment outside the checkout, logs a run MLflow reads back and serves `tracklab ui`.

The venv uses `--system-site-packages` so that the dependencies (MLflow, ...) come from this
environment without a download; `pip install --no-deps` puts TrackLab itself in the venv, and
each check first proves the venv's copy is the one imported, not the checkout's editable one.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tarfile
import textwrap
import urllib.request
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

import tracklab
from tests import helpers
from tests.helpers import REPO, mlflow_client, spawn, stop, stored_run
from tests.ui.conftest import free_port, wait_for_line

_LEAKY = ("WANDB_", "TRACKLAB_", "MLFLOW_", "PYTHONPATH", "CARGO_TARGET_DIR")

pytestmark = pytest.mark.slow  # builds the sdist and the wheel, and a venv per check


def _cargo_available() -> bool:
    return shutil.which("cargo") is not None or (Path.home() / ".cargo" / "bin" / "cargo").is_file()


def _tracked(*folders: str) -> set[str]:
    """Files git tracks under `folders` (what the wheel must carry of them)."""
    out = helpers.run(["git", "ls-files", *folders], cwd=REPO, capture_output=True, text=True, check=True).stdout
    return {line for line in out.splitlines() if "__pycache__" not in line}


class Install:
    """A venv holding the built wheel, a TrackLab folder for it, and a scratch working directory."""

    def __init__(self, root: Path) -> None:
        self.venv = root / "venv"
        self.store = root / "store"
        self.work = root / "work"
        self.work.mkdir()

    @property
    def python(self) -> str:
        return str(self.venv / "bin" / "python")

    @property
    def tracklab(self) -> str:
        return str(self.venv / "bin" / "tracklab")

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(_LEAKY)}
        env.update(TRACKLAB_DIR=str(self.store), WANDB_SILENT="true")
        return env

    def python_snippet(self, code: str) -> str:
        proc = helpers.run([self.python, "-c", textwrap.dedent(code)], cwd=self.work, env=self.env(),
                           capture_output=True, text=True, timeout=120)
        assert proc.returncode == 0, f"snippet failed in the venv:\n{proc.stdout}\n{proc.stderr}"
        return proc.stdout

    def command(self, *args: str) -> subprocess.CompletedProcess:
        return helpers.run([self.tracklab, *args], cwd=self.work, env=self.env(), capture_output=True,
                           text=True, timeout=120)


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`python -m build` of the checkout: the sdist, then the wheel built from that sdist."""
    out = tmp_path_factory.mktemp("dist")
    env = {k: v for k, v in os.environ.items() if not k.startswith(_LEAKY)}
    proc = helpers.run([sys.executable, "-m", "build", "--no-isolation", "--outdir", str(out), str(REPO)],
                       env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, f"python -m build failed:\n{proc.stdout}\n{proc.stderr}"
    return out


def _one(dist: Path, pattern: str) -> Path:
    found = sorted(dist.glob(pattern))
    assert len(found) == 1, f"expected one {pattern} in {dist}, found {found}"
    return found[0]


@pytest.fixture(scope="module")
def wheel(dist: Path) -> Path:
    return _one(dist, "tracklab-*.whl")


@pytest.fixture(scope="module")
def install(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Install]:
    install = Install(tmp_path_factory.mktemp("installed"))
    helpers.run([sys.executable, "-m", "venv", "--system-site-packages", str(install.venv)], check=True, timeout=120)
    proc = helpers.run([install.python, "-m", "pip", "install", "--no-deps", "--no-index",
                        "--disable-pip-version-check", "-q", str(wheel)],
                       env=install.env(), capture_output=True, text=True, timeout=180)
    assert proc.returncode == 0, f"pip install of the wheel failed:\n{proc.stdout}\n{proc.stderr}"
    yield install


def test_build_makes_sdist_and_wheel_with_one_version(dist: Path, wheel: Path) -> None:
    sdist = _one(dist, "tracklab-*.tar.gz")
    assert sdist.name == f"tracklab-{tracklab.__version__}.tar.gz"
    assert wheel.name.startswith(f"tracklab-{tracklab.__version__}-")
    with tarfile.open(sdist) as tar:
        names = {name.split("/", 1)[1] for name in tar.getnames() if "/" in name}
    # The sdist builds the wheel on another machine: the Rust sources and the build hook travel with it.
    assert {"hatch_build.py", "pyproject.toml", "gpu_stats/Cargo.toml", "gpu_stats/src/main.rs"} <= names
    assert not any(name.startswith("gpu_stats/target/") for name in names)
    with zipfile.ZipFile(wheel) as whl:
        metadata = whl.read(f"tracklab-{tracklab.__version__}.dist-info/METADATA").decode()
    assert f"\nVersion: {tracklab.__version__}\n" in metadata


def test_wheel_contents(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as whl:
        names = set(whl.namelist())
        info = f"tracklab-{tracklab.__version__}.dist-info"
        entry_points = whl.read(f"{info}/entry_points.txt").decode()
        tag = whl.read(f"{info}/WHEEL").decode()
        binary = whl.getinfo("tracklab/_bin/gpu_stats") if "tracklab/_bin/gpu_stats" in names else None

    # The UI pages and the MLflow plugin, file for file.
    missing = _tracked("ui_extensions", "mlflow_plugins", "tracklab") - names
    assert not missing, f"tracked files missing from the wheel: {sorted(missing)[:20]}"
    assert not any(name.startswith(("tests/", "bench/", "gpu_stats/", "docs/")) for name in names)
    # The console script and the MLflow UI plugin's entry point.
    assert "[console_scripts]\ntracklab = tracklab.cli:main" in entry_points
    assert "[mlflow.app]\ntracklab = mlflow_plugins.tracklab_app:create_app" in entry_points

    if sys.platform.startswith("linux") and _cargo_available():
        assert binary is not None, "cargo is on this machine, yet the wheel has no gpu_stats binary"
        assert (binary.external_attr >> 16) & 0o111, "gpu_stats is not executable in the wheel"
        assert "Root-Is-Purelib: false" in tag and "Tag: py3-none-linux_" in tag
    else:
        assert binary is None and "Tag: py3-none-any" in tag


def test_installed_wheel_logs_a_run_mlflow_reads_back(install: Install, tmp_path: Path) -> None:
    out = install.python_snippet("""
        import json
        import tracklab
        import mlflow_plugins.tracklab_app as app
        from importlib.metadata import distribution
        from tracklab.system_metrics import find_binary

        run = tracklab.init(project="wheel-check", config={"lr": 0.1, "model": {"layers": 2}})
        for step in range(5):
            tracklab.log({"loss": 1 / (step + 1)})
        run.summary["best"] = 0.5
        run.finish()
        print(json.dumps({"tracklab": tracklab.__file__, "plugin": app.__file__, "id": run.id,
                          "version": distribution("tracklab").version, "gpu_stats": find_binary()}))
    """)
    seen = json.loads(out.strip().splitlines()[-1])
    venv = str(install.venv.resolve())
    assert seen["tracklab"].startswith(venv), f"the checkout shadows the wheel: {seen['tracklab']}"
    assert seen["plugin"].startswith(venv), seen["plugin"]
    assert seen["version"] == tracklab.__version__
    if sys.platform.startswith("linux") and _cargo_available():
        assert seen["gpu_stats"] is not None and seen["gpu_stats"].startswith(venv), seen["gpu_stats"]
        assert seen["gpu_stats"].endswith("tracklab/_bin/gpu_stats")

    run = stored_run(install.store, "wheel-check", seen["id"])
    assert run.info.status == "FINISHED"
    assert run.data.params["lr"] == "0.1" and run.data.params["model.layers"] == "2"
    assert run.data.metrics["loss"] == pytest.approx(0.2)
    client = mlflow_client(install.store)
    assert [m.step for m in client.get_metric_history(run.info.run_id, "loss")] == [0, 1, 2, 3, 4]
    summary = json.loads(Path(client.download_artifacts(run.info.run_id, "wandb-summary.json", str(tmp_path))).read_text())
    assert summary["best"] == 0.5


def test_installed_console_script_and_verify(install: Install) -> None:
    helped = install.command("--help")
    assert helped.returncode == 0 and "ui" in helped.stdout, helped.stdout + helped.stderr
    assert " verify " in helped.stdout, helped.stdout  # registered: a missing command fails, never skips
    verified = install.command("verify")
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert "gpu_stats" in verified.stdout + verified.stderr


@pytest.mark.server
def test_installed_ui_serves_mlflow_and_tracklab_pages(install: Install, tmp_path: Path) -> None:
    install.python_snippet("""
        import tracklab
        tracklab.init(project="ui-check").finish()
    """)
    port = free_port()
    log = tmp_path / "ui.log"
    with log.open("w") as output:
        proc = spawn([install.tracklab, "ui", "--port", str(port)], cwd=install.work, env=install.env(),
                     stdout=output, stderr=subprocess.STDOUT)
    try:
        wait_for_line(log, "TrackLab UI:", proc)
        base = f"http://127.0.0.1:{port}"
        with urllib.request.urlopen(base + "/", timeout=60) as response:
            assert response.status == 200 and b"<html" in response.read().lower()
        with urllib.request.urlopen(base + "/tracklab/", timeout=60) as response:
            assert response.status == 200 and b"<title>TrackLab</title>" in response.read()
        with urllib.request.urlopen(base + "/tracklab/api/projects", timeout=60) as response:
            assert "ui-check" in json.dumps(json.loads(response.read()))
    finally:
        # As Ctrl-C: `tracklab ui` stops its `mlflow server` (a SIGKILL would orphan it).
        stop(proc, signal.SIGINT, timeout=30)


def _readme_install_line() -> str:
    """The one line the README's Install section gives users (without its comment)."""
    from tests.docs._markdown import code_blocks

    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section_line = readme[:readme.index("## Install\n")].count("\n") + 1
    block = next(b for b in code_blocks("README.md") if b.line > section_line)
    lines = [line.split("#", 1)[0].strip() for line in block.text.splitlines()]
    lines = [line for line in lines if line]
    assert len(lines) == 1 and lines[0].startswith("pip install "), block.text
    return lines[0]


def _readme_quick_start() -> list[str]:
    """The README's quick start and its read-back block, as the user copies them."""
    from tests.docs._markdown import code_blocks

    blocks = [b for b in code_blocks("README.md") if b.lang == "python"]
    return [b.text for b in blocks[:2]]


def test_the_readme_install_line_in_a_fresh_venv_runs_the_quick_start(tmp_path: Path) -> None:
    """The README's user install, run in a checkout into a fresh venv, then its quick start outside
    the checkout. The venv sees this machine's site-packages (MLflow & co. without a download) and
    pip runs offline (`--no-index --no-build-isolation`): the only flags added to the line."""
    import shlex

    line = _readme_install_line()
    install = Install(tmp_path)
    helpers.run([sys.executable, "-m", "venv", "--system-site-packages", str(install.venv)], check=True, timeout=120)
    argv = shlex.split(line)
    assert argv[:2] == ["pip", "install"]
    command = [install.python, "-m", "pip", *argv[1:], "--no-index", "--no-build-isolation",
               "--disable-pip-version-check", "-q"]
    proc = helpers.run(command, cwd=REPO, env=install.env(), capture_output=True, text=True, timeout=400)
    assert proc.returncode == 0, f"{line} failed:\n{proc.stdout}\n{proc.stderr}"

    for number, code in enumerate(_readme_quick_start()):
        done = helpers.run([install.python, "-c", code], cwd=install.work, env=install.env(),
                           capture_output=True, text=True, timeout=240)
        assert done.returncode == 0, f"README python block {number} failed in the venv:\n{code}\n{done.stderr}"
    seen = json.loads(install.python_snippet("""
        import json, tracklab
        from tracklab.system_metrics import find_binary
        print(json.dumps({"tracklab": tracklab.__file__, "gpu_stats": find_binary(),
                          "runs": [r.id for r in tracklab.Api().runs("mnist")]}))
    """).strip().splitlines()[-1])
    venv = str(install.venv.resolve())
    assert seen["tracklab"].startswith(venv), f"the checkout shadows the install: {seen['tracklab']}"
    assert len(seen["runs"]) == 1
    # What the README says it brings: the gpu_stats binary where cargo builds it, else the psutil fallback.
    if sys.platform.startswith("linux") and _cargo_available():
        assert seen["gpu_stats"] and seen["gpu_stats"].startswith(venv), seen["gpu_stats"]
    verified = install.command("verify")
    assert verified.returncode == 0 and "gpu_stats" in verified.stdout, verified.stdout + verified.stderr
