"""Media in MLflow's own layouts, so the stock MLflow UI shows them.

Images logged with `log({"key": Image})` are also written the way `mlflow.log_image` writes
them: `images/<key with / as ~>+step+<step>+timestamp+<ms>+<uuid>.png` plus a
`+compressed.webp` thumbnail, and the run tag `mlflow.loggedImages`; the run page then shows
them with a step slider. The uuid comes from the run, key and step, so loading a run twice
writes the same names.

Identical bytes are stored once per run on a local artifact store: files under `media/`
(named after their content hash, never rewritten) and `images/` are hard-linked rather than
copied (`copy_or_link`), and an image logged again is encoded for MLflow's layout only once
(`write_images`' cache).
"""

from __future__ import annotations

import os
import re
import shutil
import uuid
from typing import Any, Callable, Iterable

from tracklab.backend.hashing import sha256_file

_THUMBNAIL = 256
_KEY_BAD = re.compile(r"[^a-zA-Z0-9_\-./ ]")
_WRITE_ONCE = ("media/", "images/")  # artifact folders whose files are never rewritten


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


def is_write_once(artifact_path: str) -> bool:
    """Whether files at this artifact path are written once and never changed (safe to link)."""
    return artifact_path.replace(os.sep, "/").startswith(_WRITE_ONCE)


def copy_or_link(source: str, target: str, artifact_path: str) -> None:
    """Store `source` at `target` (a local artifact store path): a hard link for write-once
    media, so identical bytes linked together in the run folder stay one copy; else a copy."""
    if is_write_once(artifact_path):
        try:
            os.link(source, target)
            return
        except OSError:  # another file system, or no links: copy
            pass
    shutil.copyfile(source, target)


def _encoded(source: str, cache_dir: str) -> tuple[str, str]:
    """MLflow's PNG and webp thumbnail of `source`, encoded once per distinct content.

    A PNG source (wandb's default format) is MLflow's PNG as it is: only the thumbnail is made.
    """
    from PIL import Image

    base = os.path.join(cache_dir, sha256_file(source))
    is_png = source.lower().endswith(".png")
    png, webp = (source if is_png else base + ".png"), base + ".webp"
    if os.path.exists(png) and os.path.exists(webp):
        return png, webp
    os.makedirs(cache_dir, exist_ok=True)
    with Image.open(source) as image:
        if not is_png:
            image.save(png + ".tmp", format="PNG")
            os.replace(png + ".tmp", png)
        thumb = image.convert("RGBA") if image.mode not in ("RGB", "RGBA") else image.copy()
        thumb.thumbnail((_THUMBNAIL, _THUMBNAIL))
        # method=0: the fastest encoder effort, 4 ms instead of 11 ms for 256x256 at about the
        # same size; it runs beside the training loop once per logged image.
        thumb.save(webp + ".tmp", format="WEBP", method=0)
    os.replace(webp + ".tmp", webp)
    return png, webp


def write_images(run_id: str, key: str, step: int, ts_ms: int, files_dir: str, relpaths: Iterable[str],
                 put: Callable[[str, str], None], cache_dir: str | None = None) -> int:
    """Write each image in MLflow's layout through `put(artifact_path, local_path)`; return how many.

    `cache_dir` keeps the encoded files (default: `mlflow-images` beside the files folder),
    so the same picture logged again is neither encoded nor, on a local store, stored again.
    """
    cache_dir = cache_dir or os.path.join(os.path.dirname(os.path.abspath(files_dir)), "mlflow-images")
    written = 0
    for index, relpath in enumerate(relpaths):
        source = os.path.join(files_dir, relpath)
        if not os.path.exists(source):
            continue
        name = uuid.uuid5(uuid.NAMESPACE_URL, f"{run_id}/{key}/{step}/{index}").hex
        base = f"images/{_layout_key(key)}+step+{step}+timestamp+{ts_ms}+{name}"
        png, webp = _encoded(source, cache_dir)
        put(base + ".png", png)
        put(base + "+compressed.webp", webp)
        written += 1
    return written
