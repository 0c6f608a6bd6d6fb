"""`wandb.integration.gym`: `monitor()`, logging the videos gym/gymnasium's recorders write.

`wandb.init(monitor_gym=True)` calls it. With gymnasium >= 1.0 the `RecordVideo` wrapper is
patched: each video it finishes writing is logged as `videos` (a `wandb.Video` of the mp4 file);
with older gym/gymnasium the `VideoRecorder` is patched the same way (key `video.<n>` when the
file name carries one, as wandb names it).
"""

from __future__ import annotations

import os
import re
from typing import Any

_REQUIRED = "Couldn't import the gymnasium python package, install with `pip install gymnasium`"

#: (class, attribute name, original function) for each patch in place, for `unpatch()`.
_patched: list[tuple[type, str, Any]] = []


def _gym_module() -> Any:
    import importlib.util

    for name in ("gymnasium", "gym"):
        if importlib.util.find_spec(name) is not None:
            return __import__(name)
    from tracklab.errors import Error

    raise Error(_REQUIRED)


def _log_video(path: str) -> None:
    import tracklab

    if tracklab.run is None or not path or not os.path.exists(path):
        return
    found = re.match(r".+(video\.\d+).+", path)
    tracklab.run.log({found.group(1) if found else "videos": tracklab.Video(path)})


def _version_at_least(module: Any, wanted: str) -> bool:
    from packaging.version import parse

    return parse(module.__version__) >= parse(wanted)


def monitor() -> None:
    """Patch the installed gymnasium (or gym) so recorded videos are logged to the current run."""
    if _patched:
        return
    gym = _gym_module()
    if gym.__name__ == "gymnasium" and _version_at_least(gym, "1.0.0a1"):
        _patch_record_video(gym.wrappers.RecordVideo)
    else:
        import importlib

        recorder_module = importlib.import_module(f"{gym.__name__}.wrappers.monitoring.video_recorder")
        if gym.__name__ == "gym" and not _version_at_least(gym, "0.26.0"):
            _patch_close(recorder_module.ImageEncoder, "output_path")
        else:
            _patch_close(recorder_module.VideoRecorder, "path")


def _patch_record_video(wrapper: type) -> None:
    original = wrapper.stop_recording

    def stop_recording(self: Any) -> None:
        name = getattr(self, "_video_name", None)
        had_frames = bool(getattr(self, "recorded_frames", None))
        original(self)
        if name and had_frames:
            _log_video(os.path.join(self.video_folder, f"{name}.mp4"))

    wrapper.stop_recording = stop_recording
    _patched.append((wrapper, "stop_recording", original))


def _patch_close(recorder: type, path_attribute: str) -> None:
    original = recorder.close

    def close(self: Any) -> None:
        original(self)
        if getattr(self, "enabled", True):
            _log_video(getattr(self, path_attribute, ""))

    recorder.close = close
    _patched.append((recorder, "close", original))


def unpatch() -> None:
    """Undo `monitor()` (tests use this)."""
    while _patched:
        owner, name, original = _patched.pop()
        setattr(owner, name, original)


__all__ = ["monitor"]
