"""The one progress bar of the command line: drawn on stderr when it is a terminal, silent when piped.

`TRACKLAB_PROGRESS=0` hides it on a terminal too (the artifact engine reads the same variable).
Results go to stdout as usual, so `tracklab sync | tee log` keeps a clean log.
"""

from __future__ import annotations

import contextlib
import os
import sys
from typing import Callable, Iterable, Iterator, TypeVar

import click

T = TypeVar("T")
_FORCE_ENV = "TRACKLAB_PROGRESS"


def shown() -> bool:
    """Whether a bar is drawn: stderr is a terminal and `TRACKLAB_PROGRESS` does not say 0."""
    if os.environ.get(_FORCE_ENV, "").strip().lower() in ("0", "false", "no", "off"):
        return False
    try:
        return sys.stderr.isatty()
    except (AttributeError, ValueError):
        return False


@contextlib.contextmanager
def progress(items: Iterable[T], label: str, length: int | None = None,
             describe: Callable[[T | None], str | None] | None = None) -> Iterator[Iterable[T]]:
    """Iterate `items` under a bar labelled `label` (`describe(item)` names the current one)."""
    if not shown():
        yield items
        return
    with click.progressbar(items, length=length, label=label, file=sys.stderr, show_pos=True,
                           item_show_func=describe) as bar:
        yield bar


def echo_result(message: str, err: bool = False) -> None:
    """Print a result line; on a terminal with a bar, start on a fresh line so the bar is not garbled."""
    if shown():
        click.echo("\r\033[K", nl=False, err=True)
    click.echo(message, err=err)


def human_size(size: float) -> str:
    """A byte count as people read it: 512 B, 1.5 MB."""
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{size:.1f} GB"
