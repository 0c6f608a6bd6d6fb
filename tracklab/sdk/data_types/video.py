"""`Video`: a clip logged as `media/videos/<key>_<step>_<hash>.<gif|mp4|webm|ogg>`."""

from __future__ import annotations

import io
import logging
import os
import pathlib
from collections.abc import Sequence
from typing import Any

from tracklab.sdk.lib import printer_asyncio

from ._media_sink import as_sink
from .base_types.media import BatchableMedia, _tmp_path

_EXTS = ("gif", "mp4", "webm", "ogg")


def _require_format(format: str | None, source: str) -> str:
    if format is None:
        raise ValueError(f"wandb.Video requires a `format` argument when initializing with {source}.")
    if format not in _EXTS:
        raise ValueError("wandb.Video accepts {} formats".format(", ".join(_EXTS)))
    return format


def _tile_batch(video: Any) -> Any:
    """(T, C, H, W) or (B, T, C, H, W) -> (T, H', W', C), batches tiled in a grid.

    Same layout as wandb: the batch is padded with black clips to a power of two
    and laid out in 2**((b.bit_length()-1)//2) rows.
    """
    import numpy as np

    if video.ndim < 4:
        raise ValueError("Video must be at least 4 dimensions: time, channels, height, width")
    if video.ndim == 4:
        video = video.reshape(1, *video.shape)
    b, t, c, h, w = video.shape
    if video.dtype != np.uint8:
        logging.warning("Converting video data to uint8")
        video = video.astype(np.uint8)
    if b & (b - 1):
        extra = int(2 ** b.bit_length() - b)
        video = np.concatenate((video, np.zeros(shape=(extra, t, c, h, w))), axis=0)
    n_rows = 2 ** ((b.bit_length() - 1) // 2)
    n_cols = video.shape[0] // n_rows
    video = video.reshape(n_rows, n_cols, t, c, h, w)
    video = np.transpose(video, axes=(2, 0, 4, 1, 5, 3))
    return video.reshape(t, n_rows * h, n_cols * w, c)


def _show_progress() -> bool:
    """Whether encoding says so on the terminal: not when quiet or silent (settings or environment)."""
    from tracklab.env import is_quiet, is_silent
    from tracklab.sdk import wandb_setup

    state = wandb_setup._singleton
    if state is not None and (state.settings.quiet or state.settings.silent):
        return False
    return not is_quiet() and not is_silent()


def _encode_gif_with_pil(frames: Any, path: str, fps: int) -> None:
    from PIL import Image as PILImage

    images = []
    for frame in frames:
        frame = frame.astype("uint8")
        if frame.shape[-1] == 1:
            frame = frame[..., 0]
        images.append(PILImage.fromarray(frame))
    images[0].save(
        path, save_all=True, append_images=images[1:], duration=int(1000 / fps), loop=0
    )


def _encode(frames: Any, path: str, fmt: str, fps: int) -> None:
    """Encode frames (T, H, W, C) to `path`; moviepy/imageio as wandb, else PIL for gif."""
    try:
        from moviepy.video.io.ImageSequenceClip import ImageSequenceClip
    except ImportError:
        try:
            from moviepy.editor import ImageSequenceClip  # moviepy < 2
        except ImportError:
            ImageSequenceClip = None

    if fmt == "gif":
        try:
            import imageio
        except ImportError:
            imageio = None
        if imageio is not None and ImageSequenceClip is not None:
            clip = ImageSequenceClip(list(frames), fps=fps)
            writer = imageio.save(path, quantizer=0, palettesize=256, loop=0, duration=1000 / clip.fps)
            for frame in clip.iter_frames(fps=None, dtype="uint8"):
                # imageio's Pillow writer takes grey frames as (H, W), not (H, W, 1)
                writer.append_data(frame[..., 0] if frame.ndim == 3 and frame.shape[-1] == 1 else frame)
            writer.close()
        else:
            _encode_gif_with_pil(frames, path, fps)
        return

    if ImageSequenceClip is None:
        raise ImportError(
            f"wandb.Video needs the moviepy package to encode {fmt} from raw data "
            '(install with "pip install moviepy imageio"); format="gif" works without it'
        )
    clip = ImageSequenceClip(list(frames), fps=fps)
    clip.write_videofile(path, logger=None)


class Video(BatchableMedia):
    """A video from a numpy array (T, C, H, W) or (B, T, C, H, W), a path or bytes.

    Raw arrays need `format` (gif, mp4, webm, ogg) and are encoded at `fps`
    (default 4); gif needs only Pillow, the others moviepy.
    """

    _log_type = "video-file"
    EXTS = _EXTS

    def __init__(
        self,
        data_or_path: Any,
        caption: str | None = None,
        fps: int | None = None,
        format: str | None = None,
    ) -> None:
        super().__init__(caption=caption)
        self._width: int | None = None
        self._height: int | None = None
        self._channels: int | None = None
        if isinstance(data_or_path, (io.BytesIO, str)) and fps:
            from tracklab.errors import term

            term.termwarn("`fps` argument does not affect the frame rate of the video when providing a file path "
                          "or raw bytes.")

        if isinstance(data_or_path, io.BytesIO):
            self._format = _require_format(format, "raw bytes (an io object)")
            path = _tmp_path("." + self._format)
            with open(path, "wb") as f:
                f.write(data_or_path.read())
            self._set_file(path, is_tmp=True)
        elif isinstance(data_or_path, (str, pathlib.Path)):
            path = str(data_or_path)
            ext = os.path.splitext(path)[1][1:].lower()
            if ext not in _EXTS:
                raise ValueError("wandb.Video accepts {} formats".format(", ".join(_EXTS)))
            self._format = ext
            self._set_file(path, is_tmp=False)
        else:
            self._format = _require_format(format, "a numpy array")
            if hasattr(data_or_path, "numpy"):
                self.data = data_or_path.numpy()
            elif type(data_or_path).__module__ == "numpy":
                self.data = data_or_path
            else:
                raise ValueError("wandb.Video accepts a file path or numpy like data as input")
            fps = fps or 4
            if _show_progress():
                printer_asyncio.run_async_with_spinner(None, "Encoding video...", lambda: self.encode(fps=fps))
            else:
                self.encode(fps=fps)

    def encode(self, fps: int = 4) -> None:
        """Encode `self.data` into a temporary file of `self._format`."""
        frames = _tile_batch(self.data)
        _, self._height, self._width, self._channels = frames.shape
        path = _tmp_path("." + self._format)
        _encode(frames, path, self._format, fps)
        self._set_file(path, is_tmp=True)

    @classmethod
    def get_media_subdir(cls) -> str:
        return os.path.join("media", "videos")

    def to_json(self, run_or_artifact: Any) -> dict:
        json_dict = super().to_json(run_or_artifact)
        json_dict["_type"] = self._log_type
        if self._width is not None:
            json_dict["width"] = self._width
        if self._height is not None:
            json_dict["height"] = self._height
        return json_dict

    @classmethod
    def seq_to_json(cls, seq: Sequence[BatchableMedia], run: Any, key: str, step: int | str) -> dict:
        run = as_sink(run)  # a Run given where a sink is expected
        os.makedirs(os.path.join(run.dir, cls.get_media_subdir()), exist_ok=True)
        return {
            "_type": "videos",
            "count": len(seq),
            "videos": [v.to_json(run) for v in seq],
            "captions": Video.captions(seq),
        }
