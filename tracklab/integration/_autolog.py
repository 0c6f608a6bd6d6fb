"""Autologging by patching a library's call methods: what `wandb.integration.huggingface.autolog`
and `wandb.integration.diffusers.autolog` share (wandb's `AutologAPI`)."""

from __future__ import annotations

import functools
import logging
import time
from typing import Any, Callable, Sequence

from tracklab.integration._requires import require

logger = logging.getLogger(__name__)

#: resolver(args, kwargs, response, start_time, time_elapsed) -> what to log, or None.
Resolver = Callable[[Sequence[Any], dict, Any, float, float], "dict[str, Any] | None"]


class AutologAPI:
    """`autolog()` / `autolog(init={...})` turns it on (using the current run, or starting one),
    `autolog.disable()` turns it off (finishing the run it started)."""

    def __init__(self, name: str, symbols: Sequence[str], resolver: Resolver, package: str | None = None) -> None:
        self._name = name
        self._package = package or name
        self._symbols = tuple(symbols)
        self._resolver = resolver
        self._originals: dict[str, tuple[Any, str, Any]] = {}
        self._run: Any = None
        self._run_is_ours = False

    def __call__(self, init: dict[str, Any] | None = None) -> None:
        self.enable(init=init)

    def enable(self, init: dict[str, Any] | None = None) -> None:
        """Patch the library; log through `wandb.init(**init)` if given, else the current run or a new one."""
        import tracklab

        if self._run is not None:
            self.disable()
        module = require(self._name, self._package, self._name if self._name != "transformers" else "huggingface")
        before = tracklab.run
        self._run = tracklab.init(**init) if init else (before or tracklab.init())
        self._run_is_ours = self._run is not before
        for symbol in self._symbols:
            owner_path, _, attribute = symbol.rpartition(".")
            try:
                owner = functools.reduce(getattr, owner_path.split("."), module) if owner_path else module
            except AttributeError:
                continue  # a class this version of the library lacks
            if isinstance(owner, type) and attribute not in vars(owner):
                continue  # inherited: patching it here would log the parent's calls twice
            original = getattr(owner, attribute)
            self._originals[symbol] = (owner, attribute, original)
            setattr(owner, attribute, self._wrap(original))

    def disable(self) -> None:
        """Undo the patches; finish the run if autolog started it."""
        for owner, attribute, original in self._originals.values():
            setattr(owner, attribute, original)
        self._originals.clear()
        if self._run is not None and self._run_is_ours:
            self._run.finish()
        self._run, self._run_is_ours = None, False

    def _wrap(self, original: Callable[..., Any]) -> Callable[..., Any]:
        api = self

        @functools.wraps(original)
        def logged(*args: Any, **kwargs: Any) -> Any:
            start = time.time()
            response = original(*args, **kwargs)
            try:
                found = api._resolver(args, dict(kwargs), response, start, time.time() - start)
                if found is not None and api._run is not None:
                    api._run.log(found)
            except Exception as exc:  # noqa: BLE001 - logging never breaks the user's call (as in wandb)
                logger.warning("%s autolog: %s", api._name, exc)
            return response

        return logged

