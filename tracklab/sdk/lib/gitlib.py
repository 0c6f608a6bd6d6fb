"""The git checkout a program runs in (`wandb.sdk.lib.gitlib.GitRepo`), read with the `git` command."""

from __future__ import annotations

import os
import subprocess
from typing import Optional


class GitRepo:
    """The repository holding `root` (the working folder by default); every answer is None outside one."""

    def __init__(self, root: Optional[str] = None, remote: str = "origin", lazy: bool = True,
                 remote_url: Optional[str] = None, commit: Optional[str] = None) -> None:
        self._start = root or os.getcwd()
        self.remote_name = remote
        self._remote_url = remote_url
        self._commit = commit
        self._root: Optional[str] = None
        if not lazy:
            self._root = self._git("rev-parse", "--show-toplevel")

    def _git(self, *args: str) -> Optional[str]:
        try:
            done = subprocess.run(["git", *args], cwd=self._start, capture_output=True, text=True, timeout=10,
                                  check=False)
        except (OSError, subprocess.SubprocessError):
            return None
        return done.stdout.strip() or None if done.returncode == 0 else None

    @property
    def enabled(self) -> bool:
        return self.root is not None

    @property
    def root(self) -> Optional[str]:
        if self._root is None:
            self._root = self._git("rev-parse", "--show-toplevel")
        return self._root

    @property
    def dirty(self) -> bool:
        return bool(self._git("status", "--porcelain", "--untracked-files=no"))

    @property
    def branch(self) -> Optional[str]:
        return self._git("rev-parse", "--abbrev-ref", "HEAD")

    @property
    def last_commit(self) -> Optional[str]:
        return self._commit or self._git("rev-parse", "HEAD")

    @property
    def remote_url(self) -> Optional[str]:
        return self._remote_url or self._git("remote", "get-url", self.remote_name)

    @property
    def email(self) -> Optional[str]:
        return self._git("config", "user.email")

    @property
    def root_dir(self) -> Optional[str]:
        return self.root
