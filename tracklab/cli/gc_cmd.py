"""`tracklab gc`: give back the disk space of deleted runs and of artifact files nothing uses.

What goes, on the local SQLite store:
- for each run MLflow marks deleted (`lifecycle_stage = deleted`, e.g. `Api().run(p).delete()`, or the
  MLflow UI): its artifact folder, and its TrackLab run folder under `$TRACKLAB_DIR/runs`;
- TrackLab run folders whose MLflow run is gone altogether (purged with `mlflow gc`);
- stored artifact files (`<artifact root>/.tracklab-objects/md5/..`) that no artifact version links
  to or lists in its manifest (with their download-cache copy, which is the same file);
- artifact versions whose TTL has run out (`artifact.ttl`; wandb's server deletes those itself),
  through `Artifact.delete`, which frees their files where no other version uses them.

It also moves run tables stored by older TrackLab versions as registered models
(`<project>.run-<id>-<key>`) out of MLflow's model registry, to the run-scoped layout (any
TrackLab process opening the store does that too; nothing is deleted but the registry entries).

The MLflow rows of deleted runs (metrics, params, tags) are kept, so the MLflow UI can still show
or restore them (without files). `mlflow gc --backend-store-uri <uri>` purges rows for good; it
also purges deleted experiments and logged models, which is MLflow's call to make, not ours.
Artifacts a deleted run logged stay: they are versions of their own, as in wandb.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import time
from dataclasses import dataclass
from typing import Any, Iterator

import click

from tracklab.cli._progress import echo_result, human_size, progress

MANIFEST_NAME = "tracklab-manifest.json"
# A stored file younger than this may belong to a version being written right now (its folder
# links it a moment after it is created), so it is left for the next gc.
RECENT_SECONDS = 600.0


@dataclass(frozen=True)
class Garbage:
    """One thing to remove: what it is, where, and how many bytes it frees."""

    kind: str  # "run files", "run folder", "artifact file" or "expired artifact version"
    path: str
    size: int
    why: str
    also: tuple[str, ...] = ()  # other names of the same bytes (a cache hard link)
    artifact: Any = None  # the version to delete, for expired ones


def _size(path: str) -> int:
    if os.path.isfile(path):
        return os.path.getsize(path)
    total = 0
    seen: set[tuple[int, int]] = set()
    for base, _, names in os.walk(path):
        for name in names:
            try:
                stat = os.lstat(os.path.join(base, name))
            except OSError:
                continue
            if (stat.st_dev, stat.st_ino) not in seen:  # hard links count once
                seen.add((stat.st_dev, stat.st_ino))
                total += stat.st_size
    return total


def _all_runs(client: Any) -> Iterator[Any]:
    """Every run of every experiment, deleted ones included."""
    from mlflow.entities import ViewType

    experiments = [e.experiment_id for e in client.search_experiments(view_type=ViewType.ALL, max_results=50000)]
    for start in range(0, len(experiments), 100):  # MLflow caps experiment ids per search
        token = None
        while True:
            page = client.search_runs(experiments[start:start + 100], run_view_type=ViewType.ALL,
                                      max_results=10000, page_token=token)
            yield from page
            token = page.token
            if not token:
                break


def _deleted_runs_garbage(client: Any, uri: str) -> list[Garbage]:
    from tracklab.backend import location, mapping
    from tracklab.backend.run_folder import iter_run_folders

    found: list[Garbage] = []
    existing: set[str] = set()
    deleted: dict[str, Any] = {}
    for run in _all_runs(client):
        existing.add(run.info.run_id)
        if run.info.lifecycle_stage == "deleted":
            deleted[run.info.run_id] = run
    from mlflow.entities import ViewType

    names = {e.experiment_id: e.name for e in client.search_experiments(view_type=ViewType.ALL, max_results=50000)}
    for run_id, run in deleted.items():
        label = f"{names.get(run.info.experiment_id, '?')}/{run.data.tags.get(mapping.TAG_RUN_ID, run_id)}"
        folder = location.local_path(run.info.artifact_uri)
        if folder and os.path.isdir(folder):
            found.append(Garbage("run files", folder, _size(folder), f"deleted run {label}"))
    for folder in iter_run_folders():
        mlflow_id = folder.mlflow_run_id(uri)
        if mlflow_id is None or (mlflow_id in existing and mlflow_id not in deleted):
            continue  # never loaded into this store, or a live run
        if folder.is_owned_by_live_process():
            continue
        why = "deleted run" if mlflow_id in deleted else "run no longer in the store"
        project = os.path.basename(os.path.dirname(folder.path))
        found.append(Garbage("run folder", folder.path, _size(folder.path),
                             f"{why} {project}/{os.path.basename(folder.path)}"))
    return found


def _referenced_objects(artifact_root: str, objects: str) -> set[str]:
    """`md5/<hh>/<rest>` of every stored file some version's manifest lists."""
    referenced = set()
    for base, dirs, names in os.walk(artifact_root):
        if os.path.abspath(base) == os.path.abspath(objects):
            dirs[:] = []
            continue
        if MANIFEST_NAME not in names:
            continue
        try:
            with open(os.path.join(base, MANIFEST_NAME)) as handle:
                contents = json.load(handle).get("contents", {})
        except (OSError, ValueError):
            continue
        for entry in contents.values():
            if entry.get("ref") is None and entry.get("digest"):
                hexdigest = base64.b64decode(entry["digest"]).hex()
                referenced.add(os.path.join("md5", hexdigest[:2], hexdigest[2:]))
    return referenced


def _unreferenced_blobs(uri: str) -> tuple[list[Garbage], int]:
    """Stored artifact files no version uses, and how many recent ones were left alone."""
    from tracklab.backend import location
    from tracklab.backend.artifact_store._cache import ArtifactCache

    artifact_root = location.artifact_root_for(uri)
    objects = os.path.join(artifact_root, ".tracklab-objects")
    if not os.path.isdir(os.path.join(objects, "md5")):
        return [], 0
    referenced = _referenced_objects(artifact_root, objects)
    cache_root = os.path.join(ArtifactCache().root, "obj")
    found, recent = [], 0
    now = time.time()
    for base, _, names in os.walk(os.path.join(objects, "md5")):
        for name in names:
            path = os.path.join(base, name)
            rel = os.path.relpath(path, objects)
            if rel in referenced:
                continue
            try:
                stat = os.stat(path)
            except OSError:
                continue
            cached = os.path.join(cache_root, rel)
            same = os.path.exists(cached) and os.path.samefile(path, cached)
            if stat.st_nlink - int(same) > 1:
                continue  # a version folder still links it
            if now - stat.st_mtime < RECENT_SECONDS:
                recent += 1
                continue
            found.append(Garbage("artifact file", path, stat.st_size, "no artifact version uses it",
                                 (cached,) if same else ()))
    return found, recent


def _expired_artifacts(uri: str) -> list[Garbage]:
    from tracklab.sdk.artifacts import expired_versions

    return [Garbage("expired artifact version", art.qualified_name, art.size,
                    f"its TTL ran out at {art.expires_at:%Y-%m-%d %H:%M} UTC", artifact=art)
            for art in expired_versions(uri)]


def _move_run_tables(uri: str, dry_run: bool) -> None:
    """Old-layout run tables: registered models that become run-scoped collections."""
    from tracklab.backend.artifact_store import _registry, _run_scoped

    _registry.no_migration_on_open(uri)  # this command moves them itself (or, dry, leaves them)
    migration = _run_scoped.Migration(_registry.Registry(uri, migrate=False))
    found = migration.collections()
    if dry_run:
        for rm, _ in found:
            click.echo(f"would move run table out of the model registry: {rm.name}")
        return
    versions = sum(migration.move(rm, found_versions) for rm, found_versions in found)
    if found:
        click.echo(f"moved {len(found)} run table artifact(s) ({versions} version(s)) out of the model registry; "
                   "they stay with the runs that logged them")


def _remove(item: Garbage) -> None:
    if item.artifact is not None:
        item.artifact.delete(delete_aliases=True)
        return
    if os.path.isdir(item.path):
        shutil.rmtree(item.path)
        parent = os.path.dirname(item.path)
        if item.kind == "run files" and os.path.basename(item.path) == "artifacts" and not os.listdir(parent):
            os.rmdir(parent)  # MLflow's `<run id>/artifacts`: drop the emptied run id folder too
    elif os.path.exists(item.path):
        os.unlink(item.path)
    for other in item.also:
        if os.path.exists(other):
            os.unlink(other)


@click.command()
@click.option("--dry-run", is_flag=True, help="List what would be removed and its size; remove nothing.")
@click.option("--yes", "-y", is_flag=True, help="Do not ask for confirmation.")
def gc(dry_run: bool, yes: bool) -> None:
    """Remove the files of deleted runs, artifact files no version uses and artifact versions
    whose TTL ran out (local store).

    MLflow keeps the rows of deleted runs; `mlflow gc` purges those.
    """
    from tracklab.backend import location, mlflow_client

    uri = location.resolve_tracking_uri()
    db = location.sqlite_path(uri)
    if db is None:
        raise click.ClickException(f"gc works on the local SQLite store; the tracking URI is {uri}: run "
                                   "`mlflow gc` where that store's files live")
    if not os.path.exists(db):
        raise click.ClickException(f"there is no TrackLab store at {db} (set TRACKLAB_DIR to the store you mean)")
    _move_run_tables(uri, dry_run)
    garbage = _expired_artifacts(uri) + _deleted_runs_garbage(mlflow_client.client(uri), uri)
    blobs, recent = _unreferenced_blobs(uri)
    garbage += blobs
    total = sum(g.size for g in garbage)
    verb = "would remove" if dry_run else "remove"
    for item in garbage:
        click.echo(f"{verb} {item.kind}: {item.path} ({human_size(item.size)}; {item.why})")
    if recent:
        click.echo(f"kept {recent} artifact file(s) stored in the last {RECENT_SECONDS / 60:.0f} minutes "
                   "(a version may be being written); run gc again later")
    if not garbage:
        click.echo("nothing to remove")
        return
    if dry_run:
        click.echo(f"{len(garbage)} item(s), {human_size(total)} would be freed (dry run: nothing removed)")
        return
    if not yes:
        click.confirm(f"Remove {len(garbage)} item(s), {human_size(total)}?", abort=True, err=True)
    with progress(garbage, "removing", describe=lambda g: os.path.basename(g.path) if g else None) as bar:
        for item in bar:
            _remove(item)
    echo_result(f"removed {len(garbage)} item(s), {human_size(total)} freed; the deleted runs' rows stay in "
                f"MLflow (`mlflow gc --backend-store-uri {uri}` purges them)")
