"""Content hashes as wandb names them (`wandb.sdk.lib.hashutil`): md5 in base64 or hex, over one
file or several files read in sorted path order, and conversions between the two spellings.

`sha256_file` (what media descriptors use) comes from `tracklab.backend.hashing`.
"""

from __future__ import annotations

import base64
import hashlib
import os
from typing import Union

from tracklab.backend.hashing import sha256_file

StrPathLike = Union[str, "os.PathLike[str]"]
_CHUNK = 1 << 20


def _md5(data: bytes = b"") -> "hashlib._Hash":
    try:  # FIPS builds refuse md5 unless told it is not for security
        return hashlib.md5(data, usedforsecurity=False)
    except TypeError:
        return hashlib.md5(data)


def md5_string(string: str) -> str:
    """The base64 md5 of a text's UTF-8 bytes."""
    return base64.b64encode(_md5(string.encode("utf-8")).digest()).decode("ascii")


def _md5_files(paths: tuple[StrPathLike, ...]) -> "hashlib._Hash":
    digest = _md5()
    for path in sorted(paths, key=os.fspath):
        with open(path, "rb") as handle:
            for chunk in iter(lambda: handle.read(_CHUNK), b""):
                digest.update(chunk)
    return digest


def md5_file_b64(*paths: StrPathLike) -> str:
    """The base64 md5 of the files' bytes, concatenated in sorted path order (none: the empty md5)."""
    return base64.b64encode(_md5_files(paths).digest()).decode("ascii")


def md5_file_hex(*paths: StrPathLike) -> str:
    """The hex md5 of the files' bytes, concatenated in sorted path order."""
    return _md5_files(paths).hexdigest()


def hex_to_b64_id(encoded: str | bytes) -> str:
    """A hex digest spelled in base64."""
    text = encoded.decode("ascii") if isinstance(encoded, bytes) else encoded
    return base64.b64encode(bytes.fromhex(text)).decode("ascii")


def b64_to_hex_id(encoded: str | bytes) -> str:
    """A base64 digest spelled in hex."""
    return base64.b64decode(encoded).hex()


__all__ = ["b64_to_hex_id", "hex_to_b64_id", "md5_file_b64", "md5_file_hex", "md5_string", "sha256_file"]
