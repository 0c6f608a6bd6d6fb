"""wandb names TrackLab does not carry because they have no local meaning: surface -> name -> reason.

Every entry says why. Reasons shared by many names are named once below.
"""

from __future__ import annotations

_SERVER = "talks to the W&B server (accounts, teams, queues, automations); there is none locally"
_INTERNAL = "wandb's internal module (its service, protocol buffers or helpers); not an API"
_INTEGRATION = ("a shortcut to a wandb.integration module: the wandb stand-in answers it (`wandb.sacred` is "
                "`wandb.integration.sacred`); not part of TrackLab's own namespace")
_NETWORK = "network, retry or upload tuning of wandb's service talking to the W&B server"
_LAUNCH = "W&B Launch / jobs (runs started by the W&B server)"
_NOT_COLLECTED = "a system-metrics source gpu_stats does not read (cloud or exporter endpoints)"
_PYDANTIC = "a pydantic validator of wandb's Settings model, run by pydantic; not called by users"
_SETTINGS_INTERNAL = "wandb's internal Settings plumbing (service protocol, system settings file)"

ALLOWED: dict[str, dict[str, str]] = {
    "wandb": {
        "Run": "constructed by init(), never by users (wandb's constructor takes its service config)",
        "EvalTable": "W&B Weave evaluation table, rendered only by the W&B web app",
        "pin_config_keys": "pins config keys in the W&B web app's run overview; TrackLab's panels have no pins",
        "api": "wandb's deprecated server client object; TrackLab's stand-in facade answers `wandb.api.api_key`",
        "agents": _INTERNAL, "analytics": _INTERNAL, "docker": _INTERNAL,
        "helper": _INTERNAL, "proto": _INTERNAL, "patched": _INTERNAL, "trigger": _INTERNAL,
        "wandb": _INTERNAL, "wandb_agent": _INTERNAL, "wandb_lib": _INTERNAL, "wandb_torch": _INTEGRATION,
        "profiler": "PyTorch profiler traces uploaded to the W&B web app's trace viewer",
        "jupyter": "wandb's notebook login and iframe helpers; `run.display()` covers notebooks",
        "sagemaker_auth": "writes W&B credentials for SageMaker; there are no credentials locally (the stand-in's "
                          "`wandb.sagemaker_auth` says so)",
        "catboost": _INTEGRATION, "gym": _INTEGRATION, "sacred": _INTEGRATION, "tensorflow": _INTEGRATION,
    },
    "wandb.Run": {
        "pin_config_keys": "pins config keys in the W&B web app's run overview; TrackLab's panels have no pins",
        "upsert_artifact": "distributed artifacts are assembled by the W&B server from several runs",
        "finish_artifact": "distributed artifacts are assembled by the W&B server from several runs",
    },
    "wandb.Api": {name: _SERVER for name in (
        "automation", "automations", "create_automation", "update_automation", "delete_automation",
        "create_registry", "registries", "registry", "create_run_queue", "run_queue", "upsert_run_queue",
        "queued_run", "create_team", "team", "create_user", "user", "users", "organization",
        "integrations", "slack_integrations", "webhook_integrations", "reports", "job", "list_jobs",
        "create_custom_chart", "user_agent")},
    "wandb.data_types": {
        "EvalTable": "W&B Weave evaluation table, rendered only by the W&B web app",
        "WBTraceTree": "LangChain trace tree rendered only by the W&B web app (deprecated in wandb)",
    },
    "wandb.plot": {"utils": "wandb's private helpers of its chart presets; not an API"},
    "wandb.Artifact": {
        "distributed_id": "distributed artifacts are assembled by the W&B server from several runs",
        "digest_algorithm": "the W&B server's manifest digest scheme; TrackLab's artifacts use MLflow's storage",
        "linked_at": "W&B registry link timestamps; TrackLab's links are MLflow registry aliases",
        "source_artifact": "W&B registry source/link split (a linked copy points at its source on the server)",
        "source_collection": "W&B registry source/link split (a linked copy points at its source on the server)",
        "source_qualified_name": "W&B registry source/link split (a linked copy points at its source on the server)",
    },
    "wandb.Settings": {
        **{name: _SERVER for name in (
            "app_url_override", "azure_account_url_to_access_key", "credentials_file",
            "identity_token_file", "login_timeout", "organization", "relogin", "email", "force",
            "colab_url", "summary_timeout", "x_cli_only_mode",
            "x_server_side_derived_summary", "disable_git_fork_point")},
        **{name: _NETWORK for name in (
            "http_proxy", "https_proxy", "insecure_disable_ssl", "x_extra_http_headers", "x_proxies",
            "heartbeat_seconds", "x_network_buffer", "x_flow_control_custom", "x_flow_control_disabled",
            "x_live_policy_rate_limit", "x_live_policy_wait_time", "console_chunk_max_bytes",
            "console_chunk_max_seconds", "console_multipart", "x_file_stream_max_bytes",
            "x_file_stream_max_line_bytes", "x_file_stream_no_gzip", "x_file_stream_retry_max",
            "x_file_stream_retry_wait_max_seconds", "x_file_stream_retry_wait_min_seconds",
            "x_file_stream_timeout_seconds", "x_file_stream_transmit_interval", "x_file_transfer_retry_max",
            "x_file_transfer_retry_wait_max_seconds", "x_file_transfer_retry_wait_min_seconds",
            "x_file_transfer_timeout_seconds", "x_graphql_retry_max", "x_graphql_retry_wait_max_seconds",
            "x_graphql_retry_wait_min_seconds", "x_graphql_timeout_seconds", "x_history_value_encoding")},
        **{name: _LAUNCH for name in (
            "launch", "launch_config_path", "job_name", "job_source", "disable_job_creation", "docker",
            "x_runqueue_item_id", "sagemaker_disable")},
        **{name: _NOT_COLLECTED for name in (
            "x_stats_coreweave_metadata_base_url", "x_stats_coreweave_metadata_endpoint", "x_stats_dcgm_exporter",
            "x_stats_open_metrics_endpoints", "x_stats_open_metrics_filters", "x_stats_open_metrics_http_headers",
            "x_stats_neuron_monitor_config_path")},
        "label_disable": "switches off wandb's code/repo labels, telemetry sent to the W&B server",
        "stop_fn": "called when a run is stopped from the W&B web app or after the service's fatal upload error; "
                   "TrackLab's writer never stops training (the run log keeps the data)",
        "stop_on_fatal_error": "stops a run after the service's fatal upload error; TrackLab's writer never "
                               "stops training (the run log keeps the data)",
        "summary_warnings": "declared by wandb 0.31's Settings but read by none of its code",
        "x_disable_viewer": "skips wandb's early viewer query to the W&B server",
        "allow_offline_artifacts": "lets offline media point at artifact entries by client id for the W&B server "
                                   "to resolve at sync; TrackLab's offline artifacts are staged and replayed by "
                                   "`tracklab sync`, with no ids to resolve",
        "x_stats_self_usage": "wandb-core's own CPU and memory as system metrics; gpu_stats reports the run's "
                              "process tree, not the tracker's processes",
        "x_stats_track_process_tree": "gpu_stats always sums the whole process tree of the run (a switch to "
                                      "sample only the one pid is not built)",
        "x_stats_no_cgroup": "gpu_stats never scales percentages by cgroup limits, so there is nothing to switch off",
        **{name: _SETTINGS_INTERNAL for name in (
            "to_proto", "read_system_settings", "settings_system", "x_service_transport",
            "x_service_wait", "x_internal_check_process", "x_skip_transaction_log",
            "x_transaction_log_flush_interval", "x_sync", "catch_private_settings")},
    },
}

#: Settings fields TrackLab accepts so that settings written for wandb keep working, with no local
#: effect: allowed (each with its reason above) although `Settings` carries them.
def accepted_without_effect(surface: str) -> set[str]:
    if surface != "wandb.Settings":
        return set()
    from tracklab.sdk.wandb_settings import _CLOUD_ONLY

    return {name for names in _CLOUD_ONLY.values() for name in names}


#: Entries that allow a name's signature, not its absence (TrackLab has the name).
SIGNATURE_ONLY = {("wandb", "Run")}

#: Whole families allowed by name prefix: surface -> prefix -> reason.
ALLOWED_PREFIXES: dict[str, dict[str, str]] = {
    "wandb.Settings": {"validate_": _PYDANTIC},
}


def allowed_reason(surface: str, name: str) -> str | None:
    """Why `name` of `surface` is not carried, or None when it must be."""
    reason = ALLOWED.get(surface, {}).get(name)
    if reason is not None:
        return reason
    for prefix, prefix_reason in ALLOWED_PREFIXES.get(surface, {}).items():
        if name.startswith(prefix):
            return prefix_reason
    return None
