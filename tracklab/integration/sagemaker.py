"""`wandb.integration.sagemaker`: reading SageMaker's training-job environment.

The local part works: `is_using_sagemaker()`, `parse_sm_config()` (the job's hyperparameters
from `/opt/ml/input/config/hyperparameters.json`, `SM_*` training env), `parse_sm_secrets()` and
`set_run_id()` / `set_global_settings()`. `sagemaker_auth()` writes a W&B API key for the job to
log to W&B's cloud: TrackLab needs no key, so it raises, saying so.
"""

from __future__ import annotations

import json
import os
import re
from typing import Any

from tracklab.integration._requires import not_available

SM_PARAM_CONFIG = "/opt/ml/input/config/hyperparameters.json"
SM_SECRETS = "secrets.env"
SM_RESOURCE_CONFIG = "/opt/ml/input/config/resourceconfig.json"


def is_using_sagemaker() -> bool:
    """Whether this process runs in a SageMaker training job."""
    return os.path.exists(SM_PARAM_CONFIG) or "SM_TRAINING_ENV" in os.environ


def parse_sm_config() -> dict[str, Any]:
    """The job's hyperparameters (JSON values decoded where they are JSON) and `sagemaker_training_job_name`."""
    config: dict[str, Any] = {}
    if os.path.exists(SM_PARAM_CONFIG):
        with open(SM_PARAM_CONFIG) as f:
            for key, value in json.load(f).items():
                try:
                    config[key] = json.loads(value) if isinstance(value, str) else value
                except json.JSONDecodeError:
                    config[key] = value
    if "SM_TRAINING_ENV" in os.environ:
        env = json.loads(os.environ["SM_TRAINING_ENV"])
        config.setdefault("sagemaker_training_job_name", env.get("job_name"))
    return config


def parse_sm_secrets() -> dict[str, str]:
    """`KEY=value` lines of `secrets.env` in the working folder (empty if none)."""
    secrets: dict[str, str] = {}
    if os.path.exists(SM_SECRETS):
        with open(SM_SECRETS) as f:
            for line in f:
                key, sep, value = line.strip().partition("=")
                if sep and key:
                    secrets[key] = value
    return secrets


def set_run_id(run_settings: Any) -> bool:
    """In a SageMaker job, name the run after the job (`<job>-<host>` for multi-host jobs); True if set."""
    env = json.loads(os.environ.get("SM_TRAINING_ENV", "{}") or "{}")
    job = env.get("job_name") or os.environ.get("TRAINING_JOB_NAME")
    if not job:
        return False
    hosts = env.get("hosts") or []
    run_id = f"{job}-{env.get('current_host')}" if len(hosts) > 1 else job
    run_settings.run_id = re.sub(r"[^a-zA-Z0-9_.-]", "-", run_id)
    run_settings.run_group = job if len(hosts) > 1 else getattr(run_settings, "run_group", None)
    return True


def set_global_settings(settings: Any) -> None:
    """Apply `secrets.env`'s WANDB_* variables to the environment (the API key is not needed locally)."""
    for key, value in parse_sm_secrets().items():
        if key.startswith("WANDB_") and key != "WANDB_API_KEY":
            os.environ.setdefault(key, value)


def sagemaker_auth(overrides: dict[str, Any] | None = None, path: str = ".", api_key: str | None = None) -> None:
    """Not available: it writes a W&B API key for the job; TrackLab logs to your own store without one."""
    raise not_available("sagemaker", "sagemaker_auth()",
                        "it stores a W&B cloud API key for the job; TrackLab needs none: point the job at your "
                        "store with TRACKLAB_TRACKING_URI (for example a `tracklab server` address)")


__all__ = ["sagemaker_auth", "is_using_sagemaker", "parse_sm_config", "parse_sm_secrets", "set_global_settings",
           "set_run_id"]
