"""Turning a logged artifact into an MLflow version, and recording uses.

Requests are plain JSON-able dataclasses so that a run can stage them in its folder and
`tracklab sync` can replay them (offline runs, or a process that died mid-way). Live runs
run them on one background thread, in order.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import json
import os
import sys
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, Callable, Iterator

from tracklab.backend.artifact_store import _cache, _locate, _names, _registry, _run_scoped
from tracklab.backend.artifact_store._files import VersionFiles
from tracklab.backend.artifact_store.manifest import ArtifactManifest
from tracklab.backend.location import local_path
from tracklab.backend.mapping import LM_DIGEST, LM_PROJECT


@dataclasses.dataclass
class LogRequest:
    """Everything needed to store one artifact version."""

    project: str
    name: str
    type: str
    manifest: dict[str, Any]
    sources: dict[str, str]          # entry path -> local file with its bytes
    trusted: list[str]               # entries whose sources are known-good cache copies
    inherited: dict[str, str]        # entry path -> version folder that already holds it
    description: str | None = None
    metadata: dict[str, Any] = dataclasses.field(default_factory=dict)
    aliases: list[str] = dataclasses.field(default_factory=list)
    tags: list[str] = dataclasses.field(default_factory=list)
    incremental: bool = False
    run_id: str | None = None        # TrackLab run id of the producing run
    run_hint: str | None = None      # its MLflow run id, when known
    ttl: Any = "inherit"             # seconds, None (no TTL) or "inherit" (the collection default)
    ttl_set: bool = False            # whether the user set `ttl` (else an existing version keeps its own)
    kind: str = "log"


@dataclasses.dataclass
class UseRequest:
    """A run used a stored version."""

    collection: str
    number: int
    project: str
    run_id: str
    run_hint: str | None = None
    kind: str = "use"


@dataclasses.dataclass
class LinkRequest:
    """Link a version into another collection (`model-registry/<name>`, `project/name`)."""

    target: str
    aliases: list[str]
    collection: str | None = None    # the version, when it was stored already
    number: int | None = None
    log_ref: str | None = None       # else the staged log request (file stem) that makes it
    kind: str = "link"


Request = LogRequest | UseRequest | LinkRequest
_KINDS = {"log": LogRequest, "use": UseRequest, "link": LinkRequest}


def request_from_json(data: dict[str, Any]) -> Request:
    fields = {k: v for k, v in data.items() if k != "result"}  # `result`: added once done
    return _KINDS[fields.get("kind", "use")](**fields)


def run(request: Request, tracking_uri: str) -> _registry.StoredVersion:
    """Carry out a request against the store."""
    if isinstance(request, LogRequest):
        return publish(request, tracking_uri)
    if isinstance(request, LinkRequest):
        return apply_link(request, tracking_uri)
    return record_use(request, tracking_uri)


def publish(req: LogRequest, tracking_uri: str) -> _registry.StoredVersion:
    """Store `req` as a new version, or move aliases to the version that has the same digest."""
    registry = _registry.Registry(tracking_uri)
    if req.run_id:
        run_id, experiment = _locate.wait_for_run(tracking_uri, req.project, req.run_id, req.run_hint)
    else:
        run_id, experiment = None, _locate.reader(tracking_uri).experiment_id(req.project, create=True)
    manifest = ArtifactManifest.from_manifest_json(req.manifest)
    inherited = dict(req.inherited)
    files = VersionFiles(tracking_uri)
    if files.stores_blobs(experiment):  # before the lock: blobs are named by digest, uploads are idempotent
        files.upload_blobs(experiment, manifest, req.sources, set(req.trusted),
                           lambda entry: _inherited_source(files, inherited[entry.path], entry))
    # A run's own tables (`run-<run id>-<key>`) are run-scoped: kept with that run, not registered.
    scoped = experiment if _run_scoped.is_run_scoped(req.name, req.run_id) else None
    with _collection_lock(tracking_uri, req.project, req.name, registry_lock=scoped is None):
        rm = registry.ensure_collection(req.project, req.name, req.type, run_scoped_in=scoped)
        if req.incremental:
            _merge_latest(registry, rm, manifest, inherited)
        digest = manifest.digest()
        mv = registry.find_digest(rm, digest)
        if mv is None:
            mv = _create(registry, files, rm, req, manifest, inherited, digest, run_id, experiment)
            registry.set_ttl(rm.name, int(mv.version), req.ttl)
        elif req.ttl_set:
            registry.set_ttl(rm.name, int(mv.version), req.ttl)
        registry.add_aliases(rm, int(mv.version), ["latest", *req.aliases])
    return registry.get(rm.name, int(mv.version))


def _merge_latest(registry: _registry.Registry, rm: Any, manifest: ArtifactManifest,
                  inherited: dict[str, str]) -> None:
    """Incremental artifacts: start from the latest version's files, then apply this draft."""
    number = registry.latest_number(rm)
    if number is None:
        return
    base = registry.get(rm.name, number)
    base_manifest = ArtifactManifest.from_manifest_json(VersionFiles(registry.tracking_uri).read_manifest(base.location))
    for path, entry in base_manifest.entries.items():
        if path not in manifest.entries:
            manifest.entries[path] = entry
            if entry.ref is None:
                inherited[path] = base.location


def _create(registry: _registry.Registry, files: VersionFiles, rm: Any, req: LogRequest, manifest: ArtifactManifest,
            inherited: dict[str, str], digest: str, run_id: str | None, experiment: str) -> Any:
    client = registry.client
    model = client.create_logged_model(experiment, name=_names.logged_model_name(req.name), source_run_id=run_id,
                                       model_type=req.type,
                                       tags={LM_DIGEST: digest, LM_PROJECT: req.project})
    try:
        objects = files.store(model, manifest, req.sources, set(req.trusted) | set(inherited),
                              lambda entry: _inherited_source(files, inherited[entry.path], entry))
        client.finalize_logged_model(model.model_id, "READY")
    except BaseException:
        client.finalize_logged_model(model.model_id, "FAILED")
        raise
    tags = {_registry.MV_DIGEST: digest}
    if req.metadata:
        tags[_registry.MV_METADATA] = json.dumps(req.metadata)
    if req.tags:
        tags[_registry.MV_TAGS] = json.dumps(req.tags)
    return registry.create_version(rm, client.get_logged_model(model.model_id), run_id, tags, req.description,
                                   manifest.size, len(manifest), objects)


def _inherited_source(files: VersionFiles, location: str, entry: Any) -> str:
    """A local file with the bytes of an entry stored in another version's folder (only asked
    for on a remote store when the blob root lacks it: versions stored before blobs existed)."""
    local = local_path(location)
    if local is not None:
        return _names.safe_join(local, entry.path)
    return _cache.ArtifactCache().fill(entry.digest, lambda tmp: files.fetch(location, entry, tmp), check=True)


def record_use(req: UseRequest, tracking_uri: str) -> _registry.StoredVersion:
    registry = _registry.Registry(tracking_uri)
    run_id, _ = _locate.wait_for_run(tracking_uri, req.project, req.run_id, req.run_hint)
    version = registry.get(req.collection, req.number)
    registry.mark_used(version, run_id, f"{req.project}/{req.run_id}")
    return version


def apply_link(req: LinkRequest, tracking_uri: str) -> _registry.StoredVersion:
    """Link the stored version `req` names into `req.target`."""
    from tracklab.backend.artifact_store._links import link

    if req.collection is None or req.number is None:
        raise ValueError(f"the artifact to link into {req.target!r} was never stored (its log request failed)")
    version = _registry.Registry(tracking_uri).get(req.collection, req.number)
    return link(tracking_uri, version, req.target, req.aliases)


@contextlib.contextmanager
def _collection_lock(tracking_uri: str, project: str, name: str, registry_lock: bool = True) -> Iterator[None]:
    """Serialise dedup-and-create per collection between processes: a file lock on a local
    store, a registered-model lock on a server (`_remote_lock`). Without `registry_lock` (a run's
    own tables, which only that run's writer stores, in order) a server needs none."""
    root = _locate.objects_root(tracking_uri)
    if root is None:
        if not registry_lock:
            yield
            return
        from tracklab.backend.artifact_store._remote_lock import collection_lock

        with collection_lock(tracking_uri, project, name):
            yield
        return
    from tracklab.backend.store_setup import file_lock

    key = hashlib.sha1(f"{project}/{name}".encode()).hexdigest()[:16]
    with file_lock(os.path.join(root, "locks", key + ".lock")):
        yield


# -- the background thread of live runs ---------------------------------------------------------
_executor: ThreadPoolExecutor | None = None
_executor_lock = threading.Lock()


def submit(work: Callable[[], Any], what: str) -> Future:
    """Run `work` on the publishing thread (in submission order); failures are also printed."""
    global _executor
    with _executor_lock:
        if _executor is None:
            _executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="tracklab-artifacts")
    future = _executor.submit(work)
    future.add_done_callback(lambda f: _report(f, what))
    return future


def _report(future: Future, what: str) -> None:
    error = future.exception()
    if error is not None:
        retry = "" if isinstance(error, ValueError) else " (`tracklab sync` retries it)"
        sys.stderr.write(f"tracklab: {what} failed: {error}{retry}\n")
