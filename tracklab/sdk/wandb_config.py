"""`Config`: wandb's run config (attribute and item access, change protection, sweep locks)."""

from __future__ import annotations

import logging
from typing import Any, Callable, Iterable, Mapping

from tracklab.errors import term
from tracklab.sdk.lib.config_util import ConfigError, dict_from_config_file

logger = logging.getLogger("tracklab")

_MISSING = object()


def _json_friendly(value: Any) -> Any:
    """Numbers, strings, lists and dicts as plain Python (numpy/torch scalars, tuples, Namespaces)."""
    kind = type(value)
    if kind in (int, float, str, bool) or value is None:
        return value
    if isinstance(value, Mapping):
        return {str(k): _json_friendly(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [_json_friendly(v) for v in value]
    if hasattr(value, "tolist") and hasattr(value, "dtype"):  # numpy and torch values
        return _json_friendly(value.tolist())
    if hasattr(value, "item") and callable(value.item):
        try:
            return value.item()
        except (TypeError, ValueError):
            pass
    from tracklab.sdk._media_bridge import is_media

    if is_media(value):
        raise TypeError("WBValue objects cannot be added to the run config")
    if hasattr(value, "__dict__") and type(value).__name__ == "Namespace":
        return _json_friendly(vars(value))
    return value


def _as_mapping(values: Any) -> Mapping[str, Any]:
    """A dict from a dict, an argparse Namespace, absl FLAGS or any object with `__dict__`."""
    if values is None:
        return {}
    if isinstance(values, Mapping):
        return values
    if hasattr(values, "flag_values_dict"):  # absl.flags.FLAGS
        return values.flag_values_dict()
    if isinstance(values, (list, tuple, str, bytes)):
        raise TypeError(f"config.update expects a dict, a Namespace or an object, got {type(values).__name__}")
    if hasattr(values, "__dict__"):
        return {k: v for k, v in vars(values).items() if not k.startswith("_")}
    raise TypeError(f"config.update expects a dict, a Namespace or an object, got {type(values).__name__}")


class Config:
    """The run config. Changing a value needs `allow_val_change=True`, as in wandb."""

    def __init__(self) -> None:
        object.__setattr__(self, "_items", {})
        object.__setattr__(self, "_locked", {})
        object.__setattr__(self, "_callback", None)
        # As in wandb, a config starts from config-defaults.yaml in the working folder, if any.
        defaults = dict_from_config_file("config-defaults.yaml")
        if defaults:
            self._items.update({k: _json_friendly(v) for k, v in defaults.items()})

    # -- internal wiring ------------------------------------------------------------------
    def _set_callback(self, callback: Callable[..., None] | None) -> None:
        """`callback(key=, val=)` after one item is set, `callback(data=)` with the items an
        update set (wandb's shape)."""
        object.__setattr__(self, "_callback", callback)

    def _changed(self, key: Any = _MISSING, val: Any = None, data: Mapping[str, Any] | None = None) -> None:
        if self._callback is None:
            return
        if key is not _MISSING:
            self._callback(key=key, val=val)
        else:
            self._callback(data=dict(self._items) if data is None else dict(data))

    def _sanitize(self, key: str, value: Any, allow_val_change: bool | None) -> tuple[str, Any]:
        if not isinstance(key, str):
            raise TypeError(f"config keys must be strings, got {key!r}")
        key = key.strip("-")
        value = _json_friendly(value)
        if not allow_val_change and key in self._items and self._items[key] != value:
            raise ConfigError(
                f'Attempted to change value of key "{key}" from {self._items[key]} to {value}\n'
                "If you really want to do this, pass allow_val_change=True to config.update()"
            )
        return key, value

    def _is_locked(self, key: str, warn: bool = True) -> bool:
        user = self._locked.get(key)
        if user is None:
            return False
        if warn:
            term.termwarn(f"Config item '{key}' was locked by '{user}' (ignored update).", repeat=False)
        return True

    # -- mapping API -------------------------------------------------------------------
    def __setitem__(self, key: str, value: Any) -> None:
        if self._is_locked(key):
            return
        key, value = self._sanitize(key, value, None)
        self._items[key] = value
        self._changed(key, value)

    __setattr__ = __setitem__

    def __getitem__(self, key: str) -> Any:
        return self._items[key]

    def __getattr__(self, key: str) -> Any:
        if key.startswith("__"):
            raise AttributeError(key)
        try:
            return self._items[key]
        except KeyError:
            raise AttributeError(f"'Config' object has no attribute '{key}'") from None

    def __delitem__(self, key: str) -> None:
        del self._items[key]
        self._changed(data=self._items)

    def __contains__(self, key: object) -> bool:
        return key in self._items

    def __iter__(self):
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def __repr__(self) -> str:
        return repr(self._items)

    def keys(self) -> list[str]:
        return [k for k in self._items if not k.startswith("_")]

    def items(self) -> list[tuple[str, Any]]:
        return [(k, v) for k, v in self._items.items() if not k.startswith("_")]

    def values(self) -> list[Any]:
        return [v for k, v in self._items.items() if not k.startswith("_")]

    def get(self, key: str, default: Any = None) -> Any:
        return self._items.get(key, default)

    def as_dict(self) -> dict[str, Any]:
        """A plain dict copy."""
        return dict(self._items)

    def update(self, values: Any = None, allow_val_change: bool | None = None) -> None:
        """Merge `values` (dict, Namespace, absl FLAGS, object); changing a value needs allow_val_change."""
        items = _as_mapping(values)
        sanitized = {}
        for key, value in items.items():
            if self._is_locked(key):
                continue
            key, value = self._sanitize(key, value, allow_val_change)
            sanitized[key] = value
        if sanitized:
            self._items.update(sanitized)
            self._changed(data=sanitized)

    def setdefaults(self, defaults: Mapping[str, Any]) -> None:
        """Set only the keys not present yet."""
        missing = {k: v for k, v in _as_mapping(defaults).items() if k not in self._items}
        if missing:
            self.update(missing)

    def persist(self) -> None:
        """Write the config out now (it is written on every change anyway)."""
        self._changed()

    def update_locked(self, values: Mapping[str, Any], user: str = "sweep", _allow_val_change: bool = True) -> None:
        """Set values and lock them against later updates (sweeps use this)."""
        changed = {}
        for key, value in values.items():
            key, value = self._sanitize(key, value, True)
            self._items[key] = changed[key] = value
            self._locked[key] = user
        self._changed(data=changed)

    def merge_locked(self, values: Mapping[str, Any], user: str = "sweep", _allow_val_change: bool = True) -> None:
        """Like `update_locked`, but nested dicts are merged into the values already there."""
        changed = {}
        for key, value in values.items():
            key, value = self._sanitize(key, value, True)
            current = self._items.get(key)
            if isinstance(current, dict) and isinstance(value, dict):
                value = _merged(current, value)
            self._items[key] = changed[key] = value
            self._locked[key] = user
        self._changed(data=changed)

    def _load(self, items: Mapping[str, Any]) -> None:
        """Replace the contents without callbacks or checks (resume)."""
        self._items.clear()
        self._items.update(items)

    def _filtered(self, include: Iterable[str] | None, exclude: Iterable[str] | None) -> None:
        """Apply init's config_include_keys / config_exclude_keys."""
        if include:
            keep = set(include)
            for key in list(self._items):
                if key not in keep:
                    del self._items[key]
        for key in exclude or ():
            self._items.pop(key, None)


def _merged(base: Mapping[str, Any], extra: Mapping[str, Any]) -> dict[str, Any]:
    """`base` with `extra` merged in, nested dicts key by key."""
    out = dict(base)
    for key, value in extra.items():
        out[key] = _merged(out[key], value) if isinstance(out.get(key), dict) and isinstance(value, dict) else value
    return out
