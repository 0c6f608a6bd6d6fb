"""What `Run.log_artifact`, `use_artifact`, `link_artifact`, `log_model`, `use_model`,
`link_model` and `log_code` do. Each call is staged in the run folder first; a live run
stores it on a background thread (`artifact.wait()` blocks until done), an offline run
leaves it for `tracklab sync`.
"""

from __future__ import annotations

import inspect
import os
import re
import weakref
from concurrent.futures import Future
from typing import Any, Callable, Sequence

from tracklab.backend.artifact_store import _names, _publish, _staging
from tracklab.backend.artifact_store._registry import Registry
from tracklab.sdk.artifacts.artifact import Artifact

_pending: "weakref.WeakKeyDictionary[Any, list[Future]]" = weakref.WeakKeyDictionary()
_CODE_SKIP_DIRS = {".git", ".hg", "wandb", "artifacts", ".venv", "venv", "__pycache__", "node_modules",
                   "site-packages", ".tox", ".mypy_cache", ".pytest_cache"}


def _uri(run: Any) -> str:
    return run.settings.tracking_uri


def _track(run: Any, future: Future) -> Future:
    _pending.setdefault(run, []).append(future)
    return future


def _staged_work(run: Any, request: _publish.Request, what: str, by_writer: bool = False) -> tuple[str, Future | None]:
    """Stage `request` in the run folder; live runs also carry it out now (in the background),
    unless `by_writer`: then the run's writer process stores it as the run ends. Returns the
    staged file and the future of the work (None when it is left staged)."""
    path = _staging.stage(run.sync_dir, request, keep_files=run.offline or by_writer)
    if run.offline or by_writer:
        return path, None
    uri = _uri(run)

    def work() -> Any:
        try:
            result = _publish.run(request, uri)
        except ValueError:  # a mistake (wrong type, changed file): retrying cannot help
            _staging.mark_done(path, failed=True)
            raise
        _staging.mark_done(path, result=result)
        return result

    return path, _track(run, _publish.submit(work, what))


def finish_pending(run: Any, timeout: float | None = None) -> None:
    """Wait for the run's artifact work still in flight (Run.finish calls this)."""
    import concurrent.futures

    futures = _pending.pop(run, [])
    if futures:
        concurrent.futures.wait(futures, timeout=timeout)


# -- logging ----------------------------------------------------------------------------------------
def log_artifact(run: Any, artifact_or_path: Any, name: str | None = None, type: str | None = None,
                 aliases: Sequence[str] | None = None, tags: Sequence[str] | None = None,
                 by_writer: bool = False) -> Artifact:
    """Log a new version produced by `run` (a path makes an artifact of that file or folder).

    `by_writer` leaves the storing to the run's writer process at the end of the run, so the
    training process never imports MLflow for it (the versions TrackLab makes of logged tables)."""
    artifact = _as_artifact(artifact_or_path, name, type)
    aliases = [a for a in (aliases or []) if a != "latest"]
    for alias in aliases:
        _names.check_alias(alias)
    if artifact._stored is not None or artifact._pending is not None:
        artifact.wait()
        artifact.aliases = list(dict.fromkeys([*artifact.aliases, *aliases]))
        artifact.save()
        return artifact
    artifact._tags = list(dict.fromkeys([*artifact._tags, *(tags or [])]))
    artifact.finalize()
    request = _log_request(artifact, run.project, aliases, run.id, run.mlflow_run_id)
    artifact._tracking_uri = _uri(run)
    artifact._project = run.project
    artifact._aliases = ["latest", *aliases]
    path, artifact._pending = _staged_work(run, request, f"logging artifact {artifact._name!r}", by_writer)
    artifact._staged_log = (run.sync_dir, _staging.stem(path))
    artifact._offline = run.offline or by_writer
    return artifact


def _as_artifact(artifact_or_path: Any, name: str | None, kind: str | None) -> Artifact:
    if isinstance(artifact_or_path, Artifact):
        return artifact_or_path
    path = os.fspath(artifact_or_path)
    if "://" in path:
        artifact = Artifact(name or _clean_name(os.path.basename(path.rstrip("/"))), kind or "unspecified")
        artifact.add_reference(path)
        return artifact
    if not os.path.exists(path):
        raise ValueError(f"path {path!r} does not exist; log_artifact takes an Artifact, a file or a folder")
    artifact = Artifact(name or _clean_name(os.path.basename(os.path.abspath(path))), kind or "unspecified")
    if os.path.isdir(path):
        artifact.add_dir(path)
    else:
        artifact.add_file(path)
    return artifact


def _clean_name(name: str) -> str:
    return re.sub(r"[^a-zA-Z0-9_\-.]", "_", name).strip(".") or "artifact"


def _log_request(artifact: Artifact, project: str, aliases: list[str], run_id: str | None,
                 run_hint: str | None) -> _publish.LogRequest:
    manifest = artifact.manifest
    sources, inherited = {}, {}
    for path, entry in manifest.entries.items():
        if entry.ref is not None:
            continue
        if entry.local_path:
            sources[path] = entry.local_path
        elif artifact._base is not None and artifact._base._stored is not None:
            inherited[path] = artifact._base._stored.location
        else:
            raise ValueError(f"entry {path!r} of artifact {artifact._name!r} has no local file to store")
    return _publish.LogRequest(
        project=project, name=artifact._name, type=artifact.type, manifest=manifest.to_manifest_json(),
        sources=sources, trusted=sorted(artifact._trusted & set(sources)), inherited=inherited,
        description=artifact.description, metadata=artifact.metadata, aliases=aliases, tags=artifact.tags,
        incremental=artifact.incremental, run_id=run_id, run_hint=run_hint, ttl=artifact._ttl,
        ttl_set=artifact._ttl_changed,
    )


def log_without_run(artifact: Artifact, project: str | None) -> None:
    """`artifact.save()` outside a run: use the current run, else a short run of job type 'auto'."""
    from tracklab.sdk import wandb_setup
    from tracklab.sdk.wandb_init import init

    current = wandb_setup.current_run()
    if current is not None and not current.disabled:
        log_artifact(current, artifact)
        if not current.offline:
            artifact.wait()
        return
    run = init(project=project or artifact._project or "uncategorized", job_type="auto",
               reinit="create_new", settings={"silent": True, "console": "off"})
    try:
        log_artifact(run, artifact)
        if not run.offline:
            artifact.wait()
    finally:
        run.finish()


# -- using ----------------------------------------------------------------------------------------
def use_artifact(run: Any, artifact_or_name: Any, type: str | None = None, aliases: Sequence[str] | None = None,
                 use_as: str | None = None) -> Artifact:
    """Declare a stored version as an input of `run` and return it (`name:alias`, `project/name:v3`, an Artifact)."""
    if isinstance(artifact_or_name, Artifact):
        artifact = artifact_or_name
        if artifact._stored is None and artifact._pending is None:
            log_artifact(run, artifact)  # a draft: this run makes it, then uses it
        if run.offline and artifact._stored is None:
            return artifact
        artifact.wait()
    else:
        spec = _names.parse_spec(str(artifact_or_name), default_project=run.project)
        stored = Registry(_uri(run)).resolve(spec, type)
        artifact = Artifact._from_stored(stored, _uri(run))
    if aliases:
        artifact.aliases = list(dict.fromkeys([*artifact.aliases, *aliases]))
        artifact.save()
    stored = artifact._stored
    request = _publish.UseRequest(collection=stored.collection, number=stored.number, project=run.project,
                                  run_id=run.id, run_hint=run.mlflow_run_id)
    _staged_work(run, request, f"recording the use of {artifact.name!r}")
    artifact._use_as = use_as
    return artifact


def use_model(run: Any, name: str) -> str:
    """Use a model artifact and return the folder it was downloaded to."""
    return use_artifact(run, name).download()


# -- links ----------------------------------------------------------------------------------------
def link_artifact(run: Any, artifact: Artifact, target_path: str, aliases: Sequence[str] | None = None) -> Artifact:
    """Link a version into another collection (e.g. `model-registry/<name>`); a draft is
    logged by `run` first. Offline runs stage the link for `tracklab sync` and return a
    pending artifact (its `version` raises ArtifactNotLoggedError until then)."""
    if artifact.is_draft():
        log_artifact(run, artifact)
    if run.offline:
        return stage_link(artifact, target_path, aliases, run_folder=run.sync_dir)
    return artifact.wait().link(target_path, aliases)


def stage_link(artifact: Artifact, target_path: str, aliases: Sequence[str] | None = None,
               run_folder: str | None = None) -> Artifact:
    """Stage linking `artifact` into `target_path` (applied by `tracklab sync`); return a pending artifact.

    A stored version is named directly (staged in `run_folder`); a version an offline run
    logged is named by its staged log request, in that run's folder, so sync links it after
    storing it."""
    from tracklab.backend.artifact_store import _links
    from tracklab.sdk.artifacts.exceptions import ArtifactNotLoggedError

    target = _links.check_target(target_path)
    aliases = [_names.check_alias(a) for a in (aliases or []) if a != "latest"]
    if artifact._stored is not None:
        request = _publish.LinkRequest(target=target_path, aliases=aliases, collection=artifact._stored.collection,
                                       number=artifact._stored.number)
        folder = run_folder
    elif artifact._staged_log is not None:
        folder, log_ref = artifact._staged_log
        request = _publish.LinkRequest(target=target_path, aliases=aliases, log_ref=log_ref)
    else:
        raise ArtifactNotLoggedError(artifact._name, "link")
    if folder is None:
        raise ValueError(f"no run folder to stage the link of {artifact._name!r} into")
    _staging.stage(folder, request, keep_files=False)
    return Artifact._pending_link(target.name, artifact.type)


def log_model(run: Any, path: str, name: str | None = None, aliases: Sequence[str] | None = None) -> Artifact:
    """Log a model file or folder as an artifact of type 'model' (default name `run-<id>-<basename>`)."""
    base = os.path.basename(os.path.abspath(os.fspath(path)))
    artifact = Artifact(name or _clean_name(f"run-{run.id}-{base}"), "model")
    if os.path.isdir(path):
        artifact.add_dir(path)
    else:
        artifact.add_file(path)
    return log_artifact(run, artifact, aliases=aliases)


def link_model(run: Any, path: str, registered_model_name: str, name: str | None = None,
               aliases: Sequence[str] | None = None) -> Artifact:
    """Log a model and link it into the registry as `registered_model_name` (a registered model)."""
    artifact = log_model(run, path, name)
    return link_artifact(run, artifact, f"model-registry/{registered_model_name}", aliases)


# -- code ------------------------------------------------------------------------------------------
def log_code(run: Any, root: str | None = ".", name: str | None = None, include_fn: Callable[..., bool] | None = None,
             exclude_fn: Callable[..., bool] | None = None) -> Artifact | None:
    """Save source files under `root` (default: `*.py`) as an artifact of type 'code'."""
    root = os.path.abspath(root or ".")
    include = include_fn or (lambda path, _root: path.endswith(".py"))
    artifact = Artifact(name or _clean_name(f"source-{run.project}-{run.id}"), "code")
    skip = {os.path.abspath(run.sync_dir)}
    for base, dirs, names in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d not in _CODE_SKIP_DIRS and os.path.join(base, d) not in skip)
        for file_name in sorted(names):
            full = os.path.join(base, file_name)
            if _call(include, full, root) and not (exclude_fn and _call(exclude_fn, full, root)):
                artifact.add_file(full, os.path.relpath(full, root).replace(os.sep, "/"))
    if not artifact.manifest.entries:
        return None
    return log_artifact(run, artifact)


def _call(fn: Callable[..., bool], path: str, root: str) -> bool:
    """wandb's include/exclude functions take (path, root) or just (path)."""
    try:
        arity = len(inspect.signature(fn).parameters)
    except (TypeError, ValueError):
        arity = 2
    return bool(fn(path, root) if arity >= 2 else fn(path))
