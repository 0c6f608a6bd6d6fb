"""Path type names wandb's signatures use (`wandb.sdk.lib.paths`)."""

from __future__ import annotations

import os
from pathlib import PurePosixPath
from typing import Union

#: Anything `open()` takes as a path.
StrPath = Union[str, "os.PathLike[str]"]
#: A path on this machine, as a string.
FilePathStr = str
#: A URI (`s3://...`, `file://...`), as a string.
URIStr = str


class LogicalPath(str):
    """A path inside an artifact or run: always `/`-separated, never absolute, whatever the OS."""

    def __new__(cls, path: StrPath) -> "LogicalPath":
        text = os.fspath(path)
        if os.sep != "/":
            text = text.replace(os.sep, "/")
        text = str(PurePosixPath(text))
        return super().__new__(cls, text.lstrip("/") if text != "/" else text)

    def to_path(self) -> PurePosixPath:
        return PurePosixPath(self)
