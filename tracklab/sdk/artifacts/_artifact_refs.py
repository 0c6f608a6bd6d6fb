"""`wandb-artifact://` references: an entry that points at a file of another stored artifact.

`wandb-artifact://<artifact id>/<path>` names the file by the id of the version holding it
(TrackLab's ids are LoggedModel ids); `wandb-artifact://<project>/<name>:<alias>/<path>` is
accepted too and pinned to the id when added, so the reference keeps naming the same bytes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from tracklab.backend.artifact_store import _names

if TYPE_CHECKING:
    from tracklab.backend.artifact_store.manifest import ArtifactManifestEntry
    from tracklab.sdk.artifacts.artifact import Artifact

SCHEME = _names.REF_SCHEME
PREFIX = _names.REF_PREFIX
url = _names.ref_url
split = _names.split_ref


def resolve(uri: str, tracking_uri: str) -> tuple["Artifact", "ArtifactManifestEntry"] | None:
    """The stored artifact and entry a reference names, or None when that version is gone."""
    from tracklab.backend.artifact_store._registry import Registry
    from tracklab.errors import CommError
    from tracklab.sdk.artifacts.artifact import Artifact

    source, path = split(uri)
    registry = Registry(tracking_uri)
    if ":" in source:
        try:
            stored = registry.resolve(_names.parse_spec(source))
        except CommError:
            return None
    else:
        versions = registry.versions_of_model(source)
        if not versions:
            return None
        stored = registry.get(*versions[0])  # the version it was logged as (later ones are links)
    artifact = Artifact._from_stored(stored, tracking_uri)
    entry = artifact.manifest.entries.get(path)
    if entry is None:
        raise ValueError(f"reference {uri!r}: artifact {stored.project}/{artifact.name} has no file {path!r}")
    return artifact, entry


def entry_for(uri: str, name: str | None, tracking_uri: str) -> "ArtifactManifestEntry":
    """The manifest entry a `wandb-artifact://` reference adds: the target's digest and size,
    and the URI pinned to the id of the version that holds the file."""
    from tracklab.backend.artifact_store.manifest import ArtifactManifestEntry

    current = uri
    while True:  # a reference to a reference: point at the file itself, as wandb does
        found = resolve(current, tracking_uri)
        if found is None:
            raise ValueError(f"reference {current!r}: no stored artifact version {split(current)[0]!r} "
                             f"in {tracking_uri}")
        artifact, target = found
        if not (target.ref or "").startswith(PREFIX):
            break
        current = target.ref
    return ArtifactManifestEntry(path=_names.entry_path(name or target.path.rsplit("/", 1)[-1]),
                                 digest=target.digest, size=target.size, ref=url(artifact.id, target.path))


def fetch(uri: str, dst: str, tracking_uri: str) -> bool:
    """Write the referenced file at `dst`; False when the version holding it is gone."""
    found = resolve(uri, tracking_uri)
    if found is None:
        return False
    artifact, entry = found
    artifact._materialize(entry, dst, allow_missing=False)
    return True
