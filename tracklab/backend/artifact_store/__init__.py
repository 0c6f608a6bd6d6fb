"""Artifact versions in MLflow's model registry: the store side of wandb's artifacts.

A collection `project/name` is a registered model, version `vN` is its model version N+1 plus
the LoggedModel holding the files (docs/artifacts.md); a run's own tables (`run-<id>-<key>`) are
LoggedModels only (`_run_scoped`). `_publish` stores a logged version,
records a use, links a version (`_links`); `_staging` carries out the work a run staged in its
folder (the writer at the end of a run, `tracklab sync` for offline runs); `_registry` reads and
writes the registry; `_files`, `_blobs` and `_cache` move the bytes; `manifest` is wandb's
manifest format; `_locate` finds the run and the store reader. The user-facing side (wandb's
`Artifact`, `run.log_artifact`, collections) is `tracklab.sdk.artifacts`.
"""
