"""Behaviour of the data-type classes themselves (no wandb oracle needed), and
TrackLab-only paths: raw audio without soundfile, GIF video without moviepy."""

from __future__ import annotations

import json
import os
import sys
import wave
from typing import Any

import numpy as np
import pytest

import tracklab.sdk.data_types as dt
from tests import helpers


def test_import_is_lean() -> None:
    code = (
        "import sys, tracklab.sdk.data_types as dt, tracklab.plot\n"
        "from tracklab.sdk.data_types.base_types.wb_value import WBValue\n"
        "assert WBValue is dt.WBValue\n"
        "heavy = [m for m in ('numpy', 'PIL', 'pandas', 'plotly', 'torch', 'mlflow', 'matplotlib') if m in sys.modules]\n"
        "print(heavy)"
    )
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    out = helpers.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=root, check=True)
    assert out.stdout.strip() == "[]"


def test_exports() -> None:
    for name in ("WBValue", "Media", "BatchableMedia", "Image", "Table", "Histogram", "Audio", "Video",
                 "Object3D", "Molecule", "Html", "Plotly", "Graph", "Classes", "box3d", "BoundingBoxes2D",
                 "ImageMask", "serialize_value", "pop_custom_charts"):
        assert getattr(dt, name) is not None
    assert issubclass(dt.Image, dt.BatchableMedia) and issubclass(dt.Table, dt.Media)
    assert issubclass(dt.Histogram, dt.WBValue) and not issubclass(dt.Histogram, dt.Media)
    with pytest.raises(AttributeError):
        dt.NotAType  # noqa: B018


def test_plain_values_pass_through(tmp_path: Any) -> None:
    for value in (1, 2.5, "s", True, None):
        assert dt.serialize_value(value, str(tmp_path), "k", 0) is value
    assert not os.listdir(tmp_path)


# -- Table API ----------------------------------------------------------------------


def test_table_api() -> None:
    t = dt.Table(columns=["a", "b"], data=[[1, "x"], [2, "y"]])
    t.add_data(3, "z")
    assert t.get_column("a") == [1, 2, 3]
    assert t.get_column("a", convert_to="numpy").tolist() == [1, 2, 3]
    assert [int(i) for i in t.get_index()] == [0, 1, 2]
    assert t.get_index()[1].get_row() == {"a": 2, "b": "y"}
    assert [(int(i), row) for i, row in t.iterrows()][0] == (0, [1, "x"])
    df = t.get_dataframe()
    assert list(df.columns) == ["a", "b"] and df["a"].tolist() == [1, 2, 3]
    t.add_column("c", [0.1, 0.2, 0.3])
    t.add_computed_columns(lambda i, row: {"d": row["a"] * 10})
    assert t.columns == ["a", "b", "c", "d"] and t.get_column("d") == [10, 20, 30]
    same = dt.Table(columns=["a", "b", "c", "d"], data=[r[:] for r in t.data], optional=[True, True, False, False])
    assert t == same and t != dt.Table(columns=["a", "b", "c", "d"], data=[r[:] for r in t.data])


def test_table_cast_and_types() -> None:
    from tracklab.sdk.data_types import _dtypes

    t = dt.Table(columns=["a"], data=[[1], [None]])
    t.cast("a", _dtypes.NumberType(), optional=True)
    with pytest.raises(TypeError, match="cannot be cast"):
        t.cast("a", _dtypes.StringType())
    mixed = dt.Table(columns=["m"], allow_mixed_types=True)
    mixed.add_data(1)
    mixed.add_data("x")
    with pytest.raises(ValueError, match="expects 1 columns"):
        mixed.add_data(1, 2)


def test_table_media_cells_written_as_class_names(tmp_path: Any) -> None:
    t = dt.Table(columns=["img"], data=[[dt.Image(np.zeros((2, 2, 3), dtype=np.uint8))]])
    desc = dt.serialize_value(t, str(tmp_path), "preds", 0)
    with open(os.path.join(tmp_path, desc["path"])) as f:
        assert json.load(f) == {"columns": ["img"], "data": [["Image"]]}


def test_table_log_modes(tmp_path: Any) -> None:
    inc = dt.Table(columns=["a"], log_mode="INCREMENTAL")
    inc.add_data(1)
    first = dt.serialize_value(inc, str(tmp_path), "inc", 0)
    inc.add_data(2)
    second = dt.serialize_value(inc, str(tmp_path), "inc", 1)
    assert first["_type"] == "incremental-table-file" and first["increment_num"] == 0
    assert second["increment_num"] == 1 and second["previous_increments_paths"] == [first["artifact_path"]]
    with open(os.path.join(tmp_path, second["path"])) as f:
        assert json.load(f)["data"] == [[2]]  # only the new row


def test_table_artifact_hook_receives_files(tmp_path: Any) -> None:
    from _dt_support import FakeRun

    run = FakeRun(str(tmp_path), run_id="r1")
    dt.serialize_value(dt.Table(columns=["a"], data=[[1]]), str(tmp_path), "t", 0, run=run)
    (art,) = run.table_artifacts
    assert (art.name, art.type, sorted(art.files)) == ("run-r1-t", "run_table", ["t.table.json"])
    with open(art.files["t.table.json"]) as f:
        assert json.load(f)["column_types"]["wb_type"] == "typedDict"


# -- audio / video without their optional encoders -----------------------------------------


def test_raw_audio_written_as_pcm16_wav(tmp_path: Any) -> None:
    samples = np.sin(np.linspace(0, 20, 1600))
    audio = dt.Audio(samples, sample_rate=16000, caption="sine")
    desc = dt.serialize_value(audio, str(tmp_path), "snd", 2)
    assert desc["_type"] == "audio-file" and desc["caption"] == "sine"
    assert desc["path"].startswith("media/audio/snd_2_") and desc["path"].endswith(".wav")
    with wave.open(os.path.join(tmp_path, desc["path"])) as w:
        assert (w.getnchannels(), w.getsampwidth(), w.getframerate(), w.getnframes()) == (1, 2, 16000, 1600)
    assert audio._duration == pytest.approx(0.1)


def test_audio_list_descriptor(tmp_path: Any) -> None:
    clips = [dt.Audio(np.zeros(80), sample_rate=8000), dt.Audio(np.zeros(160), sample_rate=8000, caption="b")]
    desc = dt.serialize_value(clips, str(tmp_path), "snds", 0)
    assert desc["_type"] == "audio" and desc["count"] == 2
    assert desc["sampleRates"] == [8000, 8000] and desc["durations"] == [0.01, 0.02]
    assert desc["captions"] == ["", "b"]


def test_raw_video_gif_without_moviepy(tmp_path: Any) -> None:
    frames = np.random.default_rng(0).integers(0, 256, (2, 4, 3, 8, 6), dtype=np.uint8)  # B,T,C,H,W
    video = dt.Video(frames, fps=5, format="gif", caption="clip")
    desc = dt.serialize_value(video, str(tmp_path), "vid", 0)
    # Two clips tile side by side (1 row x 2 columns), as in wandb.
    assert (desc["width"], desc["height"]) == (12, 8) and desc["path"].endswith(".gif")
    from PIL import Image as PILImage

    with PILImage.open(os.path.join(tmp_path, desc["path"])) as gif:
        assert gif.n_frames == 4 and gif.size == (12, 8)


def test_raw_video_mp4_names_missing_package() -> None:
    try:
        import moviepy  # noqa: F401
    except ImportError:
        with pytest.raises(ImportError, match="moviepy"):
            dt.Video(np.zeros((2, 3, 4, 4), dtype=np.uint8), format="mp4")
    else:  # pragma: no cover - depends on the environment
        pytest.skip("moviepy installed")


# -- odds and ends -----------------------------------------------------------------------------


def test_graph_file(tmp_path: Any) -> None:
    g = dt.Graph(format="torch")
    a = g.add_node(id=1, name="fc1", class_name="Linear", size=[4, 2], num_parameters=10)
    b = g.add_node(id=2, name="fc2", class_name="Linear")
    g.add_edge(a, b)
    desc = dt.serialize_value(g, str(tmp_path), "graph_0", "summary")
    assert desc["_type"] == "graph-file" and desc["path"].startswith("media/graph/graph_0_summary_")
    with open(os.path.join(tmp_path, desc["path"])) as f:
        data = json.load(f)
    assert data["edges"] == [[1, 2]] and data["nodes"][0]["size"] == [4, 2]


def test_box3d_corners() -> None:
    box = dt.box3d(center=(0, 0, 0), size=(2, 2, 2), orientation=(1, 0, 0, 0), color=(1, 2, 3), label="x", score=1)
    assert sorted(box["corners"]) == sorted(
        (float(x), float(y), float(z)) for x in (-1, 1) for y in (-1, 1) for z in (-1, 1)
    )


def test_media_published_to_run(tmp_path: Any) -> None:
    from _dt_support import FakeRun

    run = FakeRun(str(tmp_path))
    desc = dt.serialize_value(dt.Html("<p>x</p>"), str(tmp_path), "page", 0, run=run)
    assert run.published == [desc["path"]]


def test_key_cannot_escape_media_folder(tmp_path: Any) -> None:
    desc = dt.serialize_value(dt.Html("<p>x</p>"), str(tmp_path), "/../x", 0)
    assert desc["path"].startswith("media/html/__/x_0_")
