"""Sweeps through a `tracklab server`: optuna's journal read and appended over HTTP.

An agent that knows only `TRACKLAB_TRACKING_URI=http://host:port` keeps its sweeps on that
server: the plugin's route `/api/2.0/tracklab/sweeps/journal` serves the server's own sweep journal
(on PostgreSQL, a table of the tracking database). It takes MLflow's credentials
(`MLFLOW_TRACKING_USERNAME`/`PASSWORD`/`TOKEN`) and TLS settings like every MLflow request.
A lost connection is retried for `TRACKLAB_SWEEP_SERVER_WAIT` seconds (60): a server restart
pauses agents instead of failing them; an append is retried with the same batch id, so the
server stores it once.
"""

from __future__ import annotations

import os
import time
import uuid
from typing import Any, Iterable

from optuna.storages.journal import BaseJournalBackend

from tracklab.errors import UsageError

ROUTE = "/api/2.0/tracklab/sweeps/journal"  # under MLflow's /api/: its CORS guard covers it
_WAIT_ENV = "TRACKLAB_SWEEP_SERVER_WAIT"
_TIMEOUT = 60.0


class ServerJournalBackend(BaseJournalBackend):
    """The sweep journal of the tracking server at `tracking_uri`."""

    def __init__(self, tracking_uri: str) -> None:
        self._uri = tracking_uri.rstrip("/")

    def _call(self, method: str, **kwargs: Any) -> dict[str, Any]:
        import requests
        from mlflow.utils.credentials import get_default_host_creds
        from mlflow.utils.rest_utils import http_request

        deadline = time.monotonic() + float(os.environ.get(_WAIT_ENV) or 60)
        delay = 0.2
        while True:
            try:
                response = http_request(get_default_host_creds(self._uri), ROUTE, method, max_retries=0,
                                        timeout=_TIMEOUT, raise_on_status=False, **kwargs)
            except requests.exceptions.RequestException as exc:
                failure = f"{type(exc).__name__}: {exc}"
            else:
                if response.status_code == 200:
                    return response.json()
                if response.status_code == 404:
                    raise UsageError(
                        f"the tracking server {self._uri} keeps no sweeps (no {ROUTE}): start it with "
                        "`tracklab server`, or set TRACKLAB_SWEEP_STORAGE to an optuna storage every "
                        "agent can reach")
                if response.status_code < 500:
                    raise UsageError(f"the tracking server {self._uri} refused a sweep request "
                                     f"({response.status_code}): {response.text[:500]}")
                failure = f"HTTP {response.status_code}: {response.text[:200]}"
            if time.monotonic() > deadline:
                raise UsageError(f"the sweep journal on {self._uri} cannot be reached: {failure}")
            time.sleep(delay)
            delay = min(delay * 2, 5.0)

    def read_logs(self, log_number_from: int) -> Iterable[dict[str, Any]]:
        return self._call("GET", params={"from": int(log_number_from)})["logs"]

    def append_logs(self, logs: list[dict[str, Any]]) -> None:
        if logs:
            self._call("POST", json={"batch": uuid.uuid4().hex, "logs": logs})
