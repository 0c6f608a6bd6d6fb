"""`Bokeh`: a Bokeh plot logged as `media/bokeh/<key>_<step>_<hash>.bokeh.json` (the document's
JSON, which Bokeh's own `Document.from_json` reads back)."""

from __future__ import annotations

import json
import os
import pathlib
from typing import Any

from .base_types.media import Media, _tmp_path


def _document_json(document: Any) -> dict:
    try:  # Bokeh 3.9 returns a serialized wrapper unless asked for plain JSON
        return document.to_json(deferred=False)
    except TypeError:
        return document.to_json()


class Bokeh(Media):
    """A Bokeh model (a figure, a layout), a Bokeh document, or a path to a `.bokeh.json` file."""

    _log_type = "bokeh-file"

    def __init__(self, data_or_path: str | pathlib.Path | Any) -> None:
        super().__init__()
        try:
            import bokeh.document
            import bokeh.model
        except ImportError:
            raise ImportError("wandb.Bokeh needs the bokeh package (install with `pip install bokeh`)") from None
        if isinstance(data_or_path, (str, pathlib.Path)) and os.path.exists(data_or_path):
            path = str(data_or_path)
            with open(path, encoding="utf-8") as handle:
                self.b_obj = bokeh.document.Document.from_json(json.load(handle))
            self._set_file(path, is_tmp=False, extension=".bokeh.json")
            return
        if isinstance(data_or_path, bokeh.model.Model):
            document = bokeh.document.Document()
            document.add_root(data_or_path)
        elif isinstance(data_or_path, bokeh.document.Document):
            document = data_or_path
        else:
            raise TypeError(f"Bokeh takes a Bokeh model or document, or the path of a Bokeh JSON file; "
                            f"got {type(data_or_path).__name__}")
        # A round trip through JSON, references in id order: the same plot gives the same file.
        self.b_obj = bokeh.document.Document.from_json(_document_json(document))
        content = _document_json(self.b_obj)
        roots = content.get("roots")
        if isinstance(roots, dict) and isinstance(roots.get("references"), list):
            roots["references"].sort(key=lambda ref: ref["id"])
        path = _tmp_path(".bokeh.json")
        from ._json import dumps_safer

        with open(path, "w", encoding="utf-8") as handle:
            handle.write(dumps_safer(content))
        self._set_file(path, is_tmp=True, extension=".bokeh.json")

    def to_json(self, run_or_artifact: Any) -> dict:
        return {**super().to_json(run_or_artifact), "_type": self._log_type}

    @classmethod
    def from_json(cls, json_obj: dict, source_artifact: Any) -> Bokeh:
        """The plot a run or artifact holds, read back from its file."""
        return cls(source_artifact.get_entry(json_obj["path"]).download())

    @classmethod
    def get_media_subdir(cls) -> str:
        return os.path.join("media", "bokeh")
