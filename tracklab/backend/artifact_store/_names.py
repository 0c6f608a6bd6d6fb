"""Names: artifact names, entry paths, aliases and `entity/project/name:alias` specs.

Everything that ends up as a path on disk goes through `entry_path` or `safe_join`, so no
artifact can write outside its folder.
"""

from __future__ import annotations

import dataclasses
import os
import posixpath
import re

_ARTIFACT_NAME = re.compile(r"^[a-zA-Z0-9_\-.]+$")
_VERSION = re.compile(r"^v(\d+)$")
_DRIVE = re.compile(r"^[a-zA-Z]:")
_MLFLOW_ALIAS_BAD = re.compile(r"[^\w\-]")
_LOGGED_MODEL_BAD = re.compile(r"[/:.%\"']")
MAX_NAME_LENGTH = 128
# Entry names TrackLab keeps for itself inside a version's folder.
RESERVED_ENTRY = "tracklab-manifest.json"
# Registry-style prefixes: `model-registry/name`, `wandb-registry-model/name`.
_REGISTRY_PREFIXES = ("model-registry", "wandb-registry-")


def artifact_name(name: str) -> str:
    """`name` if wandb would accept it as an artifact name, else ValueError."""
    if not isinstance(name, str) or not name:
        raise ValueError("Artifact name must be a non-empty string")
    if len(name) > MAX_NAME_LENGTH:
        raise ValueError(f"Artifact name {name!r} is longer than {MAX_NAME_LENGTH} characters")
    if name in (".", "..") or not _ARTIFACT_NAME.match(name):
        raise ValueError(
            f"Artifact name {name!r} is invalid: it may only contain alphanumeric characters, dashes, "
            "underscores and dots, and may not be '.' or '..'"
        )
    return name


def registry_name(name: str) -> str:
    """`name` if usable as a registered-model name (MLflow refuses `/` and `:`; quotes would break queries)."""
    if not name or any(c in name for c in "/:'\"`\\") or len(name) > 256:
        raise ValueError(f"Registry name {name!r} is invalid: it may not contain / : quotes or backslashes")
    return name


def artifact_type(kind: str) -> str:
    """`kind` if usable as an artifact type (no `/` or `:`), else ValueError."""
    if not isinstance(kind, str) or not kind or "/" in kind or ":" in kind or len(kind) > MAX_NAME_LENGTH:
        raise ValueError(f"Artifact type {kind!r} is invalid: it must be a non-empty name without '/' or ':'")
    return kind


def entry_path(name: str) -> str:
    """The normalised POSIX path of an entry, refusing anything that could leave its folder.

    Backslashes count as separators (a Windows path must not escape on Windows either);
    absolute paths, drive letters and `..` components are refused.
    """
    if not isinstance(name, str) or not name.strip():
        raise ValueError("Artifact entry name must be a non-empty string")
    posix = name.replace("\\", "/")
    if posix.startswith("/") or _DRIVE.match(posix):
        raise ValueError(f"Artifact entry name {name!r} is an absolute path; entry names must be relative")
    if ".." in posix.split("/"):
        raise ValueError(f"Artifact entry name {name!r} contains '..' and would escape the artifact's folder")
    normal = posixpath.normpath(posix)
    if normal in (".", "") or normal == RESERVED_ENTRY:
        raise ValueError(f"Artifact entry name {name!r} is not a usable file name")
    return normal


def safe_join(root: str, path: str) -> str:
    """`root/path` as an absolute local path, guaranteed to lie inside `root` (symlinks included)."""
    clean = entry_path(path)
    base = os.path.realpath(root)
    target = os.path.realpath(os.path.join(base, *clean.split("/")))
    if target != base and not target.startswith(base.rstrip(os.sep) + os.sep):
        raise ValueError(f"Artifact entry {path!r} resolves outside {root!r}; refusing to write there")
    return target


# -- aliases ---------------------------------------------------------------------------------
def version_index(alias: str) -> int | None:
    """3 for 'v3', None for anything that is not a version."""
    match = _VERSION.match(alias)
    return int(match.group(1)) if match else None


def check_alias(alias: str) -> str:
    """`alias` if a user may set it (not a version, no `/` or `:`), else ValueError."""
    if not isinstance(alias, str) or not alias:
        raise ValueError("Artifact aliases must be non-empty strings")
    if "/" in alias or ":" in alias:
        raise ValueError(f"Alias {alias!r} is invalid: aliases may not contain '/' or ':'")
    if version_index(alias) is not None:
        raise ValueError(f"Alias {alias!r} is reserved: aliases of the form 'v<number>' name versions")
    if len(alias) > MAX_NAME_LENGTH:
        raise ValueError(f"Alias {alias!r} is longer than {MAX_NAME_LENGTH} characters")
    return alias


def mlflow_alias(alias: str) -> str:
    """The registered-model alias MLflow accepts for a wandb alias (`[\\w-]` only)."""
    cleaned = _MLFLOW_ALIAS_BAD.sub("_", alias)
    if cleaned.lower() == "latest" or version_index(cleaned.lower()) is not None:
        cleaned = "a_" + cleaned
    return cleaned


def logged_model_name(name: str) -> str:
    """A LoggedModel name for an artifact name (MLflow refuses `/ : . % " '` there)."""
    return _LOGGED_MODEL_BAD.sub("_", name)


# -- specs -----------------------------------------------------------------------------------
@dataclasses.dataclass(frozen=True)
class Spec:
    """A parsed `[[entity/]project/]name[:alias]`; `registry` is set for registry paths."""

    name: str
    alias: str | None = None
    project: str | None = None
    entity: str | None = None
    registry: bool = False


def parse_spec(spec: str, default_project: str | None = None) -> Spec:
    """Parse `name`, `name:alias`, `project/name:v3`, `entity/project/name:latest`,
    `model-registry/name` or `wandb-registry-model/name:alias`."""
    if not isinstance(spec, str) or not spec:
        raise ValueError("An artifact path must be a non-empty string")
    head, _, alias = spec.rpartition(":") if ":" in spec.rsplit("/", 1)[-1] else (spec, "", "")
    parts = [p for p in head.split("/") if p]
    if not parts or len(parts) > 3:
        raise ValueError(f"Invalid artifact path {spec!r}: use 'name:alias', 'project/name:alias' or "
                         "'entity/project/name:alias'")
    name = parts[-1]
    project = parts[-2] if len(parts) >= 2 else default_project
    entity = parts[-3] if len(parts) == 3 else None
    registry = bool(project) and project.startswith(_REGISTRY_PREFIXES)
    return Spec(name=name, alias=alias or None, project=project, entity=entity, registry=registry)


# `wandb-artifact://` references: an entry that points at a file of another stored artifact.
REF_SCHEME = "wandb-artifact"
REF_PREFIX = REF_SCHEME + "://"


def ref_url(artifact_id: str, path: str) -> str:
    """`wandb-artifact://<artifact id>/<path>`."""
    return f"{REF_PREFIX}{artifact_id}/{path}"


def split_ref(uri: str) -> tuple[str, str]:
    """(artifact id or `project/name:alias` spec, entry path) of a `wandb-artifact://` URI."""
    parts = [p for p in uri[len(REF_PREFIX):].split("/")]
    head = next((i for i, part in enumerate(parts) if ":" in part), 0)
    source, path = "/".join(parts[:head + 1]), "/".join(parts[head + 1:])
    if not source or not path:
        raise ValueError(f"reference {uri!r} must look like wandb-artifact://<artifact id>/<file> or "
                         "wandb-artifact://<project>/<name>:<alias>/<file>")
    return source, entry_path(path)
