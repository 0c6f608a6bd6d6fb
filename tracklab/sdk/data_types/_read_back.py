"""From a stored descriptor back to the object: `from_descriptor(run, descriptor)`.

History and summary values of media are wandb's descriptors (`{"_type": "image-file",
"path": "media/images/...", ...}`). This fetches the files they name from the run and
builds the data type again, as wandb's `from_json` does for values read from artifacts:

    api_run = tracklab.Api().run("project/run_id")
    row = api_run.history(pandas=False)[3]
    image = tracklab.data_types.from_descriptor(api_run, row["examples"])
    image.image            # the PIL image
    table = from_descriptor(api_run, api_run.summary["preds"])
    table.get_dataframe()  # pandas
"""

from __future__ import annotations

import json
import os
from typing import Any, Callable

from tracklab.errors import Error

# Kinds rebuilt by their class from the file alone: `_type` -> (class name, takes a caption).
_FROM_FILE = {
    "audio-file": ("Audio", True),
    "video-file": ("Video", True),
    "object3D-file": ("Object3D", True),
    "molecule-file": ("Molecule", True),
    "html-file": ("Html", False),
}
_KINDS = sorted([*_FROM_FILE, "image-file", "images/separated", "table-file", "incremental-table-file",
                 "histogram", "plotly-file", "graph-file"])


def from_descriptor(run: Any, descriptor: dict[str, Any], root: str | None = None) -> Any:
    """The data type a history/summary descriptor stands for, its files fetched from `run`.

    `run` is a `tracklab.Api().run(...)`, a live or offline run (its files folder is read),
    or the path of a run's files folder. Files are downloaded under `root` (default: a
    scratch folder of this process). Returns an `Image` (`.image` is the PIL image), a list
    of `Image` for a list logged under one key, a `Table` (`get_dataframe()`), a
    `Histogram`, `Audio`, `Video`, `Object3D`, `Molecule`, `Html`, `Plotly`, or for a
    `Graph` its parsed JSON (`nodes`, `edges`).
    """
    if not isinstance(descriptor, dict) or "_type" not in descriptor:
        raise Error(f"from_descriptor: descriptor={descriptor!r} is not a media descriptor "
                    "(a dict with '_type', as history and summary hold for media)")
    kind = descriptor["_type"]
    fetch = _fetcher(run, root)
    import tracklab.sdk.data_types as dt

    if kind == "histogram":
        return dt.Histogram(np_histogram=(descriptor["values"], descriptor["bins"]))
    if kind == "image-file":
        return _image(dt, fetch, descriptor)
    if kind == "images/separated":
        captions = descriptor.get("captions") or [None] * len(descriptor["filenames"])
        return [dt.Image(fetch(path), caption=caption) for path, caption in zip(descriptor["filenames"], captions)]
    if kind in ("table-file", "incremental-table-file"):
        return _table(dt, fetch, descriptor)
    if kind == "plotly-file":
        import plotly.io

        return dt.Plotly(plotly.io.read_json(fetch(descriptor["path"])))
    if kind == "graph-file":
        with open(fetch(descriptor["path"])) as handle:
            return json.load(handle)
    if kind in _FROM_FILE:
        name, takes_caption = _FROM_FILE[kind]
        cls = getattr(dt, name)
        caption = {"caption": descriptor.get("caption")} if takes_caption else {}
        return cls(fetch(descriptor["path"]), **caption)
    raise Error(f"from_descriptor: _type={kind!r} cannot be read back; known types: {', '.join(_KINDS)}")


def _image(dt: Any, fetch: Callable[[str], str], descriptor: dict[str, Any]) -> Any:
    masks = {name: {"path": fetch(mask["path"])} for name, mask in (descriptor.get("masks") or {}).items()}
    boxes = {}
    for name, layer in (descriptor.get("boxes") or {}).items():
        with open(fetch(layer["path"])) as handle:
            boxes[name] = json.load(handle)
        labels = boxes[name].get("class_labels")
        if isinstance(labels, dict):  # JSON made the class ids strings
            boxes[name]["class_labels"] = {int(k): v for k, v in labels.items()}
    return dt.Image(fetch(descriptor["path"]), caption=descriptor.get("caption"),
                    masks=masks or None, boxes=boxes or None)


def _table(dt: Any, fetch: Callable[[str], str], descriptor: dict[str, Any]) -> Any:
    """The table a descriptor names; for an incremental table, the rows of that increment
    (all increments are the entries of the run's `run-<id>-incr-<key>` artifact)."""
    with open(fetch(descriptor["path"])) as handle:
        content = json.load(handle)
    return dt.Table.from_json({"columns": content["columns"], "data": content["data"]}, None)


def _fetcher(run: Any, root: str | None) -> Callable[[str], str]:
    """`fetch(relative path) -> local path` for the files of `run`."""
    if isinstance(run, (str, os.PathLike)):
        return _local(os.fspath(run))
    if getattr(run, "mlflow_run", None) is not None:  # a public API run: files are its MLflow artifacts
        return _downloaded(run, root)
    files_dir = getattr(run, "dir", None)
    if isinstance(files_dir, str):
        return _local(files_dir)
    raise Error(f"from_descriptor: run={run!r} is not a tracklab.Api() run, a run, or a files folder")


def _local(files_dir: str) -> Callable[[str], str]:
    def fetch(path: str) -> str:
        local = os.path.join(files_dir, path)
        if not os.path.isfile(local):
            raise Error(f"from_descriptor: the file {path!r} is not in the run's files folder {files_dir!r}")
        return local

    return fetch


def _downloaded(run: Any, root: str | None) -> Callable[[str], str]:
    from .base_types.media import _media_tmp_dir

    root = root or os.path.join(_media_tmp_dir(), "read-back", str(getattr(run, "id", "run")))

    def fetch(path: str) -> str:
        local = os.path.join(root, path)
        if not os.path.isfile(local):
            try:
                run.api.reader.download_artifact(run.mlflow_run, path, root)
            except Exception as e:  # MLflow raises its own exception types for a missing artifact
                raise Error(f"from_descriptor: run {getattr(run, 'id', run)} has no file {path!r} ({e})") from e
        return local

    return fetch
