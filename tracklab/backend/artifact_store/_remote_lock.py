"""A lock per collection on a remote MLflow server, so that "find the digest, else create a
version" is atomic across processes and machines (local stores use a file lock instead).

MLflow's REST API has no compare-and-set on tags, but creating a registered model is atomic:
names are unique, and the second caller gets RESOURCE_ALREADY_EXISTS. The lock is the
registered model `tracklab-lock~<project>.<name>`: created to acquire, deleted to release.
The section it guards is a few small REST calls (files are uploaded before, by digest), so a
lock that stays unchanged for `STALE_SECONDS` belongs to a process that died, and is broken.
"""

from __future__ import annotations

import contextlib
import os
import socket
import time
import uuid
from typing import Any, Iterator

from tracklab.backend.artifact_store import _locate
from tracklab.backend.mapping import RM_LOCK_OWNER

LOCK_PREFIX = "tracklab-lock~"
OWNER_TAG = RM_LOCK_OWNER
STALE_SECONDS = 120.0
_MAX_POLL = 0.5


def lock_name(project: str, name: str) -> str:
    return f"{LOCK_PREFIX}{project}.{name}".replace("/", "_").replace(":", "_")


@contextlib.contextmanager
def collection_lock(tracking_uri: str, project: str, name: str) -> Iterator[None]:
    """Hold the server-side lock of collection `project/name` for the duration of the block."""
    client = _locate.client(tracking_uri)
    lock = lock_name(project, name)
    owner = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex}"
    _acquire(client, lock, owner)
    try:
        yield
    finally:
        _release(client, lock, owner)


def _acquire(client: Any, lock: str, owner: str) -> None:
    from mlflow.exceptions import MlflowException

    seen: tuple[int, float] | None = None  # (the holder's creation time, when we first saw it)
    delay = 0.02
    while True:
        try:
            client.create_registered_model(lock, tags={OWNER_TAG: owner},
                                           description="TrackLab: an artifact version is being created")
            return
        except MlflowException as exc:
            if exc.error_code != "RESOURCE_ALREADY_EXISTS":
                raise
        held = _get(client, lock)
        if held is None:  # released between our attempt and the look
            continue
        if seen is None or seen[0] != held.creation_timestamp:
            seen = (held.creation_timestamp, time.monotonic())
        elif time.monotonic() - seen[1] > STALE_SECONDS:
            _delete_if(client, lock, created=seen[0])
            seen = None
            continue
        time.sleep(delay)
        delay = min(delay * 2, _MAX_POLL)


def _release(client: Any, lock: str, owner: str) -> None:
    # Only our own lock: if ours was broken as stale, another process may hold it now.
    _delete_if(client, lock, owner=owner)


def _get(client: Any, lock: str) -> Any | None:
    from mlflow.exceptions import MlflowException

    try:
        return client.get_registered_model(lock)
    except MlflowException:
        return None


def _delete_if(client: Any, lock: str, created: int | None = None, owner: str | None = None) -> None:
    """Delete the lock if it is still the one created at `created`, or held by `owner`."""
    from mlflow.exceptions import MlflowException

    held = _get(client, lock)
    if held is None or (created is not None and held.creation_timestamp != created) or \
            (owner is not None and (held.tags or {}).get(OWNER_TAG) != owner):
        return
    try:
        client.delete_registered_model(lock)
    except MlflowException:  # already gone
        pass
