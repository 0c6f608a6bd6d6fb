"""`TRACKLAB_UI=auto`: start a UI server in the background for a run, or reuse the running one.

`python -m tracklab.ui.detached --tracking-uri URI --host H --port P` is the background
process: it supervises the server like `tracklab ui` does, with its output in a log file
beside the store (`ui-servers/<store id>.log`).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from typing import Any

from tracklab.backend import ui_registry as registry
from tracklab.backend.ui_registry import ServerSpec, spec_for
from tracklab.ui import server

PORT_TRIES = 20


def ensure_server(settings: Any) -> str:
    """The address of the UI on the settings' store; start one detached if none runs.

    When an existing server (or a free port) is at another address than `ui_host:ui_port`,
    the settings are updated so run links point at it.
    """
    uri = settings.tracking_uri or ""
    if uri.startswith(("http://", "https://")):
        return uri.rstrip("/")
    spec = spec_for(tracking_uri=uri or None, host=settings.ui_host, port=int(settings.ui_port))
    with registry.lock(spec):
        entry = registry.find(spec)
        if entry is not None:
            settings.update(ui_host=entry["host"], ui_port=entry["port"])
            return entry["url"]
        spec.port = _free_port(spec)
        pid = _launch(spec)
        registry.record(spec, pid, ready=False)
    settings.update(ui_host=spec.host, ui_port=spec.port)
    return spec.url


def _free_port(spec: ServerSpec) -> int:
    for port in range(spec.port, spec.port + PORT_TRIES):
        if not server.port_in_use(spec.host, port):
            return port
    return spec.port


def _launch(spec: ServerSpec) -> int:
    log = registry.log_path(spec)
    os.makedirs(os.path.dirname(log), exist_ok=True)
    with open(log, "ab") as output:
        proc = subprocess.Popen(
            [sys.executable, "-m", "tracklab.ui.detached", "--tracking-uri", spec.tracking_uri,
             "--host", spec.host, "--port", str(spec.port)],
            stdin=subprocess.DEVNULL, stdout=output, stderr=subprocess.STDOUT, start_new_session=True,
            close_fds=True,
        )
    return proc.pid


def main(argv: list[str] | None = None) -> int:
    from tracklab.ui import serve

    parser = argparse.ArgumentParser(prog="python -m tracklab.ui.detached")
    parser.add_argument("--tracking-uri", required=True)
    parser.add_argument("--host", required=True)
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args(argv)
    spec = spec_for(tracking_uri=args.tracking_uri, host=args.host, port=args.port)
    return serve.run(spec, lambda line: print(line, flush=True), claimed=True)


if __name__ == "__main__":
    sys.exit(main())
