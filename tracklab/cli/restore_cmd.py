"""`tracklab restore RUN_PATH`: bring back the state a run started from (wandb's `wandb restore`).

wandb restores the config and the git commit. TrackLab writes the run's own files (config.yaml,
wandb-summary.json, wandb-metadata.json, output.log, saved files, code) into a folder, and checks
out the recorded commit when the folder is inside the run's git repository. Logged media and
TrackLab's internal files are left out: `tracklab pull` fetches everything.
"""

from __future__ import annotations

import os
import subprocess
from typing import Any

import click

from tracklab.cli._progress import echo_result
from tracklab.cli._run_files import fetch_files, find_run, run_files

# Media logged with run.log (wandb's media/ and MLflow's image copies under images/) and TrackLab's
# own bookkeeping (tracklab/): part of the history, not of the state a run starts from.
_NOT_RESTORED = ("media/", "images/", "tracklab/")


def _git(args: list[str], cwd: str) -> subprocess.CompletedProcess:
    return subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True)


def _restore_commit(run_id: str, git: dict[str, Any], where: str, branch: bool) -> None:
    """Check out the run's commit in the repository around `where` (on branch `wandb/<run id>`)."""
    commit = git["commit"]
    origin = git.get("remote") or "the original repository"
    if _git(["rev-parse", "--show-toplevel"], where).returncode != 0:
        raise click.ClickException(
            f"run {run_id} was started at git commit {commit} of {origin}; restore needs to run inside a clone of "
            f"it to check that commit out ({where} is not in a git repository). Clone it and restore from there, "
            "or pass --no-git to restore only the files")
    if _git(["cat-file", "-e", f"{commit}^{{commit}}"], where).returncode != 0:
        _git(["fetch", "--all", "--quiet"], where)
        if _git(["cat-file", "-e", f"{commit}^{{commit}}"], where).returncode != 0:
            raise click.ClickException(f"git commit {commit} of run {run_id} is not in the repository at {where} "
                                       "(nor in its remotes); pass --no-git to restore only the files")
    name = f"wandb/{run_id}"
    if not branch:
        args, said = ["checkout", "--quiet", commit], f"Checked out {commit} (detached HEAD)"
    elif _git(["rev-parse", "--verify", "--quiet", f"refs/heads/{name}"], where).returncode == 0:
        args, said = ["checkout", "--quiet", name], (f"Using existing branch {name} (delete it with "
                                                     f"`git branch -D {name}` for a fresh checkout)")
    else:
        args, said = ["checkout", "--quiet", "-b", name, commit], f"Created branch {name} at {commit}"
    done = _git(args, where)
    if done.returncode != 0:
        raise click.ClickException(f"git {' '.join(args)} failed: {done.stderr.strip()} "
                                   "(commit or stash your changes first, or pass --no-git)")
    click.echo(said)


@click.command()
@click.argument("run_path", envvar=["TRACKLAB_RUN_ID", "WANDB_RUN_ID"])
@click.option("--dir", "directory", type=click.Path(file_okay=False), default=".", show_default=True,
              help="Folder to write the files into (created if missing).")
@click.option("--no-git", is_flag=True, help="Do not check out the run's git commit; restore only the files.")
@click.option("--branch/--no-branch", default=True, show_default=True,
              help="Check the commit out on a new branch wandb/<run id>, or in detached HEAD mode.")
@click.option("-p", "--project", envvar=["TRACKLAB_PROJECT", "WANDB_PROJECT"], default=None,
              help="Project of a bare RUN_ID.")
@click.option("-e", "--entity", envvar=["TRACKLAB_ENTITY", "WANDB_ENTITY"], default=None,
              help="Entity (kept for wandb's scripts; runs are found by project and id).")
@click.option("--tracking-uri", default=None, help="MLflow tracking URI (default: the local store).")
def restore(run_path: str, directory: str, no_git: bool, branch: bool, project: str | None, entity: str | None,
            tracking_uri: str | None) -> None:
    """Write the files of run RUN_PATH (entity/project/run_id, project/run_id or run_id) into --dir,
    and check out its git commit when --dir is inside the run's repository.

    Existing files of the same name are replaced.
    """
    run = find_run(run_path, project, entity, tracking_uri)
    os.makedirs(directory, exist_ok=True)
    git = (run.metadata or {}).get("git") or {}
    if git.get("commit") and not no_git:
        _restore_commit(run.id, git, os.path.abspath(directory), branch)
    files = run_files(run, _NOT_RESTORED)
    if not files:
        raise click.ClickException(f"run {run.project}/{run.id} has no files to restore")
    fetched = fetch_files(files, directory, keep_identical=False, label=f"restoring {run.id}",
                          report=lambda item: echo_result(f"{item.outcome:<8} {item.name}"))
    click.echo(f"Restored {len(fetched)} file(s) of {run.project}/{run.id} into {os.path.abspath(directory)}")
