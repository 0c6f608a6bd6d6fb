"""What a trial's program gets: the parameter files, the environment variables and the command
line built from wandb's macros (`wandb/sdk/launch/sweeps/utils.py`)."""

from __future__ import annotations

import json
import os
import re
import sys
from typing import Any, Mapping, Sequence

import yaml

from tracklab.sweeps import _storage

_ENVVAR = re.compile(r"\$\{envvar:([A-Za-z0-9_]*)\}")
MACROS = ("env", "interpreter", "program", "args", "args_no_equals", "args_no_hyphens", "args_no_boolean_flags",
          "args_json", "args_json_file", "args_append_hydra", "args_override_hydra")


def write_param_files(sweep_id: str, run_id: str, config: Mapping[str, Any]) -> tuple[str, str]:
    """`config-<run>.yaml` ({param: {value: v}}, as wandb writes it) and `config-<run>.json`."""
    directory = _storage.trial_files_dir(sweep_id)
    os.makedirs(directory, exist_ok=True)
    yaml_path = os.path.join(directory, f"config-{run_id}.yaml")
    json_path = os.path.join(directory, f"config-{run_id}.json")
    with open(yaml_path, "w") as handle:
        yaml.safe_dump({k: {"value": v} for k, v in config.items()}, handle, sort_keys=False)
    with open(json_path, "w") as handle:
        json.dump(dict(config), handle)
    return yaml_path, json_path


def trial_env(sweep_id: str, run_id: str, project: str, entity: str | None, param_path: str,
              parent_run_id: str | None) -> dict[str, str]:
    """The variables wandb's agent sets for a trial (and TrackLab's parent run id)."""
    env = {"WANDB_SWEEP_ID": sweep_id, "WANDB_RUN_ID": run_id, "WANDB_SWEEP_PARAM_PATH": param_path,
           "WANDB_PROJECT": project}
    if entity:
        env["WANDB_ENTITY"] = entity
    if parent_run_id:
        env["TRACKLAB_SWEEP_PARENT_RUN_ID"] = parent_run_id
    return env


def macro_values(config: Mapping[str, Any], program: str | None, json_path: str) -> dict[str, list[str]]:
    """Each macro's expansion for a trial's parameters (top-level keys; nested values as Python text)."""
    args, no_equals, no_hyphens, no_booleans, hydra_append, hydra_override = [], [], [], [], [], []
    for key, value in config.items():
        flag = f"{key}={value}"
        args.append("--" + flag)
        no_hyphens.append(flag)
        no_equals += [f"--{key}", str(value)]
        hydra_append.append("+" + flag)
        hydra_override.append("++" + flag)
        if isinstance(value, bool):
            if value:
                no_booleans.append("--" + key)
        else:
            no_booleans.append("--" + flag)
    return {
        "env": ["/usr/bin/env"] if os.name != "nt" else [],
        "interpreter": [sys.executable or "python"],
        "program": [program] if program else [],
        "args": args,
        "args_no_equals": no_equals,
        "args_no_hyphens": no_hyphens,
        "args_no_boolean_flags": no_booleans,
        "args_json": [json.dumps(dict(config))],
        "args_json_file": [json_path],
        "args_append_hydra": hydra_append,
        "args_override_hydra": hydra_override,
    }


def build_command(command: Sequence[Any], values: Mapping[str, list[str]],
                  environ: Mapping[str, str] | None = None) -> list[str]:
    """Expand `${envvar:NAME}` inside items, then replace each whole-item macro by its list.

    As in wandb, an unknown `${macro}` item expands to nothing.
    """
    environ = os.environ if environ is None else environ
    out: list[str] = []
    for item in command:
        text = _ENVVAR.sub(lambda m: environ.get(m.group(1), m.group(1)), str(item))
        if text.startswith("${") and text.endswith("}"):
            out += values.get(text[2:-1]) or []
        else:
            out.append(text)
    return out


def unknown_macros(command: Sequence[Any]) -> list[str]:
    """Whole-item macros wandb's agent would not know (they expand to nothing)."""
    found = []
    for item in command:
        text = _ENVVAR.sub("", str(item))
        if text.startswith("${") and text.endswith("}") and text[2:-1] not in MACROS:
            found.append(text)
    return found
