"""`tracklab artifact put | get | ls | cache cleanup` (wandb's `wandb artifact ...`)."""

from __future__ import annotations

import os
import re
from typing import TYPE_CHECKING

import click

from tracklab.cli._progress import human_size, progress

if TYPE_CHECKING:
    from tracklab.sdk.artifacts import Artifact

_UNITS = {"": 1, "B": 1, "KB": 1024, "MB": 1024**2, "GB": 1024**3, "TB": 1024**4}


def _parse_size(text: str) -> int:
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([KMGT]?B?)\s*", text.upper())
    if not match:
        raise click.BadParameter(f"{text!r} is not a size like 500MB or 1GB")
    unit = match.group(2)
    if unit and not unit.endswith("B"):
        unit += "B"
    return int(float(match.group(1)) * _UNITS[unit])


@click.group()
def artifact() -> None:
    """Version datasets and models: put, get, ls and the local cache."""


@artifact.command()
@click.argument("path")
@click.option("--name", "-n", default=None, help="project/name of the artifact (default: the file or folder name).")
@click.option("--description", "-d", default=None, help="A description of this version.")
@click.option("--type", "-t", "kind", default="dataset", show_default=True, help="The artifact type.")
@click.option("--alias", "-a", "aliases", multiple=True, help="An alias for this version (repeatable).")
@click.option("--policy", type=click.Choice(["mutable", "immutable"]), default="mutable", show_default=True,
              help="immutable: do not copy files into the cache before storing them.")
def put(path: str, name: str | None, description: str | None, kind: str, aliases: tuple[str, ...],
        policy: str) -> None:
    """Store a file, folder or reference URI (`s3://...`, `file://...`) as a new artifact version."""
    import tracklab
    from tracklab.backend.artifact_store import _names
    from tracklab.sdk.artifacts import Artifact

    spec = _names.parse_spec(name or os.path.basename(os.path.abspath(path.rstrip("/"))))
    project = spec.project or os.environ.get("TRACKLAB_PROJECT") or os.environ.get("WANDB_PROJECT") or "uncategorized"
    art = Artifact(spec.name, kind, description=description)
    if "://" in path:
        art.add_reference(path)
    elif os.path.isdir(path):
        _add_dir(art, path, policy)
    elif os.path.isfile(path):
        art.add_file(path, policy=policy)
    else:
        raise click.BadParameter(f"{path!r} is not a file, a folder or a URI", param_hint="PATH")
    run = tracklab.init(project=project, job_type="auto", reinit="create_new", settings={"silent": True, "console": "off"})
    try:
        logged = run.log_artifact(art, aliases=list(aliases))
        if run.settings.mode == "offline":  # `tracklab offline` here: staged with the run, stored by sync
            click.echo(f"Artifact {project}/{art.name} staged in offline run {run.id} ({art.file_count} files, "
                       f"{human_size(art.size)}); `tracklab sync` stores it")
            return
        logged.wait()
    finally:
        run.finish()
    click.echo(f"Artifact {project}/{art.name} stored ({art.file_count} files, {human_size(art.size)}); use it with:\n"
               f"    artifact = run.use_artifact(\"{project}/{art.name}\")")


def _add_dir(art: "Artifact", path: str, policy: str) -> None:
    """`art.add_dir(path)` one file at a time, so hashing a big folder shows progress."""
    files = sorted(os.path.join(base, name) for base, _, names in os.walk(path) for name in names)
    with progress(files, "hashing", describe=lambda f: f and os.path.basename(f)) as bar:
        for full in bar:
            art.add_file(full, os.path.relpath(full, path).replace(os.sep, "/"), policy=policy)


@artifact.command()
@click.argument("path")
@click.option("--root", default=None, help="Where to download (default: ./artifacts/<name>:<version>).")
@click.option("--type", "kind", default=None, help="The expected artifact type.")
def get(path: str, root: str | None, kind: str | None) -> None:
    """Download an artifact version: PATH is project/name[:alias|:vN]."""
    import tracklab
    from tracklab.sdk.artifacts import api_artifacts

    try:
        art = api_artifacts.artifact(tracklab.Api(), path, kind)
    except Exception as exc:  # unknown name or alias: show the message, not a traceback
        from tracklab.cli._messages import one_line

        raise click.ClickException(one_line(exc)) from None
    entries = [art.get_entry(name) for name in art.manifest.entries]
    if not entries:
        click.echo(f"Artifact downloaded to {art.download(root)}")
        return
    with progress(entries, "downloading", describe=lambda e: e and e.path) as bar:
        for entry in bar:
            target = entry.download(root)
    # The last file's path, less its entry path, is the folder the files went to.
    click.echo(f"Artifact downloaded to {target[:-len(entry.path)].rstrip(os.sep)}")


@artifact.command(name="ls")
@click.argument("project")
@click.option("--type", "-t", "kind", default=None, help="Only artifacts of this type.")
def ls(project: str, kind: str | None) -> None:
    """List the artifacts of PROJECT: type, last update, size, name:version and aliases of each version."""
    import tracklab
    from tracklab.sdk.artifacts import api_artifacts

    project = project.rstrip("/").split("/")[-1]
    for collection in api_artifacts.artifact_collections(tracklab.Api(), project, kind):
        for art in collection.artifacts():
            click.echo(f"{art.type:<15} {art.updated_at:<21} {human_size(art.size):>10}  {art.name:<30} "
                       f"{','.join(art.aliases)}")


@artifact.group()
def cache() -> None:
    """The local artifact cache."""


@cache.command()
@click.argument("target_size")
@click.option("--remove-temp", is_flag=True, help="Also delete temporary staging files.")
def cleanup(target_size: str, remove_temp: bool) -> None:
    """Shrink the cache to TARGET_SIZE (e.g. 10GB), least recently used files first."""
    from tracklab.backend.artifact_store._cache import ArtifactCache

    freed = ArtifactCache().cleanup(_parse_size(target_size), remove_temp=remove_temp)
    click.echo(f"Reclaimed {human_size(freed)} of space")
