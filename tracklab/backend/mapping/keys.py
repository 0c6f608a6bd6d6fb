"""Keys MLflow rejects, escaped one way and read back the other (`docs/mapping.md`, "Keys").

`escape_key` gives every wandb key an MLflow-valid key; the run keeps the map escaped ->
original in tags (`keymap_tags`), which `keymap_from_tags` reads back.
"""

from __future__ import annotations

import hashlib
import json
import posixpath
import re
from typing import Mapping

from tracklab.backend.mapping.names import MAX_KEY_LENGTH, MAX_TAG_VALUE_LENGTH, TAG_KEYMAP

_KEY_OK = re.compile(r"^[/\w.\- :]*$")
_KEY_BAD_CHAR = re.compile(r"[^/\w.\- :]")


def is_valid_mlflow_key(key: str) -> bool:
    """Whether MLflow accepts `key` as a metric/param/tag name unchanged."""
    if not key or len(key) > MAX_KEY_LENGTH or not _KEY_OK.match(key):
        return False
    # MLflow also refuses keys that are not normalised paths (`a//b`, `a/`, `./a`, `/a`).
    return posixpath.normpath(key) == key and key != "." and not key.startswith(("/", ".."))


def escape_key(key: str) -> str:
    """An MLflow-valid key for any wandb key; valid keys pass unchanged.

    Invalid keys are made readable (bad characters -> `_`, empty path parts -> `_`) and given
    a suffix from a hash of the original, so two different keys never share an escape and the
    same key escapes the same way in every run (charts across runs line up).
    """
    if is_valid_mlflow_key(key):
        return key
    digest = hashlib.sha1(key.encode("utf-8", "surrogatepass")).hexdigest()[:8]
    readable = _KEY_BAD_CHAR.sub("_", key)
    parts = [p if p not in ("", ".", "..") else "_" for p in readable.split("/")]
    readable = "/".join(parts)
    readable = readable[: MAX_KEY_LENGTH - 10]
    candidate = f"{readable}-{digest}"
    if not is_valid_mlflow_key(candidate):  # truncation may leave a trailing '/'
        candidate = f"{readable.rstrip('/')}_-{digest}"
    return candidate


def tag_value(value: str) -> str:
    """Clip a tag value to MLflow's limit."""
    return value if len(value) <= MAX_TAG_VALUE_LENGTH else value[: MAX_TAG_VALUE_LENGTH - 3] + "..."


def keymap_tags(keymap: Mapping[str, str]) -> dict[str, str]:
    """The key map {escaped: original} as one JSON tag, spilled over numbered tags past MLflow's tag length."""
    text = json.dumps(dict(keymap), ensure_ascii=False)
    limit = MAX_TAG_VALUE_LENGTH
    parts = [text[i:i + limit] for i in range(0, len(text), limit)] or ["{}"]
    tags = {TAG_KEYMAP: parts[0]}
    for index, part in enumerate(parts[1:], start=1):
        tags[f"{TAG_KEYMAP}.{index}"] = part
    return tags


def _part_number(key: str) -> int:
    suffix = key[len(TAG_KEYMAP) + 1:]
    return int(suffix) if suffix.isdigit() else 0


def keymap_from_tags(tags: Mapping[str, str]) -> dict[str, str]:
    """{MLflow key: original wandb key} from a run's tags ({} when no key was escaped or the map is damaged)."""
    parts = sorted((k for k in tags if k == TAG_KEYMAP or k.startswith(TAG_KEYMAP + ".")), key=_part_number)
    text = "".join(tags[k] for k in parts)
    try:
        found = json.loads(text) if text else {}
    except ValueError:
        return {}
    return found if isinstance(found, dict) else {}
