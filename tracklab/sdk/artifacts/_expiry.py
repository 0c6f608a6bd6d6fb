"""Finding versions whose TTL ran out, for `tracklab gc` (which deletes them)."""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING

from tracklab.backend.artifact_store import _registry

if TYPE_CHECKING:
    from tracklab.sdk.artifacts.artifact import Artifact


def expired_versions(tracking_uri: str | None = None, now: datetime.datetime | None = None) -> list["Artifact"]:
    """The stored artifact versions whose expiry (creation time + TTL) is at or before `now`
    (default: the current time), soonest-expired first.

    `tracking_uri` defaults to TrackLab's store. Nothing is deleted here: `tracklab gc` calls
    `artifact.delete(delete_aliases=True)` on each, which also frees their files."""
    from tracklab.backend import location
    from tracklab.sdk.artifacts.artifact import Artifact

    uri = location.resolve_tracking_uri(tracking_uri)
    moment = now or datetime.datetime.now(datetime.timezone.utc)
    if moment.tzinfo is None:
        raise ValueError(f"now={moment!r} must be timezone-aware (e.g. datetime.timezone.utc)")
    cutoff = int(moment.timestamp() * 1000)
    registry = _registry.Registry(uri)
    found, token = [], None
    while True:
        page = registry.client.search_model_versions(f"tags.`{_registry.MV_EXPIRES}` LIKE '%'",
                                                     max_results=1000, page_token=token)
        found.extend(page)
        token = page.token
        if not token:
            break
    candidates = [registry.get(mv.name, int(mv.version)) for mv in found]
    candidates += registry.run_scoped.with_expiry()  # run tables: LoggedModels, not versions
    expired = [v for v in candidates if v.expires_at is not None and v.expires_at <= cutoff]
    expired.sort(key=lambda v: (v.expires_at, v.collection, v.number))
    return [Artifact._from_stored(v, uri) for v in expired]
