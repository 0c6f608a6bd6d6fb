"""`wandb-metadata.json`: python, host, program, args, git state and start time of a run."""

from __future__ import annotations

import datetime
import getpass
import os
import platform
import socket
import subprocess
import sys
from typing import Any


def _git(args: list[str], cwd: str) -> str | None:
    try:
        out = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, timeout=5)
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() if out.returncode == 0 else None


def git_state(cwd: str | None = None) -> dict[str, Any]:
    """Commit, remote and whether the work tree is dirty, when `cwd` is inside a repository."""
    cwd = cwd or os.getcwd()
    commit = _git(["rev-parse", "HEAD"], cwd)
    if not commit:
        return {}
    state: dict[str, Any] = {"commit": commit}
    remote = _git(["config", "--get", "remote.origin.url"], cwd)
    if remote:
        state["remote"] = remote
    status = _git(["status", "--porcelain", "--untracked-files=no"], cwd)
    state["dirty"] = bool(status)
    return state


def user_name() -> str | None:
    """The login name, or None where there is none (containers)."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return None


def program_path() -> str | None:
    """The script being run, as wandb records it."""
    main = sys.modules.get("__main__")
    path = getattr(main, "__file__", None)
    return os.path.abspath(path) if path else (sys.argv[0] or None)


def collect(start_time: float, disable_git: bool = False) -> dict[str, Any]:
    """The metadata wandb writes at the start of a run."""
    meta: dict[str, Any] = {
        "os": platform.platform(),
        "python": f"{platform.python_implementation()} {platform.python_version()}",
        "startedAt": datetime.datetime.fromtimestamp(start_time, datetime.timezone.utc).isoformat(),
        "args": sys.argv[1:],
        "program": program_path(),
        "host": socket.gethostname(),
        "username": user_name(),
        "executable": sys.executable,
        "cpu_count": os.cpu_count(),
    }
    if not disable_git:
        git = git_state()
        if git:
            meta["git"] = git
    return meta
