"""`Html`: an HTML page logged as `media/html/<key>_<step>_<hash>.html`."""

from __future__ import annotations

import os
import pathlib
from collections.abc import Sequence
from typing import Any

from .base_types.media import BatchableMedia, _tmp_path
from ._media_sink import as_sink

_INJECTED_HEAD = (
    '<base target="_blank"><link rel="stylesheet" type="text/css" '
    'href="https://app.wandb.ai/normalize.css" />'
)


class Html(BatchableMedia):
    """HTML from a string, an open file, or a path to a `.html` file.

    With `inject` (the default) wandb's `<base>`/stylesheet tags are added to the
    head, exactly as wandb writes them, so the file hash matches wandb's.
    """

    _log_type = "html-file"

    def __init__(self, data: str | pathlib.Path | Any, inject: bool = True, data_is_not_path: bool = False) -> None:
        super().__init__()
        is_path = (
            isinstance(data, (str, pathlib.Path))
            and os.path.isfile(data)
            and os.path.splitext(data)[1] == ".html"
            and not data_is_not_path
        )
        path = ""
        if is_path:
            path = str(data)
            with open(path, encoding="utf-8") as f:
                self.html = f.read()
        elif isinstance(data, str):
            self.html = data
        elif hasattr(data, "read"):
            if hasattr(data, "seek"):
                data.seek(0)
            self.html = data.read()
        else:
            raise ValueError("data must be a string or an io object")

        if inject:
            self.inject_head()
        if inject or not is_path:
            tmp = _tmp_path(".html")
            with open(tmp, "w", encoding="utf-8") as f:
                f.write(self.html)
            self._set_file(tmp, is_tmp=True)
        else:
            self._set_file(path, is_tmp=False)

    def inject_head(self) -> None:
        """Insert wandb's `<base target="_blank">` and stylesheet link into the head."""
        if "<head>" in self.html:
            before, after = self.html.split("<head>", 1)
            parts = [before + "<head>", after]
        elif "<html>" in self.html:
            before, after = self.html.split("<html>", 1)
            parts = [before + "<html><head>", "</head>" + after]
        else:
            parts = ["", self.html]
        parts.insert(1, _INJECTED_HEAD)
        self.html = "".join(parts).strip()

    @classmethod
    def get_media_subdir(cls) -> str:
        return os.path.join("media", "html")

    def to_json(self, run_or_artifact: Any) -> dict:
        json_dict = super().to_json(run_or_artifact)
        json_dict["_type"] = self._log_type
        return json_dict

    @classmethod
    def from_json(cls, json_obj: dict, source_artifact: Any) -> Html:
        return cls(source_artifact.get_entry(json_obj["path"]).download(), inject=False)

    @classmethod
    def seq_to_json(cls, seq: Sequence[BatchableMedia], run: Any, key: str, step: int | str) -> dict:
        run = as_sink(run)  # a Run given where a sink is expected
        os.makedirs(os.path.join(run.dir, cls.get_media_subdir()), exist_ok=True)
        return {"_type": "html", "count": len(seq), "html": [h.to_json(run) for h in seq]}
