"""`run_async_with_spinner` (`wandb.sdk.lib.printer_asyncio`): run a slow step with a line that
says what is going on, as wandb does while it encodes a video."""

from __future__ import annotations

import itertools
import threading
from typing import Any, Callable, TypeVar

from tracklab.errors import term

_T = TypeVar("_T")
_FRAMES = "|/-\\"


def run_async_with_spinner(spinner_printer: Any, text: str, func: Callable[[], _T]) -> _T:
    """Return `func()`; meanwhile a spinner turns beside `text` on a terminal, or `text` is
    printed once elsewhere. `spinner_printer` is wandb's printer argument (unused here)."""
    with term.dynamic_text() as area:
        if area is None:
            term.termlog(text)
            return func()
        done = threading.Event()

        def spin() -> None:
            for frame in itertools.cycle(_FRAMES):
                if done.wait(0.1):
                    return
                area.set_text(f"{frame} {text}")

        spinner = threading.Thread(target=spin, name="tracklab-spinner", daemon=True)
        spinner.start()
        try:
            return func()
        finally:
            done.set()
            spinner.join()
