"""`Audio`: a sound clip logged as `media/audio/<key>_<step>_<hash>.wav` (or its own file)."""

from __future__ import annotations

import hashlib
import os
import pathlib
import wave
from collections.abc import Sequence
from typing import Any

from .base_types.media import BatchableMedia, _tmp_path
from ._media_sink import as_sink


def _write_wav(path: str, data: Any, sample_rate: int) -> None:
    """Write `data` (samples x channels) as a 16-bit PCM WAV file.

    wandb writes raw audio with the `soundfile` package (16-bit PCM for .wav);
    that is used when installed, else the standard library's `wave` writes the
    same sample format (floats in [-1, 1] scaled to int16).
    """
    try:
        import soundfile
    except ImportError:
        soundfile = None
    if soundfile is not None:
        soundfile.write(path, data, sample_rate)
        return

    import numpy as np

    samples = np.asarray(data)
    if samples.ndim > 2:
        raise ValueError(f"Audio data must be 1-D (mono) or 2-D (samples x channels), got shape {list(samples.shape)}")
    if samples.dtype.kind == "f":
        pcm = np.clip(np.rint(samples * 32767.0), -32768, 32767).astype("<i2")
    elif samples.dtype.kind in "iu":
        info = np.iinfo(samples.dtype)
        if info.bits > 16:
            pcm = (samples.astype(np.int64) >> (info.bits - 16)).astype("<i2")
        elif info.bits < 16:
            pcm = (samples.astype(np.int32) << (16 - info.bits)).astype("<i2")
        else:
            pcm = samples.astype("<i2")
    else:
        raise ValueError(f"Audio data must be numeric, got dtype {samples.dtype}")
    channels = 1 if pcm.ndim == 1 else pcm.shape[1]
    with wave.open(path, "wb") as out:
        out.setnchannels(channels)
        out.setsampwidth(2)
        out.setframerate(int(sample_rate))
        out.writeframes(np.ascontiguousarray(pcm).tobytes())


class Audio(BatchableMedia):
    """Audio from a numpy array plus `sample_rate`, or from a file path."""

    _log_type = "audio-file"

    def __init__(self, data_or_path: Any, sample_rate: int | None = None, caption: str | None = None) -> None:
        super().__init__(caption=caption)
        self._duration: float | None = None
        self._sample_rate = sample_rate
        if isinstance(data_or_path, (str, pathlib.Path)):
            path = str(data_or_path)
            if self.path_is_reference(path):
                self._path = path
                self._sha256 = hashlib.sha256(path.encode("utf-8")).hexdigest()
                self._is_tmp = False
            else:
                self._set_file(path, is_tmp=False)
            return
        if sample_rate is None:
            raise ValueError(
                'Argument "sample_rate" is required when instantiating wandb.Audio with raw data.'
            )
        tmp = _tmp_path(".wav")
        _write_wav(tmp, data_or_path, sample_rate)
        self._duration = len(data_or_path) / float(sample_rate)
        self._set_file(tmp, is_tmp=True)

    @classmethod
    def get_media_subdir(cls) -> str:
        return os.path.join("media", "audio")

    @classmethod
    def from_json(cls, json_obj: dict, source_artifact: Any) -> Audio:
        audio = cls(source_artifact.get_entry(json_obj["path"]).download(), caption=json_obj["caption"])
        audio._source_entry = (source_artifact, json_obj["path"])  # for resolve_ref
        return audio

    def resolve_ref(self) -> str | None:
        """The reference URI behind this clip: its own path when made from one, else the `ref` of
        the artifact entry it was read from (None when that entry holds the file itself)."""
        if self.path_is_reference(self._path):
            return self._path
        source = getattr(self, "_source_entry", None)
        if source is None:
            return None
        artifact, name = source
        return artifact.get_entry(name).ref

    def bind_to_run(self, run: Any, key: int | str, step: int | str, id_: Any = None, ignore_copy_err: bool | None = None) -> None:
        run = as_sink(run)  # a Run given where a sink is expected
        if self.path_is_reference(self._path):
            raise ValueError(
                "Audio media created by a reference to external storage cannot currently be added to a run"
            )
        super().bind_to_run(run, key, step, id_, ignore_copy_err)

    def to_json(self, run: Any) -> dict:
        json_dict = super().to_json(run)
        json_dict["_type"] = self._log_type
        return json_dict

    @classmethod
    def seq_to_json(cls, seq: Sequence[BatchableMedia], run: Any, key: str, step: int | str) -> dict:
        run = as_sink(run)  # a Run given where a sink is expected
        clips: list[Audio] = list(seq)  # type: ignore[arg-type]
        os.makedirs(os.path.join(run.dir, "media", "audio"), exist_ok=True)
        meta: dict[str, Any] = {"_type": "audio", "count": len(clips), "audio": [a.to_json(run) for a in clips]}
        sample_rates = cls.sample_rates(clips)
        if sample_rates:
            meta["sampleRates"] = sample_rates
        durations = cls.durations(clips)
        if durations:
            meta["durations"] = durations
        captions = cls.captions(clips)
        if captions:
            meta["captions"] = captions
        return meta

    @classmethod
    def durations(cls, audio_list: Sequence[Audio]) -> list[float | None]:
        return [a._duration for a in audio_list]

    @classmethod
    def sample_rates(cls, audio_list: Sequence[Audio]) -> list[int | None]:
        return [a._sample_rate for a in audio_list]

    @classmethod
    def captions(cls, audio_list: Sequence[Any]) -> bool | list[str]:  # type: ignore[override]
        captions = [a._caption for a in audio_list]
        if all(c is None for c in captions):
            return False
        return ["" if c is None else c for c in captions]

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Audio):
            return False
        if self.path_is_reference(self._path) or self.path_is_reference(other._path):
            return self._path == other._path and self._caption == other._caption
        return super().__eq__(other) and self._caption == other._caption

    __hash__ = BatchableMedia.__hash__
