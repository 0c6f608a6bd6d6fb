"""`init(dir=...)`: a folder that cannot be made or written is replaced by the system's temporary
folder, with wandb's warnings; when that is not usable either, a ValueError says what to do."""

from __future__ import annotations

import os
import tempfile

from tracklab.errors import term


def usable_root_dir(root_dir: str) -> str:
    """`root_dir` when it can be made and read and written, else the temporary folder."""
    try:
        os.makedirs(root_dir, exist_ok=True)
    except OSError:
        term.termwarn(f"Unable to create root directory {root_dir}", repeat=False)
    else:
        if os.access(root_dir, os.W_OK | os.R_OK):
            return root_dir
        term.termwarn(f"Path {root_dir} wasn't read/writable", repeat=False)
    fallback = tempfile.gettempdir()
    if not os.access(fallback, os.W_OK | os.R_OK):
        raise ValueError(f"System temp directory ({fallback}) is not writable/readable, please set the `dir` "
                         "argument in `wandb.init()` to a writable/readable directory.")
    term.termwarn(f"Falling back to temporary directory {fallback}.", repeat=False)
    os.makedirs(fallback, exist_ok=True)
    return fallback
