"""`wandb.integration.weave`: the hooks Weave uses to find the active run.

Weave (W&B's tracing product) stores its traces in W&B's cloud; TrackLab has no Weave server.
`active_run_path()` and `build_project_path()` answer locally (Weave and tools that read them get
the current run's entity/project/id); `init_weave()` raises, saying Weave is not available;
`init_weave_if_imported()` does nothing (wandb.init calls it).
"""

from __future__ import annotations

import dataclasses

from tracklab.integration._requires import not_available


@dataclasses.dataclass(frozen=True)
class RunPath:
    """Where a run logs: entity, project and run id (never empty)."""

    entity: str
    project: str
    run_id: str


def active_run_path() -> RunPath | None:
    """The path of the current unfinished run, or None (also when it has no entity, as offline runs do)."""
    import tracklab

    run = tracklab.run
    if run is None or getattr(run, "_finished", False):
        return None
    if run.entity and run.project and run.id:
        return RunPath(entity=run.entity, project=run.project, run_id=run.id)
    return None


def build_project_path(entity: str | None, project: str | None) -> str | None:
    """`entity/project`, `project` alone without an entity, None without a project."""
    if not project:
        return None
    return f"{entity}/{project}" if entity else project


def ensure_version(min_version: str, error_msg: str | None = None) -> None:
    """Import weave and require at least `min_version` (ImportError otherwise)."""
    from packaging.version import parse

    message = error_msg or f"weave>={min_version} required"
    try:
        import weave  # type: ignore[import-not-found]

        version = weave.__version__
    except (ModuleNotFoundError, AttributeError) as exc:
        raise ImportError(message) from exc
    if parse(version) < parse(min_version):
        raise ImportError(f"{message}; found weave=={version}")


def init_weave(entity: str | None, project: str | None) -> None:
    """Not available: Weave's traces live on a W&B server."""
    raise not_available("weave", "init_weave()", "Weave stores traces on a W&B server, and TrackLab is local-only")


def init_weave_if_imported(entity: str | None, project: str | None) -> None:
    """Nothing to do locally (wandb starts Weave tracing here when weave is imported)."""


__all__ = ["active_run_path", "RunPath", "build_project_path", "ensure_version", "init_weave",
           "init_weave_if_imported"]
