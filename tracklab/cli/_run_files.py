"""A stored run's files, fetched into a folder: the shared part of `tracklab restore` and `tracklab pull`.

The run is found by `tracklab.Api` (its path rules: `entity/project/run_id`, `project/run_id`, or a
bare `run_id` with a default project); the files are the MLflow artifacts of the run.
"""

from __future__ import annotations

import filecmp
import os
import tempfile
from dataclasses import dataclass
from typing import Any, Callable, Sequence

import click

from tracklab.cli._progress import progress


@dataclass(frozen=True)
class Fetched:
    """One file handled by `fetch_files`: its run-relative name and what happened to it."""

    name: str
    outcome: str  # "written", "replaced" or "up to date"


def find_run(path: str, project: str | None, entity: str | None, tracking_uri: str | None = None) -> Any:
    """The `tracklab.Api` run at `path`, or a ClickException naming the path and the rule it broke."""
    import tracklab

    overrides = {k: v for k, v in {"project": project, "entity": entity}.items() if v}
    try:
        return tracklab.Api(overrides=overrides, tracking_uri=tracking_uri).run(path)
    except tracklab.Error as exc:
        hint = "" if "/" in path or project else " (or give the project with -p/--project)"
        raise click.ClickException(f"RUN_PATH {path!r}: {exc}{hint}") from None


def run_files(run: Any, skip_prefixes: Sequence[str] = ()) -> list[Any]:
    """The run's files, without those under `skip_prefixes`."""
    return [f for f in run.files() if not f.name.startswith(tuple(skip_prefixes))]


def fetch_files(files: Sequence[Any], root: str, keep_identical: bool, label: str,
                report: Callable[[Fetched], None]) -> list[Fetched]:
    """Copy `files` (of a `tracklab.Api` run) under `root` (subfolders as in the run), reporting each.

    With `keep_identical`, a file already there with the same bytes is left alone ("up to date").
    Each file is fetched beside its target and renamed, so a failure never leaves half a file.
    """
    root = os.path.abspath(root)
    done = []
    with progress(files, label, describe=lambda f: f.name if f is not None else None) as bar:
        for stored in bar:
            target = _inside(root, stored.name)
            existed = os.path.exists(target)
            folder = os.path.dirname(target)
            os.makedirs(folder, exist_ok=True)
            with tempfile.TemporaryDirectory(dir=folder, prefix=".tracklab-fetch-") as tmp:
                with stored.download(root=tmp, replace=True) as handle:
                    got = handle.name
                if keep_identical and existed and filecmp.cmp(got, target, shallow=False):
                    outcome = "up to date"
                else:
                    os.replace(got, target)
                    outcome = "replaced" if existed else "written"
            item = Fetched(stored.name, outcome)
            done.append(item)
            report(item)
    return done


def _inside(root: str, name: str) -> str:
    """`root/name`, refusing names that would land outside `root` (a store is not trusted input)."""
    target = os.path.abspath(os.path.join(root, name))
    if os.path.commonpath([root, target]) != root:
        raise click.ClickException(f"run file {name!r} points outside {root}; not written")
    return target
