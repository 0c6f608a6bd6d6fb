"""The one owner of the wandb -> MLflow representation, both directions (see docs/mapping.md).

project -> experiment, run -> MLflow run (wandb id in a tag), config -> dotted params plus
`config.yaml`, history -> metrics at the wandb step, summary -> latest metrics plus
`wandb-summary.json`, tags/notes/group/job_type -> MLflow tags. Keys MLflow rejects are escaped
by `escape_key` and the original is kept in the run's key map so TrackLab returns it unchanged.

Each piece is written by one function and read back by its inverse; the writer, the readers,
the UI plugin, sweeps, artifacts and the wandb importer all go through here:

- `names`: every tag key and artifact path TrackLab uses, and MLflow's limits;
- `keys`: `escape_key`, the key map as tags (`keymap_tags` / `keymap_from_tags`);
- `config`: params for a config (and what MLflow's write-once params API takes of a change),
  `config.yaml` (`config_yaml` / `config_from_yaml`);
- `history`: a history value as a metric (`metric_value`, `needs_exact_copy`);
- `runs`: the run log's header and update records -> tags (`run_tags`, `update_tags`) and back
  (`run_fields`), wandb state <-> MLflow status (`mlflow_status` / `run_state`), define_metric
  and object-key tags, wandb run paths, the experiment folder name.
"""

from __future__ import annotations

from tracklab.backend.mapping.config import (
    config_from_yaml,
    config_yaml,
    flatten_config,
    param_value,
    params_for_config,
    params_through_mlflow,
)
from tracklab.backend.mapping.history import metric_value, needs_exact_copy
from tracklab.backend.mapping.keys import (
    escape_key,
    is_valid_mlflow_key,
    keymap_from_tags,
    keymap_tags,
    tag_value,
)
from tracklab.backend.mapping.names import *  # noqa: F403 - the names are this package's vocabulary
from tracklab.backend.mapping.runs import (
    UPDATABLE,
    experiment_slug,
    is_sweep_parent,
    metric_defs_from_tags,
    metric_defs_tag,
    mlflow_status,
    object_keys_from_tags,
    object_keys_tag,
    run_fields,
    run_state,
    run_tags,
    split_run_path,
    sweep_parent_tags,
    update_tags,
    user_tag_tags,
)

__all__ = [
    "UPDATABLE",
    "config_from_yaml", "config_yaml", "flatten_config", "param_value", "params_for_config",
    "params_through_mlflow",
    "metric_value", "needs_exact_copy",
    "escape_key", "is_valid_mlflow_key", "keymap_from_tags", "keymap_tags", "tag_value",
    "experiment_slug", "is_sweep_parent", "metric_defs_from_tags", "metric_defs_tag", "mlflow_status",
    "object_keys_from_tags", "object_keys_tag", "run_fields", "run_state", "run_tags",
    "split_run_path", "sweep_parent_tags", "update_tags", "user_tag_tags",
]
