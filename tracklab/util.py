"""`wandb.util` helpers that libraries and user code import (`generate_id`, `json_dumps_safer`, ...)."""

from __future__ import annotations

import colorsys
import dataclasses
import importlib
import json
import math
import os
import re
import shlex
import socket
import sys
import tarfile
from types import ModuleType
from typing import IO, Any, Iterable, Sequence
from urllib.parse import urlparse

from tracklab.errors import UsageError
from tracklab.errors import term as _term
from tracklab.sdk.lib.filesystem import mkdir_exists_ok
from tracklab.sdk.lib.runid import generate_id


def json_dumps_safer(obj: Any, **kwargs: Any) -> str:
    """JSON for values `json.dumps` refuses (numpy, torch, dates, sets...), as wandb encodes them."""
    from tracklab.sdk.data_types import _json

    if not kwargs:
        return _json.dumps_safer(obj)
    return json.dumps(obj, default=_json._default_safer, **kwargs)


def json_friendly(obj: Any) -> tuple[Any, bool]:
    """`(value, converted)`: numpy/torch/dates turned into plain JSON values."""
    from tracklab.sdk.data_types._json import json_friendly as friendly

    return friendly(obj)


def get_module(name: str, required: str | bool | None = None, lazy: bool = True) -> ModuleType | None:
    """Import `name`; None when it is missing, unless `required` (then raise with that message)."""
    try:
        return importlib.import_module(name)
    except ImportError:
        if required:
            raise ImportError(required if isinstance(required, str) else f"{name} is required") from None
        return None


def make_artifact_name_safe(name: str) -> str:
    """Replace characters artifact names may not hold with `_` (wandb's rule)."""
    cleaned = re.sub(r"[^a-zA-Z0-9_\-.]", "_", name)
    return cleaned[-128:] if len(cleaned) > 128 else cleaned







# -- JSON ------------------------------------------------------------------------------------
def json_dumps_safer_history(obj: Any, **kwargs: Any) -> str:
    """JSON as a history row is written: arrays over 32 values become histograms."""
    from tracklab.sdk.data_types import _json

    if not kwargs:
        return _json.dumps_history(obj)
    return json.dumps(obj, default=_json._default_history, **kwargs)


def json_dump_safer(obj: Any, fp: IO[str], **kwargs: Any) -> None:
    """Write `obj` to `fp` as `json_dumps_safer` writes it."""
    fp.write(json_dumps_safer(obj, **kwargs))


class WandBJSONEncoder(json.JSONEncoder):
    """A `json.JSONEncoder` for the values wandb logs (numpy, torch, dates, sets, data types)."""

    def default(self, o: Any) -> Any:
        from tracklab.sdk.data_types import _json

        return _json._default_safer(o)


class WandBHistoryJSONEncoder(json.JSONEncoder):
    """As `WandBJSONEncoder`, with arrays over 32 values written as histograms (history rows)."""

    def default(self, o: Any) -> Any:
        from tracklab.sdk.data_types import _json

        return _json._default_history(o)


class JSONEncoderUncompressed(json.JSONEncoder):
    """numpy arrays as lists and numpy scalars as numbers, nothing else converted."""

    def default(self, o: Any) -> Any:
        from tracklab.sdk.data_types import _json

        return _json._default_uncompressed(o)


def json_dump_uncompressed(obj: Any, fp: IO[str]) -> None:
    """Write `obj` as JSON to `fp`, numpy values as plain numbers and lists."""
    from tracklab.sdk.data_types import _json

    fp.write(_json.dumps_uncompressed(obj))


def json_friendly_val(val: Any) -> Any:
    """`val` made of JSON values all the way down: dicts and lists walked, dataclasses (and
    pydantic models) as dicts, numpy/torch values converted, NaN as None; an object inside a
    dataclass that is none of these is written as its `str()`."""
    if isinstance(val, dict):
        return {key: json_friendly_val(item) for key, item in val.items()}
    if isinstance(val, (list, tuple)):
        return [json_friendly_val(item) for item in val]
    if dataclasses.is_dataclass(val) and not isinstance(val, type):
        return {f.name: _field_value(getattr(val, f.name)) for f in dataclasses.fields(val)}
    dump = getattr(val, "model_dump", None)
    if callable(dump) and type(val).__module__ != "builtins":
        return json_friendly_val(dump())
    converted, _ = json_friendly(val)
    if isinstance(converted, float) and math.isnan(converted):
        return None
    return converted


def _field_value(value: Any) -> Any:
    friendly = json_friendly_val(value)
    if friendly is None or isinstance(friendly, (str, int, float, bool, list, dict)):
        return friendly
    return str(friendly)


def make_json_if_not_number(v: Any) -> Any:
    """Numbers as they are, anything else as its JSON text."""
    if isinstance(v, (int, float)):
        return v
    return json_dumps_safer(v)


def make_safe_for_json(obj: Any) -> Any:
    """Non-finite floats spelled as JSON text ("NaN", "Infinity", "-Infinity"), in dicts and lists too."""
    if isinstance(obj, dict):
        return {key: make_safe_for_json(value) for key, value in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [make_safe_for_json(value) for value in obj]
    if isinstance(obj, float) and not math.isfinite(obj):
        return "NaN" if math.isnan(obj) else ("Infinity" if obj > 0 else "-Infinity")
    return obj


def _sanitize_numpy_keys(d: dict, visited: dict[int, dict] | None = None) -> tuple[dict, bool]:
    """`d` with numpy scalar keys turned into Python ones, nested dicts (and cycles) included;
    the second value says whether anything changed (then the dict is a copy)."""
    visited = {} if visited is None else visited
    if id(d) in visited:
        return visited[id(d)], False
    np = sys.modules.get("numpy")
    out: dict = {}
    visited[id(d)] = out
    changed = False
    for key, value in d.items():
        if np is not None and isinstance(key, np.generic):
            key, changed = key.item(), True
        if isinstance(value, dict):
            value, inner = _sanitize_numpy_keys(value, visited)
            changed = changed or inner
        out[key] = value
    if not changed:
        visited[id(d)] = d
        return d, False
    return out, True


# -- sizes -----------------------------------------------------------------------------------
#: Units for `to_human_size` / `from_human_size`: powers of 1000 (KB) or of 1024 (KiB).
POW_10_BYTES = [("B", 10**0), ("KB", 10**3), ("MB", 10**6), ("GB", 10**9), ("TB", 10**12), ("PB", 10**15),
                ("EB", 10**18)]
POW_2_BYTES = [("B", 2**0), ("KiB", 2**10), ("MiB", 2**20), ("GiB", 2**30), ("TiB", 2**40), ("PiB", 2**50),
               ("EiB", 2**60)]


def to_human_size(size: int, units: list[tuple[str, int]] | None = None) -> str:
    """`size` bytes in the largest unit it exceeds, one decimal: 5000000 -> "5.0MB"."""
    units = units or POW_10_BYTES
    unit, factor = units[0]
    for name, value in units:
        if size > value:
            unit, factor = name, value
    return f"{size / factor:.1f}{unit}"


def from_human_size(size: str, units: list[tuple[str, int]] | None = None) -> int:
    """Bytes in a size written like "4.8MiB" or "1000KB" (a unit from `units`)."""
    units = units or POW_10_BYTES
    match = re.fullmatch(r"\s*([0-9.]+)\s*([A-Za-z]+)\s*", size)
    factors = dict(units)
    if match is None or match.group(2) not in factors:
        raise ValueError(f"size {size!r} is not a number followed by one of {list(factors)}")
    return int(float(match.group(1)) * factors[match.group(2)])


# -- URIs and paths --------------------------------------------------------------------------
def is_uri(string: str) -> bool:
    """Whether `string` starts with a scheme (`s3://`, `file:///`, ...)."""
    return re.match(r"^[A-Za-z][A-Za-z0-9+.-]*://", string) is not None


def local_file_uri_to_path(file_uri: str) -> str:
    """The path of a `file://` URI; empty when it names a host instead of a local path."""
    parsed = urlparse(file_uri)
    return "" if parsed.netloc else parsed.path


def get_local_path_or_none(path_or_uri: str) -> str | None:
    """A plain path as it is, a `file://` URI's local path, None for other schemes or remote hosts."""
    parsed = urlparse(path_or_uri)
    if not parsed.scheme:
        return path_or_uri
    if parsed.scheme == "file":
        return None if parsed.netloc else parsed.path
    return None


def make_tarfile(output_filename: str, source_dir: str, archive_name: str, custom_filter: Any = None) -> None:
    """A gzip tar of `source_dir` stored under `archive_name`."""
    with tarfile.open(output_filename, "w:gz") as tar:
        tar.add(source_dir, arcname=archive_name, filter=custom_filter)


def find_runner(program: str) -> list[str] | None:
    """The command that runs a non-executable script: its `#!` line, or this Python for `.py`."""
    if os.path.isfile(program) and not os.access(program, os.X_OK):
        try:
            with open(program) as handle:
                first = handle.readline().strip()
        except OSError:
            return None
        if first.startswith("#!"):
            return shlex.split(first[2:])
        if program.endswith(".py"):
            return [sys.executable]
    return None


# -- types by name (never imports the framework) ---------------------------------------------
def get_full_typename(o: Any) -> str:
    """`module.Class` of a value (a module's own name for modules)."""
    from tracklab.sdk.data_types._json import _typename

    return _typename(o)


def is_tf_tensor(obj: Any) -> bool:
    """A TensorFlow tensor (not a Variable)."""
    name = get_full_typename(obj)
    return name.startswith("tensorflow.") and name.rsplit(".", 1)[-1] in ("EagerTensor", "Tensor", "SymbolicTensor")


def is_pytorch_tensor(obj: Any) -> bool:
    name = get_full_typename(obj)
    return name.startswith("torch.") and "Tensor" in name


def is_jax_tensor_typename(typename: str) -> bool:
    return typename.startswith("jaxlib.") and "Array" in typename


def is_tf_tensor_typename(typename: str) -> bool:
    return typename.startswith("tensorflow.") and ("Tensor" in typename or "Variable" in typename)


def is_tf_eager_tensor_typename(typename: str) -> bool:
    return typename.startswith("tensorflow.") and "EagerTensor" in typename


def is_pytorch_tensor_typename(typename: str) -> bool:
    return typename.startswith("torch.") and ("Tensor" in typename or "Variable" in typename)


def is_fastai_tensor_typename(typename: str) -> bool:
    return typename.startswith("fastai.") and "Tensor" in typename


def is_pandas_data_frame_typename(typename: str) -> bool:
    return typename.startswith("pandas.") and "DataFrame" in typename


def is_matplotlib_typename(typename: str) -> bool:
    return typename.startswith("matplotlib.")


def is_plotly_typename(typename: str) -> bool:
    return typename.startswith("plotly.")


def is_plotly_figure_typename(typename: str) -> bool:
    return typename.startswith("plotly.") and typename.endswith(".Figure")


def is_numpy_array(obj: Any) -> bool:
    """A numpy array (False without importing numpy when it is not loaded)."""
    np = sys.modules.get("numpy")
    return np is not None and isinstance(obj, np.ndarray)


def is_pandas_data_frame(obj: Any) -> bool:
    return is_pandas_data_frame_typename(get_full_typename(obj))


def get_optional_module(name: str) -> ModuleType | None:
    """The module, or None when it is not installed."""
    return get_module(name)


def ensure_matplotlib_figure(obj: Any) -> Any:
    """The Figure of a figure or of `pyplot` (ValueError for anything else)."""
    from tracklab.sdk.data_types import _matplotlib

    return _matplotlib.ensure_figure(obj)


# -- plots -----------------------------------------------------------------------------------
def matplotlib_contains_images(obj: Any) -> bool:
    """Whether a matplotlib figure (or `pyplot`) shows an image."""
    from tracklab.sdk.data_types import _matplotlib

    return _matplotlib.contains_images(obj)


def matplotlib_to_plotly(obj: Any) -> Any:
    """The plotly figure of a matplotlib figure (or `pyplot`)."""
    from tracklab.sdk.data_types import _matplotlib

    return _matplotlib.to_plotly(obj)


def convert_plots(obj: Any) -> Any:
    """A matplotlib figure as `{"plot": <plotly JSON>, "_type": "plotly"}`; anything else as it is."""
    if get_full_typename(obj).startswith("matplotlib."):
        figure = matplotlib_to_plotly(obj)
        return {"plot": figure.to_plotly_json(), "_type": "plotly"}
    return obj


def class_colors(class_count: int) -> list[Any]:
    """Black for the first class, then hues spread around the colour wheel."""
    return [[0, 0, 0]] + [colorsys.hsv_to_rgb(i / (class_count - 1.0), 1.0, 1.0) for i in range(class_count - 1)]


def downsample(values: Sequence, target_length: int) -> list:
    """`target_length` values spread evenly over `values`, first and last included."""
    if target_length < 2:
        raise UsageError(f"downsample: target_length must be at least 2, got {target_length}")
    n = len(values)
    if n <= target_length:
        return list(values)
    ratio = (n - 1) / (target_length - 1)
    return [values[int(round(i * ratio))] for i in range(target_length)]


def sample_with_exponential_decay_weights(xs: Iterable, ys: Iterable, keys: Iterable | None = None,
                                          sample_size: int = 15) -> tuple[Any, Any, Any]:
    """A sample of (x, y, key) points drawn favouring the start (exponentially decaying weights),
    returned in x order."""
    import numpy as np

    xs_array, ys_array = np.array(list(xs)), np.array(list(ys))
    keys_array = np.array(list(keys)) if keys is not None else None
    weights = np.exp(-np.arange(len(xs_array)) / len(xs_array))
    weights /= weights.sum()
    picked = np.sort(np.random.choice(len(xs_array), size=sample_size, replace=True, p=weights))
    return (xs_array[picked], ys_array[picked], keys_array[picked] if keys_array is not None else None)


# -- small helpers ----------------------------------------------------------------------------
def has_num(dictionary: Any, key: Any) -> bool:
    """Whether `dictionary[key]` is there and is a number."""
    import numbers

    return key in dictionary and isinstance(dictionary[key], numbers.Number)


def alias_is_version_index(alias: str) -> bool:
    """Whether an artifact alias is a version (`v0`, `v12`)."""
    return len(alias) >= 2 and alias[0] == "v" and alias[1:].isdigit()


def to_forward_slash_path(path: str) -> str:
    return path.replace("\\", "/") if os.sep == "\\" else path


def to_native_slash_path(path: str) -> str:
    return path.replace("/", os.sep)


def host_from_path(path: str | None) -> str:
    """The host part of a URL (empty for a plain path)."""
    return urlparse(path or "").netloc


def uri_from_path(path: str | None) -> str:
    """The path part of a URL, without its leading `/`."""
    found = urlparse(path or "").path
    return found[1:] if found.startswith("/") else found


def random_string(length: int = 12) -> str:
    """Random lower-case letters and digits."""
    return generate_id(length)


_WINDOWS_FORBIDDEN = set('<>:"\\/|?*')


def check_windows_valid_filename(path: int | str) -> bool:
    """Whether a file name holds none of the characters Windows forbids (`< > : " \\ / | ? *`)."""
    return not (_WINDOWS_FORBIDDEN & set(str(path)))


def make_file_path_upload_safe(path: str) -> str:
    """A logged key as a relative path: no leading `/`, `.` and `..` parts as `_` and `__`."""
    if os.name == "nt" and not check_windows_valid_filename(path):
        raise ValueError(f"Path {path!r} holds characters Windows does not allow in file names (rule: none of "
                         f"{''.join(sorted(_WINDOWS_FORBIDDEN))})")
    parts = [{".": "_", "..": "__"}.get(part, part) for part in path.lstrip("/").split("/")]
    return "/".join(parts)


def load_yaml(file: Any) -> Any:
    """YAML from an open file or a string (safe loader)."""
    import yaml

    return yaml.safe_load(file)


def isatty(ob: IO) -> bool:
    """Whether a stream is an interactive terminal (False when it cannot tell)."""
    try:
        return bool(ob.isatty())
    except (AttributeError, OSError, ValueError):
        return False


def time_string_to_seconds(time_str: str) -> int:
    """Seconds in a period like "10s", "5m", "8h", "3d", "6M" (30 days) or "1y" (365 days)."""
    units = {"s": 1, "m": 60, "h": 3600, "d": 86400, "M": 30 * 86400, "y": 365 * 86400}
    match = re.fullmatch(r"\s*(\d+)\s*([smhdMy])\s*", time_str)
    if match is None:
        raise ValueError(f"time period {time_str!r}: expected a number and one of {''.join(units)} (e.g. '8h')")
    return int(match.group(1)) * units[match.group(2)]


# -- environment ------------------------------------------------------------------------------
def app_url(api_url: str) -> str:
    """The web app's address for a server API address (`WANDB_APP_URL` wins): `api.wandb.ai` ->
    `wandb.ai`, `api.<host>` -> `app.<host>`, any other host as it is."""
    from tracklab import env

    explicit = os.environ.get(env.APP_URL)
    if explicit:
        return explicit.rstrip("/")
    return api_to_app_url(api_url)


def api_to_app_url(api_url: str) -> str:
    """The web app's address for a server API address, without looking at the environment."""
    if "://api.wandb.ai" in api_url:
        return api_url.replace("://api.wandb.ai", "://wandb.ai").rstrip("/")
    if "://api." in api_url:
        return api_url.replace("://api.", "://app.", 1).rstrip("/")
    return api_url.rstrip("/")


def parse_tfjob_config() -> Any:
    """The JSON of `TF_CONFIG` (a distributed TensorFlow job), or False."""
    text = os.environ.get("TF_CONFIG")
    if not text:
        return False
    try:
        return json.loads(text)
    except ValueError:
        return False


_DOCKER_VALUE_FLAGS = frozenset({
    "-v", "--volume", "-e", "--env", "--env-file", "-p", "--publish", "--name", "-w", "--workdir", "--network",
    "--entrypoint", "-u", "--user", "--mount", "--gpus", "--shm-size", "--runtime", "-l", "--label", "--device",
    "--ipc", "--cpus", "-m", "--memory", "--platform", "--hostname", "-h", "--add-host", "--cap-add", "--cap-drop",
})


def image_from_docker_args(args: list[str]) -> str | None:
    """The image a `docker run ...` argument list names (the first argument that is not a flag,
    a flag's value or `run`)."""
    skip_next = False
    for arg in args:
        if skip_next:
            skip_next = False
            continue
        if arg == "run":
            continue
        if arg.startswith("-"):
            skip_next = "=" not in arg and arg in _DOCKER_VALUE_FLAGS
            continue
        return arg
    return None


def make_docker_image_name_safe(name: str) -> str:
    """`name` as a docker repository name: lower case, `/` as `__`, one separator (`.`, `_`, `__`
    or dashes) between alphanumeric runs, no separator at either end; "image" when nothing is left."""
    parts = re.split(r"([a-z0-9]+)", name.lower().replace("/", "__"))
    out = []
    for i, part in enumerate(parts):
        if i % 2 == 1:
            out.append(part)
        elif out and i < len(parts) - 1 and part:
            out.append(_docker_separator(part))
    return "".join(out) or "image"


def _docker_separator(text: str) -> str:
    if text in (".", "_", "__") or set(text) == {"-"}:
        return text
    if text.count("_") >= 2:
        return "__"
    if "_" in text:
        return "_"
    if "." in text:
        return "."
    return "-"


def check_and_warn_old(files: list[str]) -> bool:
    """Whether a run folder was written by wandb before 0.10 (then say how to sync it)."""
    if "wandb-metadata.json" in files:
        _term.termwarn("These runs were logged with a previous version of wandb.")
        _term.termwarn("Run pip install wandb<0.10.0 to get the old library and sync your runs.")
        return True
    return False


def _is_databricks() -> bool:
    """Whether this process runs in a Databricks notebook."""
    dbutils = sys.modules.get("dbutils")
    shell = getattr(dbutils, "shell", None)
    return getattr(getattr(shell, "sc", None), "appName", None) == "Databricks Shell"


def _has_internet() -> bool:
    """Whether a well-known DNS server answers a TCP connection within a second."""
    try:
        socket.create_connection(("8.8.8.8", 53), timeout=1).close()
        return True
    except OSError:
        return False


def _resolve_aliases(aliases: str | Iterable[str] | None) -> list[str]:
    """Artifact aliases as a list holding "latest", each once."""
    if aliases is None:
        aliases = []
    elif isinstance(aliases, str):
        aliases = [aliases]
    elif not isinstance(aliases, Iterable):
        raise ValueError(f"aliases must be a string or an iterable of strings, got {aliases!r}")
    return list(dict.fromkeys([*aliases, "latest"]))


__all__ = [
    "generate_id", "json_dumps_safer", "json_dumps_safer_history", "json_friendly", "json_friendly_val",
    "get_module", "make_artifact_name_safe", "mkdir_exists_ok", "to_human_size", "from_human_size",
    "POW_10_BYTES", "POW_2_BYTES", "is_uri", "app_url", "downsample",
]
