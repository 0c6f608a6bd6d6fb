"""wandb's own unit tests as an external referee for TrackLab's stand-in.

    python bench/wandb_unit_tests.py PATH/TO/wandb-checkout [--side wandb|tracklab|both]
                                     [--files FILE ...] [--json OUT.json] [--markdown OUT.md]
                                     [--extra-path DIR] [-k EXPR]

Runs the files of wandb's `tests/unit_tests` that cover the public SDK surface (data types,
tables, plot, media, config, summary, settings, log, run, init, save, disabled mode, the public
library surface, util, run ids, hashes, artifacts, run moments) twice, each in its own pytest
process: once with the installed wandb (the baseline) and once with `import wandb` giving
TrackLab through the documented stand-in (`TRACKLAB_AS_WANDB=1` with the stand-in folder on
`PYTHONPATH`, what `tracklab run` does). The files run as shipped: collection errors count.

Prints, per file, the tests collected and passed on each side and the share of the tests that
pass on wandb which also pass on TrackLab, first over all tests, then leaving out the tests
found out of scope by reading each test's source (`classify`): it reads wandb's protobuf records,
needs wandb's cloud, or uses wandb's private helpers; each is listed with its reason.

Not part of `make test`: it needs a checkout of https://github.com/wandb/wandb (only its `tests/`
folder is used, copied to a temporary folder so the checkout's `wandb/` sources never shadow the
installed package) and wandb's test dependencies (`pytest-mock`, `hypothesis`); `--extra-path`
adds a folder holding them to `PYTHONPATH` of both runs.
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PLUGIN_DIR = Path(__file__).resolve().with_name("wandb_referee")
SHIM_DIR = REPO / "tracklab" / "integration" / "_shim"

#: wandb's unit-test files for the SDK surface TrackLab implements (relative to the checkout).
FILES = (
    "tests/unit_tests/test_data_types.py",
    "tests/unit_tests/test_dtypes.py",
    "tests/unit_tests/test_tables.py",
    "tests/unit_tests/test_plot.py",
    "tests/unit_tests/test_media/test_media_logging.py",
    "tests/unit_tests/test_wandb_config.py",
    "tests/unit_tests/test_wandb_summary.py",
    "tests/unit_tests/test_wandb_settings.py",
    "tests/unit_tests/test_wandb_log.py",
    "tests/unit_tests/test_wandb_run.py",
    "tests/unit_tests/test_wandb_init.py",
    "tests/unit_tests/test_wandb_save.py",
    "tests/unit_tests/test_mode_disabled.py",
    "tests/unit_tests/test_library_public.py",
    "tests/unit_tests/test_util.py",
    "tests/unit_tests/test_lib/test_runid.py",
    "tests/unit_tests/test_lib/test_hashutil.py",
    "tests/unit_tests/test_artifacts/test_wandb_artifacts.py",
    "tests/unit_tests/test_artifacts/test_artifact_manifest_entry.py",
    "tests/unit_tests/test_run_moment.py",
)

PROTOBUF = "reads wandb's internal protobuf records (the service's message queue)"
CLOUD = "needs wandb's cloud (W&B server, its GraphQL API or cloud storage)"
PRIVATE = "calls wandb's private helpers (names starting with `_`)"

#: Fixtures that hand a test wandb's protocol-buffer records (the service's message queue).
PROTOBUF_FIXTURES = {"parse_records", "record_q", "mocked_interface"}
#: Fixtures that stand for wandb's cloud (its API client, keys, servers).
CLOUD_FIXTURES = {"api", "patch_apikey", "skip_verify_login", "federated_identity", "dummy_api_key"}
#: Names in a test body that are protocol-buffer records or converters.
PROTOBUF_NAMES = {"to_proto", "settings_static", "SettingsStatic", "pb", "proto"}


def classify(checkout: Path, files: list[str]) -> dict[str, str]:
    """Test function (`file::name`) -> why it is out of scope, for the tests whose source shows it:
    a protobuf fixture or name, a cloud fixture, or wandb's private helpers (a call of a `_` name,
    a `_` attribute set, a `_` module or name imported from wandb, a `_` path patched)."""
    found: dict[str, str] = {}
    for name in files:
        path = checkout / name
        if not path.is_file():
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        private_imports = _private_imports(tree)
        # Helpers of the file (module-level functions) pass their reason on to the tests calling them.
        helpers = {node.name: _reason(node, private_imports, {}) for node in tree.body
                   if isinstance(node, ast.FunctionDef) and not node.name.startswith("test")}
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef) and node.name.startswith("test"):
                reason = _reason(node, private_imports, helpers)
                if reason:
                    found[f"{name}::{node.name}"] = reason
    return found


def _private(name: str) -> bool:
    return len(name) > 1 and name.startswith("_") and not name.startswith("__")


def _private_imports(tree: ast.Module) -> set[str]:
    names = set()
    for node in tree.body:
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("wandb"):
            for alias in node.names:
                if _private(alias.name) or any(_private(part) for part in (node.module or "").split(".")):
                    names.add(alias.asname or alias.name)
    return names


def _reason(func: ast.FunctionDef, private_imports: set[str], helpers: dict[str, str | None]) -> str | None:
    params = {arg.arg for arg in func.args.args}
    if params & PROTOBUF_FIXTURES:
        return PROTOBUF
    if params & CLOUD_FIXTURES:
        return CLOUD
    for node in ast.walk(func):
        if isinstance(node, ast.Attribute) and node.attr in PROTOBUF_NAMES:
            return PROTOBUF
        if isinstance(node, ast.Name) and node.id in private_imports:
            return PRIVATE
        if isinstance(node, ast.Call):
            target = node.func
            called = target.attr if isinstance(target, ast.Attribute) else getattr(target, "id", "")
            if _private(called):
                return PRIVATE
            if helpers.get(called):
                return helpers[called]
            patching = called in ("setattr", "patch", "object", "spy", "getattr", "delattr")
            for arg in node.args:  # mocker.patch("wandb.x.Y._private"), monkeypatch.setattr(obj, "_private", ...)
                if not (isinstance(arg, ast.Constant) and isinstance(arg.value, str)) or " " in arg.value:
                    continue
                parts = arg.value.split(".")
                if (arg.value.startswith("wandb.") or patching) and any(_private(part) for part in parts):
                    return PRIVATE
        if isinstance(node, ast.Assign):
            if any(isinstance(t, ast.Attribute) and _private(t.attr) for t in node.targets):
                return PRIVATE
    return None


@dataclass
class Side:
    """One run of the files: per test id its outcome, per file its collection error."""

    collected: list[str] = field(default_factory=list)
    outcomes: dict[str, str] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    reasons: dict[str, str] = field(default_factory=dict)

    def passed(self) -> set[str]:
        return {nodeid for nodeid, outcome in self.outcomes.items() if outcome == "passed"}


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("checkout", type=Path, help="a local checkout of wandb's repository")
    parser.add_argument("--side", choices=("wandb", "tracklab", "both"), default="both")
    parser.add_argument("--files", nargs="+", default=list(FILES), help="test files relative to the checkout")
    parser.add_argument("--json", type=Path, help="write the per-test outcomes of both sides here")
    parser.add_argument("--markdown", type=Path, help="write the per-file table here")
    parser.add_argument("--extra-path", action="append", default=[], help="a folder for PYTHONPATH (test deps)")
    parser.add_argument("-k", dest="keyword", help="pytest -k expression (for a quick look at a few tests)")
    parser.add_argument("--timeout", type=int, default=120, help="seconds per test (pytest-timeout)")
    parser.add_argument("--baseline", type=Path, help="reuse the wandb side from an earlier --json")
    parser.add_argument("--label", help="how the doc names the checkout (default: its git commit)")
    parser.add_argument("--doc", action="store_true",
                        help="write the figures into docs/api-coverage.md (its last section)")
    return parser.parse_args(argv)


def copy_tests(checkout: Path, into: Path) -> Path:
    """wandb's `tests/` (and its pytest configuration) in a folder without wandb's sources."""
    if not (checkout / "tests" / "unit_tests").is_dir():
        raise SystemExit(f"{checkout} is not a checkout of wandb's repository: tests/unit_tests is missing")
    shutil.copytree(checkout / "tests", into / "tests", symlinks=True)
    if (checkout / "pyproject.toml").is_file():
        shutil.copy(checkout / "pyproject.toml", into / "pyproject.toml")
    return into


def run_side(name: str, root: Path, args: argparse.Namespace) -> Side:
    """Run the files in a fresh pytest process with wandb (`wandb`) or TrackLab (`tracklab`)."""
    out = root / f"outcomes-{name}.json"
    paths = [str(PLUGIN_DIR), *args.extra_path]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("WANDB_", "TRACKLAB_"))}
    if name == "tracklab":
        # What `tracklab run` does: the stand-in's start-up hook first, TrackLab importable.
        paths = [str(SHIM_DIR), *paths, str(REPO)]
        env["TRACKLAB_AS_WANDB"] = "1"
        env["TRACKLAB_DIR"] = str(root / "tracklab-store")
    env["PYTHONPATH"] = os.pathsep.join(paths)
    env["WANDB_REFEREE_OUT"] = str(out)
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    files = [f for f in args.files if (root / f).is_file()]
    command = [sys.executable, "-m", "pytest", *files, "-p", "wandb_referee_plugin", "-p", "no:cacheprovider",
               "-o", "addopts=", "--continue-on-collection-errors", "-q", "--no-header", "-rN", f"--timeout={args.timeout}"]
    if args.keyword:
        command += ["-k", args.keyword]
    print(f"== {name}: {' '.join(command[1:4])} ... ({len(files)} files)", file=sys.stderr, flush=True)
    done = subprocess.run(command, cwd=root, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                          start_new_session=True, check=False)
    if not out.is_file():
        raise SystemExit(f"the {name} run wrote no outcomes:\n{done.stdout[-3000:]}")
    data = json.loads(out.read_text())
    return Side(data["collected"], data["outcomes"], data["errors"], data.get("reasons", {}))


_LAYOUT = ("TrackLab keeps a run in its own folder layout (`TRACKLAB_DIR/runs/<project>/<id>`, logs beside "
           "the run log), not wandb's `wandb/run-<time>-<id>/logs`")
#: In-scope tests that pass on wandb and not on TrackLab, with why (shown in the doc).
KNOWN_DIFFERENCES = {
    "tests/unit_tests/test_wandb_settings.py::test_update_linked_properties": _LAYOUT,
    "tests/unit_tests/test_wandb_settings.py::test_copy_update_linked_properties": _LAYOUT,
    "tests/unit_tests/test_wandb_settings.py::test_log_internal": _LAYOUT,
    "tests/unit_tests/test_wandb_settings.py::test_log_user": _LAYOUT,
    "tests/unit_tests/test_wandb_settings.py::test_resume_fname": "resume='auto' records live in TrackLab's folder "
                                                                  "(per working folder and program), not wandb/wandb-resume.json",
    "tests/unit_tests/test_wandb_settings.py::test_resume_fname_run": "as test_resume_fname",
    "tests/unit_tests/test_wandb_init.py::test_avoids_sync_dir_conflict": "one run folder per run id: a second init "
                                                                          "with the same id continues that run",
    "tests/unit_tests/test_library_public.py::test_library_init": "init() also takes wandb's older arguments "
                                                                  "(`**legacy`, ignored)",
    "tests/unit_tests/test_library_public.py::test_library_config": "Config also has values()",
    "tests/unit_tests/test_library_public.py::test_library_root": "TrackLab's own top-level names",
    "tests/unit_tests/test_library_public.py::test_library_run": "Run also has mlflow_run_id",
    "tests/unit_tests/test_tables.py::test_table_records_telemetry": "reads run._telemetry_obj (wandb's private "
                                                                     "telemetry record; read, not called)",
}

#: Filled by main() from `classify`: test function -> reason.
OUT_OF_SCOPE: dict[str, str] = {}


def out_of_scope(nodeid: str) -> str | None:
    """Why a test (any parametrisation of it) is out of scope, or None."""
    return OUT_OF_SCOPE.get(nodeid.split("[", 1)[0])


def file_of(nodeid: str) -> str:
    return nodeid.split("::", 1)[0]


def table(files: list[str], wandb: Side, tracklab: Side) -> tuple[list[str], dict[str, float]]:
    """Markdown rows per file and the totals (all tests, in-scope tests)."""
    rows = ["| file | collected (wandb) | passed (wandb) | collected (TrackLab) | passed (TrackLab) "
            "| of wandb's passing: pass on TrackLab | in scope |",
            "|---|---:|---:|---:|---:|---:|---:|"]
    theirs, ours = wandb.passed(), tracklab.passed()
    totals = dict(wc=0, wp=0, tc=0, tp=0, both=0, scope=0, scope_both=0)
    for name in files:
        wc = sum(1 for n in wandb.collected if file_of(n) == name)
        tc = sum(1 for n in tracklab.collected if file_of(n) == name)
        wp = {n for n in theirs if file_of(n) == name}
        tp = {n for n in ours if file_of(n) == name}
        scope = {n for n in wp if out_of_scope(n) is None}
        both, scope_both = len(wp & tp), len(scope & tp)
        note = " (not collected)" if any(file_of(e) == name or e == name for e in tracklab.errors) else ""
        rows.append(f"| `{name.removeprefix('tests/unit_tests/')}` | {wc} | {len(wp)} | {tc}{note} | {len(tp)} "
                    f"| {both}/{len(wp)} ({_pct(both, len(wp))}) | {scope_both}/{len(scope)} ({_pct(scope_both, len(scope))}) |")
        for key, value in (("wc", wc), ("wp", len(wp)), ("tc", tc), ("tp", len(tp)), ("both", both),
                           ("scope", len(scope)), ("scope_both", scope_both)):
            totals[key] += value
    t = totals
    rows.append(f"| **all {len(files)} files** | {t['wc']} | {t['wp']} | {t['tc']} | {t['tp']} "
                f"| **{t['both']}/{t['wp']} ({_pct(t['both'], t['wp'])})** "
                f"| **{t['scope_both']}/{t['scope']} ({_pct(t['scope_both'], t['scope'])})** |")
    return rows, {"all": t["both"] / max(t["wp"], 1), "in_scope": t["scope_both"] / max(t["scope"], 1)}


def _pct(a: int, b: int) -> str:
    return f"{100 * a / b:.0f}%" if b else "-"


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    OUT_OF_SCOPE.update(classify(args.checkout.resolve(), list(args.files)))
    with tempfile.TemporaryDirectory(prefix="wandb-referee-") as tmp:
        root = copy_tests(args.checkout.resolve(), Path(tmp))
        baseline = json.loads(args.baseline.read_text())["wandb"] if args.baseline else None
        sides: dict[str, Side] = {}
        if baseline is not None:
            sides["wandb"] = Side(**{k: v for k, v in baseline.items() if k != "reasons"})
        elif args.side in ("wandb", "both"):
            sides["wandb"] = run_side("wandb", root, args)
        if args.side in ("tracklab", "both"):
            sides["tracklab"] = run_side("tracklab", root, args)
    if args.json:
        args.json.write_text(json.dumps({k: vars(v) for k, v in sides.items()}, indent=1))
    wandb, tracklab = sides.get("wandb", Side()), sides.get("tracklab", Side())
    rows, ratio = table(list(args.files), wandb, tracklab)
    text = "\n".join(rows)
    print(text)
    print(f"\nof the tests that pass on wandb, pass on TrackLab: {100 * ratio['all']:.1f}% "
          f"(in scope: {100 * ratio['in_scope']:.1f}%)")
    for side, result in sides.items():
        for nodeid, error in result.errors.items():
            last = error.strip().splitlines()[-1] if error.strip() else ""
            print(f"collection error ({side}): {nodeid}: {last}")
    if args.markdown:
        args.markdown.write_text(text + "\n")
    if args.doc:
        write_doc(args.label or _checkout_label(args.checkout.resolve()), list(args.files), rows, ratio, wandb,
                  tracklab)
    return 0


DOC = REPO / "docs" / "api-coverage.md"
MARKER = "<!-- wandb unit tests: written by bench/wandb_unit_tests.py --doc -->"


def _checkout_label(checkout: Path) -> str:
    try:
        done = subprocess.run(["git", "-C", str(checkout), "log", "-1", "--format=%h (%cs)"], capture_output=True,
                              text=True, timeout=30, check=False)
        if done.returncode == 0 and done.stdout.strip():
            return f"commit {done.stdout.strip()}"
    except (OSError, subprocess.SubprocessError):
        pass
    return "a local checkout"


def write_doc(label: str, files: list[str], rows: list[str], ratio: dict[str, float], wandb: Side,
              tracklab: Side) -> None:
    """Replace the unit-test section of docs/api-coverage.md (the part after MARKER)."""
    import importlib.metadata

    text = DOC.read_text()
    at = text.find(MARKER)
    head = text[: at - 1] if at >= 0 else text
    theirs, ours = wandb.passed(), tracklab.passed()
    scoped = sorted(n for n in theirs if out_of_scope(n))
    failing = sorted(n for n in theirs - ours if not out_of_scope(n))
    lines = [
        MARKER,
        "## wandb's own unit tests",
        "",
        "`python bench/wandb_unit_tests.py PATH/TO/wandb` runs the files of wandb's `tests/unit_tests`",
        "that cover the SDK surface, unchanged, once with wandb and once with `import wandb` giving",
        "TrackLab through the stand-in (`TRACKLAB_AS_WANDB=1`), and counts per file (collection errors",
        "included). It needs a checkout of wandb's repository and wandb's test dependencies",
        "(`pytest-mock`, `hypothesis`, `pyte`, `pyfakefs`, `rdkit`, `bokeh`), so it is not part of",
        "`make test`.",
        "",
        f"Measured with wandb {importlib.metadata.version('wandb')} installed and the tests of wandb's "
        f"repository at {label}. The last column leaves out the tests listed below "
        "(wandb's protobuf records, its cloud, or its private helpers).",
        "",
        *rows,
        "",
        f"**Of the tests that pass on wandb, {100 * ratio['all']:.1f}% pass on TrackLab; "
        f"{100 * ratio['in_scope']:.1f}% of those in scope.**",
        "",
    ]
    idle = [f"`{f.removeprefix('tests/unit_tests/')}`" for f in files if not any(file_of(n) == f for n in theirs)]
    if idle:
        lines += [f"No test of {', '.join(idle)} passes on the installed wandb (the files are written for another "
                  "wandb version: a module they import is missing, or their expectations differ), so they count "
                  "for nothing either way.", ""]
    if scoped:
        lines += ["### Out of scope", "", "Tests that pass on wandb but are left out of the last column (some pass on "
                  "TrackLab anyway).", "", "| test | why | on TrackLab |", "|---|---|---|"]
        lines += [f"| `{n.removeprefix('tests/unit_tests/')}` | {out_of_scope(n)} | "
                  f"{'passes' if n in ours else 'fails'} |" for n in scoped] + [""]
    if failing:
        lines += ["### In scope, passing on wandb, not on TrackLab", "", "| test | why |", "|---|---|"]
        lines += [f"| `{n.removeprefix('tests/unit_tests/')}` | "
                  f"{KNOWN_DIFFERENCES.get(n.split('[', 1)[0], 'not analysed yet')} |" for n in failing] + [""]
    DOC.write_text(head + "\n" + "\n".join(lines))


if __name__ == "__main__":
    raise SystemExit(main())
