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


def git_root(cwd: str | None = None) -> str | None:
    """The top folder of the repository holding `cwd`, if any."""
    return _git(["rev-parse", "--show-toplevel"], cwd or os.getcwd()) or None


def git_state(cwd: str | None = None, remote_name: str = "origin") -> dict[str, Any]:
    """Commit, remote URL and whether the work tree is dirty, when `cwd` is inside a repository."""
    cwd = cwd or os.getcwd()
    commit = _git(["rev-parse", "HEAD"], cwd)
    if not commit:
        return {}
    state: dict[str, Any] = {"commit": commit}
    remote = _git(["config", "--get", f"remote.{remote_name}.url"], cwd)
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
    spec = getattr(main, "__spec__", None)
    if spec is not None and spec.name not in ("__main__", None):  # `python -m package.module`
        return f"-m {spec.name.removesuffix('.__main__')}"
    path = getattr(main, "__file__", None)
    return os.path.abspath(path) if path else (sys.argv[0] or None)


def _physical_cpu_count() -> int | None:
    """Cores, not hardware threads (from Linux's /proc/cpuinfo; None where it cannot tell)."""
    cores, physical = set(), None
    try:
        with open("/proc/cpuinfo") as handle:
            for line in handle:
                if line.startswith("physical id"):
                    physical = line.split(":", 1)[1].strip()
                elif line.startswith("core id"):
                    cores.add((physical, line.split(":", 1)[1].strip()))
    except OSError:
        return None
    return len(cores) or None


def collect(start_time: float, disable_git: bool = False, settings: Any = None) -> dict[str, Any]:
    """The metadata wandb writes at the start of a run, as `settings` shape it.

    Settings read (when given): program, x_executable, x_disable_machine_info (no host,
    hardware or git), git_remote / git_commit / git_remote_url / git_root, and the
    x_stats_cpu_count / x_stats_cpu_logical_count / x_stats_gpu_count / x_stats_gpu_type overrides.
    """
    get = (lambda name: getattr(settings, name, None)) if settings is not None else (lambda name: None)
    meta: dict[str, Any] = {
        "os": platform.platform(),
        "python": f"{platform.python_implementation()} {platform.python_version()}",
        "startedAt": datetime.datetime.fromtimestamp(start_time, datetime.timezone.utc).isoformat(),
        "args": sys.argv[1:],
        "program": get("program") or program_path(),
        "executable": get("x_executable") or sys.executable,
    }
    if get("program_relpath"):
        meta["codePath"] = get("program_relpath")
    if get("x_disable_machine_info"):
        return meta
    meta.update(host=socket.gethostname(), username=user_name())
    hardware = {
        "cpu_count": get("x_stats_cpu_count") or _physical_cpu_count() or os.cpu_count(),
        "cpu_count_logical": get("x_stats_cpu_logical_count") or os.cpu_count(),
        "gpu_count": get("x_stats_gpu_count"),
        "gpu": get("x_stats_gpu_type"),
    }
    meta.update({k: v for k, v in hardware.items() if v is not None})
    if not (disable_git or get("disable_git")):
        git = git_state(get("git_root") or None, get("git_remote") or "origin")
        if get("git_commit"):
            git["commit"] = get("git_commit")
        if get("git_remote_url"):
            git["remote"] = get("git_remote_url")
        if git:
            meta["git"] = git
        if get("git_root"):
            meta["root"] = get("git_root")
    return meta


def requirements() -> list[str]:
    """`name==version` of every installed distribution, as wandb's requirements.txt lists them."""
    from importlib import metadata

    found = {}
    for dist in metadata.distributions():
        name, version = _name_and_version(dist)
        if name:
            found[name.lower()] = f"{name}=={version}"
    return [found[k] for k in sorted(found)]


def _name_and_version(dist: Any) -> tuple[str | None, str | None]:
    """A distribution's Name and Version from its metadata's header lines only.

    `dist.metadata` runs the email parser over the whole file, long descriptions included:
    ~0.4 s of CPU for a few hundred packages, taken from the training loop that runs meanwhile."""
    text = dist.read_text("METADATA") or dist.read_text("PKG-INFO") or dist.read_text("") or ""
    fields: dict[str, str] = {}
    for line in text.split("\n\n", 1)[0].splitlines():
        key, colon, value = line.partition(":")
        if colon and key in ("Name", "Version") and key not in fields:
            fields[key] = value.strip()
    return fields.get("Name"), fields.get("Version")
