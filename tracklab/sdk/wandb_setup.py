"""Process-wide state: the current run and the module-level `tracklab.run`, `config`,
`summary` and `log` that follow it (None / pre-init stand-ins before init and after finish)."""

from __future__ import annotations

import sys
from typing import Any

from tracklab.sdk.lib.preinit import PreInitObject, preinit_callable

_current: Any = None

# Module attributes that follow the current run, and their pre-init stand-ins.
_BOUND_METHODS = ("log", "save", "define_metric", "watch", "unwatch", "alert", "log_artifact",
                  "use_artifact", "mark_preempting", "log_model", "use_model", "link_model", "log_code")


def _targets() -> list[Any]:
    mods = [sys.modules.get("tracklab")]
    mods.append(sys.modules.get("wandb") if getattr(sys.modules.get("wandb"), "__tracklab__", False) else None)
    return [m for m in mods if m is not None]


def current_run() -> Any:
    return _current


def preinit_values() -> dict[str, Any]:
    values: dict[str, Any] = {"run": None, "config": PreInitObject("tracklab.config"),
                              "summary": PreInitObject("tracklab.summary")}
    for name in _BOUND_METHODS:
        values[name] = preinit_callable(f"tracklab.{name}")
    return values


def set_current(run: Any) -> None:
    """Point the module globals at `run`."""
    global _current
    _current = run
    values = {"run": run, "config": run.config, "summary": run.summary}
    for name in _BOUND_METHODS:
        method = getattr(run, name, None)
        if method is not None:
            values[name] = method
    for module in _targets():
        module.__dict__.update(values)


# What wandb resets to pre-init stand-ins at finish (`Error: You must call init() first`); the
# other bound methods keep pointing at the finished run and raise its UsageError.
_RESET_AT_FINISH = ("log", "save", "define_metric", "watch", "unwatch", "log_artifact", "use_artifact")


def _finished_callable(run: Any, name: str) -> Any:
    def finished(*args: Any, **kwargs: Any) -> Any:
        from tracklab.errors import UsageError

        raise UsageError(f"Run ({run.id}) is finished. The call to `{name}` will be ignored. "
                         "Please make sure that you are using an active run.")

    finished.__name__ = name
    return finished


def on_finish(run: Any) -> None:
    """Reset the globals when the current run finishes."""
    global _current
    if _current is not run:
        return
    _current = None
    values = preinit_values()
    for name in _BOUND_METHODS:
        if name not in _RESET_AT_FINISH:
            values[name] = _finished_callable(run, name)
    for module in _targets():
        module.__dict__.update(values)


class _Setup:
    """What `wandb.setup()` and `wandb_setup.singleton()` return: the process's settings."""

    def __init__(self) -> None:
        from tracklab.sdk.wandb_settings import Settings

        self.settings = Settings()

    def _get_entity(self) -> str | None:
        """The entity runs go to by default; none is known locally (offline or not)."""
        return self.settings.entity

    def _get_username(self) -> str | None:
        return self.settings.username


_singleton: _Setup | None = None


def singleton() -> _Setup:
    """The process-wide setup object (created on first use)."""
    global _singleton
    if _singleton is None:
        _singleton = _Setup()
    return _singleton
