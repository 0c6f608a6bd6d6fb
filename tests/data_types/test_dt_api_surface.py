"""wandb 0.31 names of the data types that the API-coverage check found missing:
`Classes.get_type`, `Audio.resolve_ref`, and `to_json(run=...)` of Histogram, Audio and Graph."""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import wandb

import tracklab
from tracklab.sdk.data_types import _dtypes
from tracklab.sdk.data_types.audio import Audio
from tracklab.sdk.data_types.helper_types.classes import Classes

_CLASS_SET = [{"id": 1, "name": "cat"}, {"id": 2, "name": "dog"}]


def test_classes_type_accepts_only_its_ids() -> None:
    column = Classes(_CLASS_SET).get_type()
    assert column.assign(1) is column and column.assign(2) is column
    assert isinstance(column.assign(3), _dtypes.InvalidType)
    assert isinstance(column.assign("cat"), _dtypes.InvalidType)


def test_classes_type_json_is_wandbs_and_reads_back() -> None:
    ours = Classes(_CLASS_SET).get_type().to_json()
    assert ours == wandb.Classes(_CLASS_SET).get_type().to_json()
    back = _dtypes.TypeRegistry.type_from_dict(json.loads(json.dumps(ours)))
    assert back.assign(2) is back and isinstance(back.assign(5), _dtypes.InvalidType)
    assert back.wb_classes_obj_ref == Classes(_CLASS_SET)


def test_classes_type_is_the_type_of_a_classes_value() -> None:
    assert _dtypes.TypeRegistry.type_of(Classes(_CLASS_SET)).name == "classesId"


def test_audio_resolve_ref(tl_dir: Any, tmp_path: Any) -> None:
    assert Audio("s3://bucket/clip.wav").resolve_ref() == "s3://bucket/clip.wav"
    clip = Audio(np.zeros(800), sample_rate=8000, caption="c")
    assert clip.resolve_ref() is None  # a local file, read from no artifact

    stored = tracklab.Artifact("clips", "dataset")
    stored.add(clip, "clip")
    assert stored.get("clip").resolve_ref() is None  # the artifact holds the file itself

    wav = tmp_path / "x.wav"
    wav.write_bytes(open(clip._path, "rb").read())
    by_reference = tracklab.Artifact("clip-refs", "dataset")
    by_reference.add_reference(wav.as_uri(), "media/audio/x.wav")
    with by_reference.new_file("clip.audio-file.json", mode="w") as handle:
        json.dump({"_type": "audio-file", "path": "media/audio/x.wav", "caption": "c"}, handle)
    with tracklab.init(project="refs", settings=tracklab.Settings(quiet=True, x_disable_stats=True)) as run:
        run.log_artifact(by_reference).wait()
    read = tracklab.Api().artifact("refs/clip-refs:latest").get("clip")
    assert read.resolve_ref() == wav.as_uri()


def test_to_json_takes_run_by_name() -> None:
    value = tracklab.Histogram(np_histogram=([1, 2], [0.0, 1.0, 2.0]))
    assert value.to_json(run=None) == value.to_json(None) == {"_type": "histogram", "values": [1, 2],
                                                              "bins": [0.0, 1.0, 2.0]}
