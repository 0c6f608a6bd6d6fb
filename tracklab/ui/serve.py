"""Running a UI server under this process: reuse, busy ports, readiness, Ctrl-C."""

from __future__ import annotations

import os
import signal
import subprocess
from collections.abc import Callable
from typing import IO

from tracklab.backend import ui_registry as registry
from tracklab.backend.ui_registry import ServerSpec, printable_uri
from tracklab.errors import UsageError
from tracklab.ui import orphans, server

READY_TIMEOUT = 120.0


class Reused(Exception):
    """A server already serves the store; its address is the message."""


def claim(spec: ServerSpec, pid: int) -> None:
    """Record `pid` as the store's server, or raise Reused / UsageError (busy port)."""
    with registry.lock(spec):
        entry = registry.find(spec)
        if entry is not None and (not entry.get("ready") or registry.probe(entry["host"], entry["port"])):
            raise Reused(entry["url"])  # (a ready record whose server does not answer is stale)
        if server.port_in_use(spec.host, spec.port):
            info = registry.probe(spec.host, spec.port)
            if info and info.get("store_id") == registry.store_id(spec.tracking_uri):
                raise Reused(spec.url)
            who = "a TrackLab UI on another store" if info else "another program"
            raise UsageError(f"port {spec.port} on {spec.host} is in use by {who}; "
                             f"pick a free one with --port (e.g. --port {spec.port + 1})")
        registry.record(spec, pid, ready=False)


def run(spec: ServerSpec, echo: Callable[[str], None], output: IO | int | None = None,
        claimed: bool = False) -> int:
    """Serve until Ctrl-C / SIGTERM or until the server exits; return its exit status.

    `claimed`: the store's record already names this process (a detached start).
    """
    if not claimed:
        try:
            claim(spec, os.getpid())
        except Reused as reused:
            echo(f"TrackLab UI already running for this store at {reused}")
            return 0
    proc: subprocess.Popen | None = None
    previous = signal.signal(signal.SIGTERM, _raise_interrupt)
    try:
        server.prepare_store(spec)
        proc = server.start(spec, output)
        orphans.start_thread(spec.tracking_uri, spec.run_root, report=echo)
        if not registry.wait_serving(spec, spec.host, spec.port, READY_TIMEOUT, alive=lambda: proc.poll() is None):
            raise UsageError(f"the MLflow server did not start (exit status {proc.poll()}); "
                             f"see its output{' in ' + output.name if hasattr(output, 'name') else ' above'}")
        registry.record(spec, os.getpid(), ready=True)
        echo(f"TrackLab UI: {spec.url}  (MLflow UI; TrackLab panels at {spec.url}/tracklab/)")
        echo(f"Store: {printable_uri(spec.tracking_uri)}")
        echo("Press Ctrl-C to stop.")
        return proc.wait()
    except KeyboardInterrupt:
        echo("Stopping the TrackLab UI...")
        return 0
    finally:
        signal.signal(signal.SIGTERM, previous)
        if proc is not None:
            server.stop(proc)
        registry.clear(spec, os.getpid())


def _raise_interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt
