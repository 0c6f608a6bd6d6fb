"""Writes to an `http(s)://` MLflow tracking server. When the server runs TrackLab's plugin,
batches go to its bulk route (`bulk_wire`: one request per writer chunk); everything else (runs,
artifacts, the end of the run) goes through MLflow's client. The route is probed once, at the
first write the server answers; a plain `mlflow server` has none, and batches then go through
MLflow's `log_batch` (MLflow's speed)."""

from __future__ import annotations

import json
from typing import Any

from tracklab.backend import bulk_wire
from tracklab.backend.mlflow_store import MlflowClientStore
from tracklab.backend.store import Batch

PROBE_TIMEOUT = 10.0
WRITE_TIMEOUT = 300.0


class BulkRefusedError(RuntimeError):
    """The server refused a batch (4xx): its message says why."""


def request(tracking_uri: str, method: str, path: str, timeout: float, **kwargs: Any) -> Any:
    """One HTTP request with MLflow's credentials and TLS settings for `tracking_uri`
    (MLFLOW_TRACKING_USERNAME/PASSWORD/TOKEN, ...), no retries: the writer retries."""
    from mlflow.utils.credentials import get_default_host_creds
    from mlflow.utils.rest_utils import http_request

    return http_request(get_default_host_creds(tracking_uri), path, method, max_retries=0, timeout=timeout,
                        raise_on_status=False, **kwargs)


def probe(tracking_uri: str) -> dict[str, Any] | None:
    """What the server's bulk route takes, or None when the server has no such route (a
    server that does not answer raises: the writer retries)."""
    response = request(tracking_uri, "GET", bulk_wire.ROUTE, PROBE_TIMEOUT)
    if response.status_code >= 500:
        raise ConnectionError(f"{tracking_uri} answered {response.status_code} to the bulk route's probe")
    if response.status_code != 200:
        return None
    try:
        info = response.json()
    except ValueError:
        return None
    return info if isinstance(info, dict) and info.get("version") == bulk_wire.VERSION else None


class ServerStore(MlflowClientStore):
    """An `http(s)://` tracking server, with or without TrackLab's plugin."""

    _bulk: bool | None = None  # whether the server has the bulk route (None: not asked yet)

    def write(self, run_id: str, batch: Batch) -> None:
        if self._bulk is None:
            self._bulk = probe(self.tracking_uri) is not None
        if not self._bulk:
            super().write(run_id, batch)
            return
        path = f"{bulk_wire.BATCHES_ROUTE}?run_id={run_id}"
        for body in bulk_wire.encode(run_id, batch):
            headers = {bulk_wire.IDEMPOTENCY_HEADER: bulk_wire.idempotency_key(body),
                       "Content-Type": "application/octet-stream"}
            response = request(self.tracking_uri, "POST", path, WRITE_TIMEOUT, data=body, extra_headers=headers)
            if response.status_code != 200:
                raise BulkRefusedError(f"the server refused a batch of run {run_id} ({response.status_code}): "
                                       f"{_message(response)}")


def _message(response: Any) -> str:
    try:
        return str(json.loads(response.text).get("message"))
    except (ValueError, AttributeError):
        return response.text[:500]
