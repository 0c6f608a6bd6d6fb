"""A wandb config in MLflow: dotted params (for search) and `config.yaml` (the exact, typed,
current config in wandb's `key: {value: X}` format), both directions.

Params follow the config: TrackLab's own stores update a param in place when its config value
changes. MLflow's API refuses to change a param, so a store reached only through it keeps the first
value and lists the key in the `tracklab.changed_params` tag (`params_through_mlflow`)."""

from __future__ import annotations

import json
from typing import Any, Mapping

from tracklab.backend.mapping.keys import escape_key
from tracklab.backend.mapping.names import MAX_PARAM_VALUE_LENGTH, TAG_CHANGED_PARAMS

TRUNCATED_MARKER = "...[truncated, full value in config.yaml]"


def flatten_config(config: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """Nested config dicts as dotted keys (`{"opt": {"lr": 1}}` -> `{"opt.lr": 1}`)."""
    flat: dict[str, Any] = {}
    for key, value in config.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping) and value:
            flat.update(flatten_config(value, name + "."))
        else:
            flat[name] = value
    return flat


def param_value(value: Any) -> str:
    """A config value as MLflow param text (JSON for containers and None, str otherwise)."""
    if isinstance(value, str):
        text = value
    elif isinstance(value, bool) or value is None or isinstance(value, (list, tuple, dict)):
        text = json.dumps(value, default=str)
    else:
        text = str(value)
    if len(text) > MAX_PARAM_VALUE_LENGTH:
        # MLflow would silently cut it; say so in the value. config.yaml keeps the whole value.
        text = text[: MAX_PARAM_VALUE_LENGTH - len(TRUNCATED_MARKER)] + TRUNCATED_MARKER
    return text


def params_for_config(config: Mapping[str, Any]) -> dict[str, str]:
    """MLflow params (escaped dotted keys -> text) for a wandb config.

    Hidden keys (`_wandb`: class labels, chart specs) stay in config.yaml only.
    """
    visible = {k: v for k, v in config.items() if not str(k).startswith("_")}
    return {escape_key(k): param_value(v) for k, v in flatten_config(visible).items()}


def params_through_mlflow(stored: Mapping[str, str], changed_tag: str | None,
                          params: Mapping[str, str]) -> tuple[dict[str, str], dict[str, str]]:
    """What MLflow's write-once params API can take of `params` (current values): the new params,
    and the `tracklab.changed_params` tag listing every key whose stored param (`stored`) is not
    its current value, carried on from the tag's previous value `changed_tag`."""
    changed = set(json.loads(changed_tag)) if changed_tag else set()
    new: dict[str, str] = {}
    for key, value in params.items():
        if key not in stored:
            new[key] = value
        elif stored[key] == value:
            changed.discard(key)
        else:
            changed.add(key)
    tags = {TAG_CHANGED_PARAMS: json.dumps(sorted(changed))} if changed or changed_tag else {}
    return new, tags


def config_yaml(config: Mapping[str, Any]) -> str:
    """The text of `config.yaml` for a config, as wandb writes it (`wandb_version: 1`, `key: {value: X}`)."""
    import yaml

    data: dict[str, Any] = {"wandb_version": 1}
    data.update({k: {"value": v} for k, v in config.items()})
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True)


def config_from_yaml(data: bytes | str) -> dict[str, Any]:
    """The config `config.yaml` holds (the inverse of `config_yaml`)."""
    import yaml

    raw = yaml.safe_load(data) or {}
    return {k: (v.get("value") if isinstance(v, dict) and "value" in v else v)
            for k, v in raw.items() if k != "wandb_version"}
