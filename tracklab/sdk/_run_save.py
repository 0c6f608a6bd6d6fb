"""`run.save()`: which files a path or glob names, and how they get into the run's files folder.

wandb's rules: a relative glob keeps its folders below the working directory (or `base_path`);
an absolute glob without `base_path` keeps one folder level (and says so); the glob may not
climb above `base_path` nor start with `*` right below it; `glob=False` takes the path
literally. Each file is linked into the files folder (symlink, else hard link, else a copy,
which turns a "live" policy into "now") and the terminal says how many went which way.
"""

from __future__ import annotations

import contextlib
import glob as glob_module
import os
import pathlib
import shutil
from dataclasses import dataclass
from typing import Any, Callable

from tracklab.errors import term

POLICIES = ("live", "end", "now")


@dataclass
class _LinkCounts:
    symlinked: int = 0
    hardlinked: int = 0
    copied: int = 0
    downgraded: int = 0

    def report(self) -> None:
        def files(n: int) -> str:
            return f"{n} file{'s' if n > 1 else ''}"

        if self.symlinked:
            term.termwarn(f"Symlinked {files(self.symlinked)} into the W&B run directory; "
                          "call wandb.save again to sync new files.")
        if self.hardlinked:
            term.termwarn(f"Linked {files(self.hardlinked)} into the W&B run directory (hardlinks); "
                          "call wandb.save again to sync new files.")
        if self.copied and self.downgraded:
            term.termwarn(f"Copied {files(self.copied)} (cross-volume or links unavailable). Downgrading policy "
                          "to 'now' for those files because live updates won't propagate from the originals. "
                          "Re-run wandb.save to resync, or place your run directory on the same drive to "
                          "enable hardlinks.")
        elif self.copied:
            term.termwarn(f"Copied {files(self.copied)} into the W&B run directory; "
                          "call wandb.save again to sync new files.")


def save(files_dir: str, glob_str: Any, base_path: Any, policy: str, expand_glob: bool, use_symlinks: bool,
         record: Callable[[str, str], None]) -> list[str]:
    """Link the files `glob_str` names into `files_dir`; `record(relative path, policy)` each one.

    Returns the absolute paths in the files folder, sorted."""
    if isinstance(glob_str, bytes):
        glob_str = glob_str.decode("utf-8")
    text = os.fspath(glob_str)
    if text.startswith(("gs://", "s3://")):
        term.termlog(f"{text} is a cloud storage url, can't save file to W&B.")
        return []
    pattern = pathlib.PurePath(text)
    absolute = pathlib.PurePath(os.path.abspath(pattern))
    if base_path is not None:
        base = pathlib.PurePath(os.path.abspath(os.fspath(base_path)))
    elif not pattern.is_absolute():
        base = pathlib.PurePath(os.path.abspath("."))
    else:
        term.termwarn("Saving files without folders. If you want to preserve subdirectories pass base_path to "
                      'wandb.save, i.e. wandb.save("/mnt/folder/file.h5", base_path="/mnt")', repeat=False)
        base = absolute.parent.parent
    if policy not in POLICIES:
        raise ValueError(f'save: policy={policy!r}: only "live", "end" and "now" policies are currently supported.')
    _check_pattern(absolute, base)
    relative = absolute.relative_to(base)
    root = pathlib.Path(files_dir)
    if expand_glob:
        sources, already = _expand(base, relative, root)
    else:
        sources, already = _literal(base, relative, root)
    counts = _LinkCounts()
    made: set[pathlib.Path] = set()
    saved: list[tuple[str, str]] = []
    for source in sources:
        target = root / pathlib.Path(*source.parts[len(base.parts):])
        made.add(target)
        with contextlib.suppress(OSError):
            if target.exists() and source.samefile(target):  # saving a file of the run folder itself
                saved.append((str(target.relative_to(root)), policy))
                continue
        target.parent.mkdir(parents=True, exist_ok=True)
        _remove(target)
        saved.append((str(target.relative_to(root)), _link(source, target, policy, use_symlinks, counts)))
    for target in sorted(already - made):
        saved.append((str(target.relative_to(root)), policy))
    counts.report()
    for rel, effective in saved:
        record(rel, effective)
    return [str(p) for p in sorted({root / rel for rel, _ in saved})]


def _check_pattern(pattern: pathlib.PurePath, base: pathlib.PurePath) -> None:
    if not str(pattern).startswith(str(base)):
        raise ValueError(f"Glob may not walk above the base path (glob {str(pattern)!r}, base path {str(base)!r})")
    if pattern == base:
        raise ValueError(f"Glob cannot be the same as the base path ({str(base)!r})")
    parts = pattern.relative_to(base).parts
    if parts and parts[0] == "*":
        raise ValueError(f"Glob may not start with '*' relative to the base path (glob {str(pattern)!r}, "
                         f"base path {str(base)!r}); name the first folder")


def _expand(base: pathlib.PurePath, relative: pathlib.PurePath,
            root: pathlib.Path) -> tuple[list[pathlib.Path], set[pathlib.Path]]:
    already = set(root.glob(str(relative))) if root.is_dir() else set()
    sources = [pathlib.Path(p).absolute() for p in sorted(glob_module.glob(str(base / relative)))]
    if not sources and os.path.lexists(base / relative):
        term.termwarn(f"No files found at glob pattern {str(relative)!r}, but a file exists at that literal path. "
                      "If you meant to match it literally rather than as a glob pattern, call save() with "
                      "glob=False.", repeat=False)
    return sources, already


def _literal(base: pathlib.PurePath, relative: pathlib.PurePath,
             root: pathlib.Path) -> tuple[list[pathlib.Path], set[pathlib.Path]]:
    target = root / relative
    already = {target} if os.path.lexists(target) else set()
    source = base / relative
    if os.path.lexists(source):
        return [pathlib.Path(source).absolute()], already
    if glob_module.escape(str(relative)) != str(relative):
        term.termwarn(f"No file found at literal path {str(source)!r}, and it looks like it contains glob "
                      "metacharacters ('*', '?', or '[]'). If you meant to use a glob pattern, call save() "
                      "with glob=True (the default).", repeat=False)
    return [], already


def _remove(path: pathlib.Path) -> None:
    with contextlib.suppress(FileNotFoundError):
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        else:
            path.unlink()


def _link(source: pathlib.Path, target: pathlib.Path, policy: str, use_symlinks: bool, counts: _LinkCounts) -> str:
    """Symlink, else hard link, else copy; a copy of a "live" file is saved "now" (it will not follow)."""
    if use_symlinks:
        try:
            target.symlink_to(source)
            counts.symlinked += 1
            return policy
        except OSError:
            pass
    try:
        target.hardlink_to(source)
        counts.hardlinked += 1
        return policy
    except OSError:
        pass
    shutil.copy2(source, target)
    counts.copied += 1
    if policy == "live":
        counts.downgraded += 1
        return "now"
    return policy
