"""Media in MLflow's own layouts, so the stock MLflow UI shows them.

Images logged with `log({"key": Image})` are also written the way `mlflow.log_image` writes
them: `images/<key with / as ~>+step+<step>+timestamp+<ms>+<uuid>.png` plus a
`+compressed.webp` thumbnail, and the run tag `mlflow.loggedImages`; the run page then shows
them with a step slider. The uuid comes from the run, key and step, so loading a run twice
writes the same names.
"""

from __future__ import annotations

import os
import re
import tempfile
import uuid
from typing import Any, Callable, Iterable

LOGGED_IMAGES_TAG = "mlflow.loggedImages"
LOGGED_ARTIFACTS_TAG = "mlflow.loggedArtifacts"  # tables MLflow's UI can show ("View as table")
_THUMBNAIL = 256
_KEY_BAD = re.compile(r"[^a-zA-Z0-9_\-./ ]")


def image_files(value: Any) -> list[str]:
    """Paths (relative to the files folder) of the images a history value refers to."""
    if not isinstance(value, dict):
        return []
    kind = value.get("_type")
    if kind == "image-file" and value.get("path"):
        return [value["path"]]
    if kind == "images/separated":
        return [f for f in value.get("filenames", []) if isinstance(f, str)]
    return []


def table_file(value: Any) -> str | None:
    """The table JSON (relative to the files folder) a history value refers to, if any.

    wandb's table files hold `columns` and `data`, the same split form `mlflow.log_table` writes,
    so MLflow's artifact view and its table comparison read them as they are.
    """
    if isinstance(value, dict) and value.get("_type") == "table-file" and value.get("path"):
        return value["path"]
    return None


def logged_tables_tag(paths: Iterable[str]) -> str:
    """The `mlflow.loggedArtifacts` tag value for these table artifacts."""
    import json

    return json.dumps([{"path": path, "type": "table"} for path in sorted(paths)])


def _layout_key(key: str) -> str:
    return _KEY_BAD.sub("_", key).replace("/", "~") or "_"


def write_images(run_id: str, key: str, step: int, ts_ms: int, files_dir: str, relpaths: Iterable[str],
                 put: Callable[[str, str], None]) -> int:
    """Write each image in MLflow's layout through `put(artifact_path, local_path)`; return how many."""
    from PIL import Image

    written = 0
    for index, relpath in enumerate(relpaths):
        source = os.path.join(files_dir, relpath)
        if not os.path.exists(source):
            continue
        name = uuid.uuid5(uuid.NAMESPACE_URL, f"{run_id}/{key}/{step}/{index}").hex
        base = f"images/{_layout_key(key)}+step+{step}+timestamp+{ts_ms}+{name}"
        with tempfile.TemporaryDirectory(prefix="tracklab-image-") as tmp, Image.open(source) as image:
            png = os.path.join(tmp, "image.png")
            image.save(png, format="PNG")
            thumb = image.convert("RGBA") if image.mode not in ("RGB", "RGBA") else image.copy()
            thumb.thumbnail((_THUMBNAIL, _THUMBNAIL))
            webp = os.path.join(tmp, "image.webp")
            thumb.save(webp, format="WEBP")
            put(base + ".png", png)
            put(base + "+compressed.webp", webp)
        written += 1
    return written
