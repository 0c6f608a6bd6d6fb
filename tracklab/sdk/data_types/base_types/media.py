"""`Media` and `BatchableMedia`: data types stored as a file beside the history row.

A media object first writes (or points at) a file; logging binds it to a run, which
copies or moves the file to `<run files>/media/<kind>/<key>_<step>_<sha256[:20]><ext>`
(wandb's exact layout) and returns a descriptor dict for the history row.
"""

from __future__ import annotations

import atexit
import os
import platform
import re
import shutil
import tempfile
from collections.abc import Sequence
from typing import Any

from tracklab.sdk.lib.hashutil import sha256_file

from .._json import _is_ndarray
from . import _once
from .wb_value import WBValue
from .._media_sink import as_sink

_TMP_DIR: tempfile.TemporaryDirectory[str] | None = None
_WINDOWS_BAD_CHARS = re.compile(r'[\\:*?"<>|]')


def _media_tmp_dir() -> str:
    """A per-process scratch folder for media files not yet bound to a run."""
    global _TMP_DIR
    if _TMP_DIR is None:
        _TMP_DIR = tempfile.TemporaryDirectory("tracklab-media")
        atexit.register(_TMP_DIR.cleanup)
    return _TMP_DIR.name


def _tmp_path(extension: str) -> str:
    """A fresh path in the scratch folder ending with `extension` (".png", ...)."""
    from tracklab.sdk.lib.runid import generate_id

    return os.path.join(_media_tmp_dir(), generate_id() + extension)


def _safe_key(key: str) -> str:
    """The logged key made safe as a relative path, as wandb does it.

    A key with "/" becomes sub-folders; a leading "/" is dropped and "." / ".."
    parts become "_" / "__" so a key cannot escape the media folder.
    """
    key = str(key)
    if platform.system() == "Windows":
        if _WINDOWS_BAD_CHARS.search(key):
            raise ValueError(
                f"Path {key} is invalid. Please remove invalid filename characters"
                r' (\, :, *, ?, ", <, >, |)'
            )
        key = key.replace("/", os.sep)
    parts = key.lstrip(os.sep).split(os.sep)
    return os.sep.join(p.replace(".", "_") if p in (os.curdir, os.pardir) else p for p in parts)


def _media_file_name(key: str, step: int | str, id_: str, extension: str) -> str:
    """`<key>_<step>_<id><ext>`: wandb's name for a logged media file."""
    return f"{_safe_key(key)}_{step}_{id_}{extension}"


def _is_artifact(obj: Any) -> bool:
    # Runs and artifacts are told apart by shape, so the core's classes need not
    # import (or subclass) anything from here.
    return hasattr(obj, "add_file") and hasattr(obj, "add_reference")


def _posix(path: str) -> str:
    return path.replace(os.sep, "/")


class Media(WBValue):
    """A value stored as a file outside the JSON, rendered by a media panel."""

    def __init__(self, caption: str | None = None) -> None:
        super().__init__()
        self._path: str | None = None
        self._run: Any = None
        self._caption = caption
        self._is_tmp: bool | None = None
        self._extension: str | None = None
        self._sha256: str | None = None
        self._size: int | None = None

    def _set_file(self, path: str, is_tmp: bool = False, extension: str | None = None) -> None:
        """Point at the file holding this value and hash it."""
        if extension is not None and not path.endswith(extension):
            raise AssertionError(
                f'Media file extension "{extension}" must occur at the end of path "{path}".'
            )
        self._path = path
        self._is_tmp = is_tmp
        self._extension = extension
        self._sha256 = sha256_file(path)
        self._size = os.path.getsize(path)

    @classmethod
    def get_media_subdir(cls) -> str:
        """The folder under the run's files where this kind of media goes."""
        raise NotImplementedError

    @staticmethod
    def captions(media_items: Sequence[Media]) -> bool | list[str | None]:
        """All captions of a batch, or False when the first item has none."""
        if media_items[0]._caption is not None:
            return [m._caption for m in media_items]
        return False

    def is_bound(self) -> bool:
        return self._run is not None

    def file_is_set(self) -> bool:
        return self._path is not None and self._sha256 is not None

    def bind_to_run(
        self,
        run: Any,
        key: int | str,
        step: int | str,
        id_: int | str | None = None,
        ignore_copy_err: bool | None = None,
    ) -> None:
        """Place this value's file in `run.dir` under wandb's media name and publish it.

        `run` is the `MediaSink` (data_types/_media_sink.py) the value is logged to.
        """
        run = as_sink(run)  # a Run given where a sink is expected
        if not self.file_is_set():
            raise AssertionError("bind_to_run called before _set_file")
        assert self._path is not None and self._sha256 is not None
        if run is None:
            raise AssertionError('Argument "run" must not be None.')
        self._run = run

        extension = self._extension
        if extension is None:
            extension = os.path.splitext(os.path.basename(self._path))[1]
        if id_ is None:
            id_ = self._sha256[:20]
        media_path = os.path.join(
            self.get_media_subdir(), _media_file_name(str(key), step, str(id_), extension)
        )
        new_path = os.path.join(run.dir, media_path)
        os.makedirs(os.path.dirname(new_path), exist_ok=True)

        # Identical bytes already in this run become a hard link to them (see `_once`).
        try:
            _once.place(self._path, new_path, run.dir, self._sha256, self._size, move=bool(self._is_tmp),
                        link=bool(run.allow_media_symlink))
        except shutil.SameFileError:
            if not ignore_copy_err:
                raise
        self._is_tmp = False
        self._path = new_path
        run.publish_file(media_path)

    def _artifact_entry_urls(self) -> tuple[str | None, str | None]:
        """The `wandb-client-artifact://` references of this value, if it went into one."""
        target = self._artifact_target
        if target is None or not target.name:
            return None, None
        client_id = getattr(target.artifact, "_client_id", None)
        seq_id = getattr(target.artifact, "_sequence_client_id", None)
        name = self.with_suffix(target.name)
        entry = f"wandb-client-artifact://{client_id}/{name}" if client_id else None
        latest = f"wandb-client-artifact://{seq_id}:latest/{name}" if seq_id else None
        return entry, latest

    def to_json(self, run_or_artifact: Any) -> dict:
        """The descriptor for a bound run, or the entry JSON inside an artifact."""
        json_obj: dict[str, Any] = {}
        if self._caption is not None:
            json_obj["caption"] = self._caption

        if not _is_artifact(run_or_artifact):
            json_obj.update({"_type": "file", "sha256": self._sha256, "size": self._size})
            entry_url, latest_url = self._artifact_entry_urls()
            if entry_url is not None:
                json_obj["artifact_path"] = entry_url
            if latest_url is not None:
                json_obj["_latest_artifact_path"] = latest_url
            if entry_url is None or self.is_bound():
                if not self.is_bound():
                    raise AssertionError(
                        f"Value of type {type(self).__name__} must be bound to a run with "
                        "bind_to_run() before being serialized to JSON."
                    )
                assert self._path is not None
                json_obj["path"] = _posix(os.path.relpath(self._path, self._run.dir))
            return json_obj

        artifact = run_or_artifact
        if self.file_is_set():
            assert self._path is not None and self._sha256 is not None
            name = None
            finder = getattr(artifact, "get_added_local_path_name", None)
            if callable(finder):
                name = finder(self._path)
            if name is None:
                if self._is_tmp:
                    name = os.path.join(self.get_media_subdir(), os.path.basename(self._path))
                else:
                    # The hash prefix keeps dir1/img.png and dir2/img.png apart.
                    name = os.path.join(
                        self.get_media_subdir(), self._sha256[:20], os.path.basename(self._path)
                    )
                if self.path_is_reference(self._path):  # a URL stays where it is: a reference entry
                    artifact.add_reference(self._path, name=_posix(name))
                else:
                    entry = artifact.add_file(self._path, name=_posix(name), is_tmp=bool(self._is_tmp))
                    name = getattr(entry, "path", name)
            json_obj["path"] = _posix(str(name))
            json_obj["sha256"] = self._sha256
        json_obj["_type"] = self._log_type
        return json_obj

    @classmethod
    def from_json(cls, json_obj: dict, source_artifact: Any) -> Media:
        return cls(source_artifact.get_entry(json_obj["path"]).download())  # type: ignore[call-arg]

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, self.__class__)
            and getattr(self, "_sha256", None) is not None
            and self._sha256 == getattr(other, "_sha256", None)
        )

    __hash__ = WBValue.__hash__

    @staticmethod
    def path_is_reference(path: Any) -> bool:
        """Whether `path` is a remote URI (gs://, s3://, http(s)://) rather than a file."""
        return isinstance(path, str) and bool(re.match(r"^(gs|s3|https?)://", path))


class BatchableMedia(Media):
    """Media that may be logged as a list under one key (one file per item)."""

    @classmethod
    def seq_to_json(cls, seq: Sequence[BatchableMedia], run: Any, key: str, step: int | str) -> dict:
        """The single descriptor wandb writes for a list of this media."""
        raise NotImplementedError


def _arrays_to_lists(payload: Any) -> Any:
    """Deep-convert numpy arrays to lists (so they do not turn into histograms).

    Media found inside become their class name: a table stored in the run folder
    shows an image cell as the string "Image", as wandb does.
    """
    if isinstance(payload, dict):
        return {k: _arrays_to_lists(v) for k, v in payload.items()}
    if isinstance(payload, Sequence) and not isinstance(payload, str):
        return [_arrays_to_lists(v) for v in payload]
    if _is_ndarray(payload):
        items = payload.tolist() if payload.ndim > 0 else [payload.tolist()]
        return [_arrays_to_lists(v) for v in items]
    if isinstance(payload, Media):
        return type(payload).__name__
    return payload


#: wandb's name for the same conversion.
_numpy_arrays_to_lists = _arrays_to_lists
