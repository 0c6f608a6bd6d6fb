"""A run's local folder: the run log, the files folder, the lock held while a process owns the
run, and the writer's progress per tracking URI (`sync-state.json`)."""

from __future__ import annotations

import fcntl
import json
import os
import urllib.parse
from typing import Any

from tracklab.backend import location, runlog
from tracklab.errors import RunInUseError

STATE_NAME = "sync-state.json"
LOCK_NAME = "run.lock"
STAGED_ARTIFACTS = os.path.join("artifacts", "staged")  # artifact work left for the writer or sync


def project_folder_name(project: str) -> str:
    """A reversible, file-system-safe folder name for any project name."""
    return urllib.parse.quote(project, safe="") or "%00"


class RunFolder:
    """Paths and bookkeeping of one run folder."""

    def __init__(self, path: str, files_dir: str | None = None) -> None:
        self.path = os.path.abspath(path)
        self.files_dir = files_dir or os.path.join(self.path, "files")
        self._lock_fd: int | None = None

    @classmethod
    def for_run(cls, project: str, run_id: str, root: str | None = None) -> "RunFolder":
        return cls(os.path.join(location.runs_dir(root), project_folder_name(project), run_id))

    @property
    def log_path(self) -> str:
        return os.path.join(self.path, runlog.LOG_NAME)

    @property
    def staged_artifacts_dir(self) -> str:
        return os.path.join(self.path, STAGED_ARTIFACTS)

    def exists(self) -> bool:
        return os.path.exists(self.log_path)

    def create(self) -> None:
        os.makedirs(self.files_dir, exist_ok=True)

    # -- ownership -----------------------------------------------------------------------
    def acquire(self) -> None:
        """Take the run for this process; a second live process gets RunInUseError."""
        os.makedirs(self.path, exist_ok=True)
        fd = os.open(os.path.join(self.path, LOCK_NAME), os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            owner = os.pread(fd, 32, 0).decode(errors="replace").strip() or "another process"
            os.close(fd)
            raise RunInUseError(
                f"run {os.path.basename(self.path)!r} is in use by pid {owner}: a run can be resumed by one "
                "process at a time (finish it there, or resume under another id)"
            ) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode(), 0)
        fcntl.fcntl(fd, fcntl.F_SETFD, fcntl.FD_CLOEXEC)
        self._lock_fd = fd

    def release(self) -> None:
        if self._lock_fd is not None:
            try:
                os.ftruncate(self._lock_fd, 0)
            finally:
                os.close(self._lock_fd)
            self._lock_fd = None

    def is_owned_by_live_process(self) -> bool:
        """Whether some process holds the run (its training process is alive)."""
        path = os.path.join(self.path, LOCK_NAME)
        if not os.path.exists(path):
            return False
        fd = os.open(path, os.O_RDWR)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        finally:
            os.close(fd)
        return False

    # -- writer progress -----------------------------------------------------------------
    def _state_path(self) -> str:
        return os.path.join(self.path, STATE_NAME)

    def all_sync_states(self) -> dict[str, Any]:
        try:
            with open(self._state_path()) as handle:
                return json.load(handle)
        except (OSError, ValueError):
            return {}

    def sync_state(self, tracking_uri: str) -> dict[str, Any]:
        return dict(self.all_sync_states().get(tracking_uri, {}))

    def write_sync_state(self, tracking_uri: str, state: dict[str, Any]) -> None:
        """Record progress atomically (several writers may share the folder over time)."""
        states = self.all_sync_states()
        states[tracking_uri] = state
        tmp = self._state_path() + f".{os.getpid()}.tmp"
        with open(tmp, "w") as handle:
            json.dump(states, handle)
        os.replace(tmp, self._state_path())

    def mlflow_run_id(self, tracking_uri: str) -> str | None:
        return self.sync_state(tracking_uri).get("mlflow_run_id")

    def pending_bytes(self, tracking_uri: str) -> int:
        """How much of the run log the store has not taken yet."""
        try:
            size = os.path.getsize(self.log_path)
        except OSError:
            return 0
        return max(0, size - int(self.sync_state(tracking_uri).get("offset", 0)))

    def is_complete(self, tracking_uri: str) -> bool:
        """Whether the store holds the whole, ended run."""
        state = self.sync_state(tracking_uri)
        return bool(state.get("ended")) and self.pending_bytes(tracking_uri) == 0


def iter_run_folders(root: str | None = None):
    """Every run folder of the local TrackLab folder."""
    base = location.runs_dir(root)
    if not os.path.isdir(base):
        return
    for project in sorted(os.listdir(base)):
        project_dir = os.path.join(base, project)
        if not os.path.isdir(project_dir):
            continue
        for run_id in sorted(os.listdir(project_dir)):
            folder = RunFolder(os.path.join(project_dir, run_id))
            if folder.exists():
                yield folder
