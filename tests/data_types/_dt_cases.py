"""Constructions logged both under real wandb and through TrackLab's serialize_value.

Each case is `f(wb, assets) -> value`, where `wb` is either the `wandb` module or
`tracklab.sdk.data_types`, and `assets` a folder made by `make_assets`. Inputs are
seeded, so both processes build identical values. This module is imported by the
wandb subprocess too, so it must not import TrackLab or pytest.
"""

from __future__ import annotations

import io
import os
import wave
from collections.abc import Callable
from typing import Any

import numpy as np

Case = Callable[[Any, str], Any]


def _rng(seed: int = 0) -> np.random.Generator:
    return np.random.default_rng(seed)


def make_assets(folder: str) -> str:
    """Write the input files the cases read (deterministic bytes)."""
    from PIL import Image as PILImage

    os.makedirs(folder, exist_ok=True)
    pixels = _rng(1).integers(0, 256, (12, 16, 3), dtype=np.uint8)
    PILImage.fromarray(pixels).save(os.path.join(folder, "photo.png"))
    PILImage.fromarray(pixels).save(os.path.join(folder, "photo.jpg"), quality=90)
    mask = (_rng(2).integers(0, 3, (12, 16))).astype(np.uint8)
    PILImage.fromarray(mask).save(os.path.join(folder, "mask.png"))
    frames = [PILImage.fromarray(_rng(i).integers(0, 256, (8, 8, 3), dtype=np.uint8)) for i in range(3)]
    frames[0].save(os.path.join(folder, "clip.gif"), save_all=True, append_images=frames[1:], duration=250)
    with open(os.path.join(folder, "clip.mp4"), "wb") as f:
        f.write(b"\x00\x00\x00\x18ftypmp42" + bytes(range(64)))
    with wave.open(os.path.join(folder, "tone.wav"), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(8000)
        tone = (np.sin(np.arange(800) / 8000 * 2 * np.pi * 440) * 20000).astype("<i2")
        w.writeframes(tone.tobytes())
    with open(os.path.join(folder, "page.html"), "w", encoding="utf-8") as f:
        f.write("<html><head><title>t</title></head><body><p>file</p></body></html>")
    with open(os.path.join(folder, "cube.obj"), "w") as f:
        f.write("v 0 0 0\nv 1 0 0\nv 0 1 0\nf 1 2 3\n")
    with open(os.path.join(folder, "mesh.glb"), "wb") as f:
        f.write(b"glTF" + bytes(range(32)))
    with open(os.path.join(folder, "part.stl"), "w") as f:
        f.write("solid x\nendsolid x\n")
    with open(os.path.join(folder, "cloud.pts.json"), "w") as f:
        f.write("[[0, 0, 0], [1, 1, 1]]")
    with open(os.path.join(folder, "water.pdb"), "w") as f:
        f.write("HETATM    1  O   HOH A   1       0.000   0.000   0.000  1.00  0.00           O\nEND\n")
    with open(os.path.join(folder, "methane.sdf"), "w") as f:
        f.write("methane\n\n\n  1  0  0  0  0  0  0  0  0  0999 V2000\n"
                "    0.0000    0.0000    0.0000 C   0  0  0  0  0  0  0  0  0  0  0  0\nM  END\n$$$$\n")
    return folder


def _a(assets: str, name: str) -> str:
    return os.path.join(assets, name)


def _rgb(seed: int = 0, shape: tuple = (8, 10, 3)) -> np.ndarray:
    return _rng(seed).integers(0, 256, shape, dtype=np.uint8)


def _boxes() -> dict:
    return {
        "predictions": {
            "box_data": [
                {
                    "position": {"minX": 0.1, "maxX": 0.4, "minY": 0.2, "maxY": 0.5},
                    "class_id": 1,
                    "box_caption": "car",
                    "scores": {"acc": 0.9, "loss": 0.25},
                },
                {
                    "position": {"middle": [5, 4], "width": 3, "height": 2},
                    "domain": "pixel",
                    "class_id": 2,
                    "box_caption": "road",
                    "scores": {"acc": 0.5},
                },
            ],
            "class_labels": {1: "car", 2: "road"},
        },
        "truth": {
            "box_data": [{"position": {"minX": 0.0, "maxX": 0.5, "minY": 0.0, "maxY": 0.5}, "class_id": 3}],
        },
    }


def _masks() -> dict:
    return {
        "pred": {"mask_data": _rng(3).integers(0, 4, (8, 10)), "class_labels": {0: "bg", 1: "a", 2: "b", 3: "c"}},
        "truth": {"mask_data": _rng(4).integers(0, 3, (8, 10)).astype(np.uint8)},
    }


def _mpl_line() -> Any:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(2, 2), dpi=40)
    ax.plot([1, 2, 3], [3, 1, 2])
    return fig


def _mpl_image() -> Any:
    fig = _mpl_line()
    fig.axes[0].imshow(_rgb(5, (4, 4, 3)))
    return fig


def _plotly_fig() -> Any:
    import plotly.graph_objects as go

    return go.Figure(data=[go.Scatter(x=[1, 2, 3], y=np.array([3.0, 1.0, 2.0]))], layout={"title": {"text": "t"}})


def _torch() -> Any:
    import torch

    return torch


def _table_images(wb: Any, assets: str) -> Any:
    t = wb.Table(columns=["id", "img", "score"])
    t.add_data(1, wb.Image(_rgb(6)), 0.5)
    t.add_data(2, wb.Image(_rgb(7)), None)
    return t


def _table_mutated(wb: Any, assets: str) -> Any:
    t = wb.Table(columns=["a"], data=[[1], [2]], log_mode="MUTABLE")
    t.add_column("b", [3.5, 4.5])
    return t


def _table_incremental(wb: Any, assets: str) -> Any:
    t = wb.Table(columns=["step", "loss"], log_mode="INCREMENTAL")
    t.add_data(0, 1.0)
    t.add_data(1, 0.5)
    return t


def _cloud(wb: Any, assets: str) -> Any:
    points = _rng(8).random((20, 3))
    boxes = [
        wb.box3d(center=(0.5, 0.5, 0.5), size=(1, 2, 3), orientation=(1, 0, 0, 0), color=(255, 0, 0), label="a", score=0.9),
        wb.box3d(center=(0, 0, 1), size=(1, 1, 1), orientation=(0.7, 0.1, 0.2, 0.3), color=(0, 255, 0)),
    ]
    vectors = np.array([{"start": [0, 0, 0], "end": [1, 1, 1]}])
    return wb.Object3D.from_point_cloud(points=points, boxes=boxes, vectors=vectors)


#: Logged together in one `log()` at step 0.
CASES: dict[str, Case] = {
    # images from arrays
    "img_rgb": lambda wb, a: wb.Image(_rgb()),
    "img_float01": lambda wb, a: wb.Image(_rng(9).random((6, 7, 3))),
    "img_float255": lambda wb, a: wb.Image(_rng(10).random((6, 7)) * 255),
    "img_gray_hw1": lambda wb, a: wb.Image(_rgb(11, (5, 6, 1))),
    "img_rgba": lambda wb, a: wb.Image(_rgb(12, (5, 6, 4))),
    "img_rgba_jpg": lambda wb, a: wb.Image(_rgb(12, (5, 6, 4)), file_type="jpg"),
    "img_mode_l": lambda wb, a: wb.Image(_rgb(13), mode="L"),
    "img_bmp": lambda wb, a: wb.Image(_rgb(14), file_type="bmp"),
    "img_caption": lambda wb, a: wb.Image(_rgb(15), caption="a caption", grouping=3),
    "img_batch_dim": lambda wb, a: wb.Image(_rgb(16, (1, 6, 5, 3))),
    # other sources
    "img_pil": lambda wb, a: wb.Image(__import__("PIL.Image", fromlist=["x"]).fromarray(_rgb(17))),
    "img_path_png": lambda wb, a: wb.Image(_a(a, "photo.png")),
    "img_path_jpg": lambda wb, a: wb.Image(_a(a, "photo.jpg"), caption="jpg file"),
    "img_torch_chw": lambda wb, a: wb.Image(_torch().tensor(_rng(18).random((3, 8, 9)) * 255)),
    "img_torch_uint8": lambda wb, a: wb.Image(_torch().tensor(_rgb(19, (1, 4, 4)))),
    "img_torch_grad": lambda wb, a: wb.Image(_torch().ones((3, 4, 4), requires_grad=True) * 100),
    "img_matplotlib": lambda wb, a: wb.Image(_mpl_line()),
    "img_copy": lambda wb, a: wb.Image(wb.Image(_rgb(20)), caption="copied"),
    # overlays
    "img_masks": lambda wb, a: wb.Image(_rgb(21), masks=_masks()),
    "img_mask_path": lambda wb, a: wb.Image(_rgb(22, (12, 16, 3)), masks={"m": {"path": _a(a, "mask.png")}}),
    "img_boxes": lambda wb, a: wb.Image(_rgb(23), boxes=_boxes()),
    "img_classes": lambda wb, a: wb.Image(_rgb(24), classes=[{"id": 1, "name": "x"}], boxes=_boxes()),
    "val/img_slash": lambda wb, a: wb.Image(_rgb(25)),
    # lists of images
    "imgs": lambda wb, a: [wb.Image(_rgb(26)), wb.Image(_rgb(27))],
    "imgs_captions": lambda wb, a: [wb.Image(_rgb(28), caption="one"), wb.Image(_rgb(29, (4, 4, 3)), caption="two")],
    "imgs_overlays": lambda wb, a: [wb.Image(_rgb(30), masks=_masks()), wb.Image(_rgb(31), boxes=_boxes())],
    # histograms and arrays
    "hist_seq": lambda wb, a: wb.Histogram([1, 2, 2, 3, 3, 3, 10]),
    "hist_bins": lambda wb, a: wb.Histogram(_rng(32).normal(size=200), num_bins=10),
    "hist_np": lambda wb, a: wb.Histogram(np_histogram=np.histogram(_rng(33).random(50), bins=5)),
    "hist_512": lambda wb, a: wb.Histogram(_rng(34).random(1000), num_bins=512),
    "np_small": lambda wb, a: np.arange(5),
    "np_32": lambda wb, a: np.linspace(0, 1, 32),
    "np_33": lambda wb, a: np.linspace(0, 1, 33),
    "np_big": lambda wb, a: _rng(35).normal(size=1000),
    "np_2d": lambda wb, a: np.arange(6).reshape(2, 3),
    "np_empty": lambda wb, a: np.array([]),
    "np_one": lambda wb, a: np.array([2.5]),
    "np_f32": lambda wb, a: np.float32(0.1),
    "np_i64": lambda wb, a: np.int64(7),
    "np_bool": lambda wb, a: np.bool_(True),
    "np_nan": lambda wb, a: np.float64("nan"),
    "torch_scalar": lambda wb, a: _torch().tensor(3.5),
    "torch_small": lambda wb, a: _torch().arange(5),
    "torch_one": lambda wb, a: _torch().tensor([1.5]),
    "torch_big": lambda wb, a: _torch().linspace(0, 1, 100),
    "torch_grad": lambda wb, a: _torch().ones(40, requires_grad=True) * 2,
    "list_mixed": lambda wb, a: [1, np.int64(2), np.arange(3), {"k": np.float32(0.5)}, "s", None],
    "list_nan": lambda wb, a: [float("nan"), float("inf"), 1],
    "tuple": lambda wb, a: (1, 2.5),
    "list_empty": lambda wb, a: [],
    # tables
    "table": lambda wb, a: wb.Table(columns=["a", "b"], data=[[1, "x"], [2, "y"]]),
    "table_rows": lambda wb, a: wb.Table(columns=["a"], rows=[[1.5], [None]]),
    "table_np": lambda wb, a: wb.Table(columns=["x", "y"], data=np.arange(6).reshape(3, 2)),
    "table_df": lambda wb, a: wb.Table(dataframe=__import__("pandas").DataFrame({"a": [1, 2], "b": ["u", "v"]})),
    "dataframe": lambda wb, a: __import__("pandas").DataFrame({"n": [1.5, 2.5], "s": ["p", "q"]}),
    "table_images": _table_images,
    "table_mutable": _table_mutated,
    "table_incremental": _table_incremental,
    "table_arrays": lambda wb, a: wb.Table(columns=["v"], data=[[np.arange(3)], [np.arange(3) * 2]]),
    "table_mixed": lambda wb, a: wb.Table(columns=["m"], data=[[1], ["x"]], allow_mixed_types=True),
    "table_default_cols": lambda wb, a: wb.Table(data=[[1, 2, 3]]),
    "joined": lambda wb, a: wb.JoinedTable(
        wb.Table(columns=["id", "x"], data=[[1, 0.5]]), wb.Table(columns=["id", "y"], data=[[1, "b"]]), "id"
    ),
    # html
    "html": lambda wb, a: wb.Html("<p>hello</p>"),
    "html_noinject": lambda wb, a: wb.Html("<p>raw</p>", inject=False),
    "html_head": lambda wb, a: wb.Html("<html><head><title>x</title></head><body>b</body></html>"),
    "html_htmltag": lambda wb, a: wb.Html("<html><body>b</body></html>"),
    "html_path": lambda wb, a: wb.Html(_a(a, "page.html")),
    "html_path_noinject": lambda wb, a: wb.Html(_a(a, "page.html"), inject=False),
    "html_io": lambda wb, a: wb.Html(io.StringIO("<b>io</b>")),
    "htmls": lambda wb, a: [wb.Html("<p>1</p>"), wb.Html("<p>2</p>")],
    # plots
    "plotly": lambda wb, a: wb.Plotly(_plotly_fig()),
    "plotly_raw": lambda wb, a: _plotly_fig(),
    "plotly_from_mpl": lambda wb, a: wb.Plotly(_mpl_line()),
    "mpl_raw": lambda wb, a: _mpl_line(),
    "mpl_raw_image": lambda wb, a: _mpl_image(),
    # audio / video from files
    "audio_path": lambda wb, a: wb.Audio(_a(a, "tone.wav")),
    "audio_caption": lambda wb, a: wb.Audio(_a(a, "tone.wav"), caption="beep"),
    "video_gif": lambda wb, a: wb.Video(_a(a, "clip.gif")),
    "video_mp4": lambda wb, a: wb.Video(_a(a, "clip.mp4"), caption="mp4"),
    "video_bytes": lambda wb, a: wb.Video(io.BytesIO(open(_a(a, "clip.mp4"), "rb").read()), format="mp4"),
    "videos": lambda wb, a: [wb.Video(_a(a, "clip.gif")), wb.Video(_a(a, "clip.mp4"))],
    # 3-D
    "obj3d_xyz": lambda wb, a: wb.Object3D(_rng(36).random((10, 3))),
    "obj3d_xyzc": lambda wb, a: wb.Object3D(np.hstack([_rng(37).random((5, 3)), np.ones((5, 1))])),
    "obj3d_rgb": lambda wb, a: wb.Object3D.from_numpy(np.hstack([_rng(38).random((5, 3)), np.full((5, 3), 255.0)])),
    "obj3d_cloud": _cloud,
    "obj3d_obj": lambda wb, a: wb.Object3D(_a(a, "cube.obj"), caption="cube"),
    "obj3d_glb": lambda wb, a: wb.Object3D.from_file(_a(a, "mesh.glb")),
    "obj3d_stl": lambda wb, a: wb.Object3D(_a(a, "part.stl")),
    "obj3d_pts": lambda wb, a: wb.Object3D(_a(a, "cloud.pts.json")),
    "obj3d_io": lambda wb, a: wb.Object3D(io.StringIO("v 0 0 0\n"), file_type="obj"),
    "obj3ds": lambda wb, a: [wb.Object3D(_rng(39).random((4, 3))), wb.Object3D(_a(a, "cube.obj"))],
    # molecules
    "mol_pdb": lambda wb, a: wb.Molecule(_a(a, "water.pdb"), caption="water"),
    "mol_sdf": lambda wb, a: wb.Molecule(_a(a, "methane.sdf")),
    "mol_io": lambda wb, a: wb.Molecule(io.StringIO("END\n"), file_type="pdb"),
    "mols": lambda wb, a: [wb.Molecule(_a(a, "water.pdb")), wb.Molecule(_a(a, "methane.sdf"))],
    # nested dicts: media inside are named by their own key
    "nested": lambda wb, a: {"inner_img": wb.Image(_rgb(40)), "v": np.float32(2.0), "h": wb.Histogram([1, 2])},
}

#: Logged with `log(..., step=3)`, to check the step in file names.
STEP3_CASES: dict[str, Case] = {
    "img_step3": lambda wb, a: wb.Image(_rgb(41)),
    "table_step3": lambda wb, a: wb.Table(columns=["a"], data=[[3]]),
    "imgs_step3": lambda wb, a: [wb.Image(_rgb(42)), wb.Image(_rgb(43))],
}

#: Set with `run.summary[key] = value` after the logs.
SUMMARY_CASES: dict[str, Case] = {
    "sum_img": lambda wb, a: wb.Image(_rgb(44)),
    "sum_arr": lambda wb, a: np.arange(50),
    "sum_small": lambda wb, a: np.arange(3),
    "sum_hist": lambda wb, a: wb.Histogram([1, 2, 3]),
    "sum_nan": lambda wb, a: np.float32("nan"),
}


def wandb_script(cases_dir: str, assets: str) -> str:
    """The oracle snippet: build every case with wandb and log it."""
    return f"""
import os, sys
os.environ.setdefault("MPLBACKEND", "Agg")
sys.path.insert(0, {cases_dir!r})
import wandb
import _dt_cases as _cases
run = wandb.init(project="dt-diff", config={{"c": 1}})
assets = {assets!r}
wandb.log({{k: f(wandb, assets) for k, f in _cases.CASES.items()}})
wandb.log({{k: f(wandb, assets) for k, f in _cases.STEP3_CASES.items()}}, step=3)
wandb.log({{"after": 1}})
for k, f in _cases.SUMMARY_CASES.items():
    run.summary[k] = f(wandb, assets)
wandb.finish()
"""


def scenario(wb: Any, plot: Any, log: Callable[..., None], assets: str) -> None:
    """Several log() calls whose results depend on what was logged before."""
    t = wb.Table(columns=["a"], data=[[1]])
    log({"imm": t})  # local step 0
    t.add_data(2)
    log({"imm": t})  # 1: IMMUTABLE: same file again, nrows updated
    m = wb.Table(columns=["a"], data=[[1]], log_mode="MUTABLE")
    log({"mut": m})  # 2
    m.add_data(2)
    log({"mut": m})  # 3: MUTABLE: a new file
    inc = wb.Table(columns=["a"], log_mode="INCREMENTAL")
    inc.add_data(1)
    log({"inc": inc})  # 4
    inc.add_data(2)
    inc.add_data(3)
    log({"inc": inc})  # 5: only the new rows, increment 1
    img = wb.Image(_rgb(50))
    log({"same": img})  # 6
    log({"same": img})  # 7: already bound: same path
    log({"a": wb.Image(_rgb(51))}, commit=False)  # 8, not committed
    log({"b": wb.Image(_rgb(52))})  # still 8: same row
    log({"c": wb.Image(_rgb(53))}, step=20)  # named with 9, row 20
    log({"d": wb.Image(_rgb(54))})  # named with 20, merged into row 20
    pts = wb.Table(columns=["x", "y", "k"], data=[[1, 2.0, "p"], [2, 4.0, "q"], [3, 1.0, "p"]])
    log(
        {
            "line": plot.line(pts, "x", "y", stroke="k", title="L"),
            "scatter": plot.scatter(pts, "x", "y", title="S"),
            "bar": plot.bar(pts, "k", "y", title="B"),
            "hist": plot.histogram(pts, "y", title="H"),
            "series": plot.line_series([1, 2, 3], [[1, 2, 3], [3, 2, 1]], keys=["u", "d"], title="LS", xname="t"),
            "cm": plot.confusion_matrix(y_true=[0, 1, 2, 1], preds=[0, 2, 2, 1], class_names=["a", "b", "c"]),
            "cm_probs": plot.confusion_matrix(probs=[[0.9, 0.1], [0.3, 0.7], [0.6, 0.4]], y_true=[0, 1, 1]),
            "pr": plot.pr_curve([0, 1, 1, 0, 1], [[0.8, 0.2], [0.3, 0.7], [0.6, 0.4], [0.9, 0.1], [0.2, 0.8]], labels=["neg", "pos"]),
            "roc": plot.roc_curve([0, 1, 1, 0, 1], [[0.8, 0.2], [0.3, 0.7], [0.6, 0.4], [0.9, 0.1], [0.2, 0.8]]),
            "custom": plot.plot_table("wandb/area-under-curve/v0", pts, {"x": "x", "y": "y"}, {"title": "C", "x-axis-title": "X"}),
            "split": plot.line(pts, "x", "y", split_table=True),
            "group": {"inner": plot.scatter(pts, "y", "x")},
        }
    )


def wandb_scenario_script(cases_dir: str, assets: str) -> str:
    """The oracle snippet for `scenario`."""
    return f"""
import sys
sys.path.insert(0, {cases_dir!r})
import wandb
import _dt_cases as _cases
run = wandb.init(project="dt-scenario")
_cases.scenario(wandb, wandb.plot, wandb.log, {assets!r})
wandb.finish()
"""


#: Constructions wandb rejects; TrackLab must raise the same class and message.
ERROR_CASES: dict[str, Case] = {
    "hist_too_many_bins": lambda wb, a: wb.Histogram(list(range(1000)), num_bins=513),
    "hist_bad_np_histogram": lambda wb, a: wb.Histogram(np_histogram=([1, 2], [0, 1, 2], [3])),
    "hist_bins_mismatch": lambda wb, a: wb.Histogram(np_histogram=([1, 2], [0, 1])),
    "img_bad_channels": lambda wb, a: wb.Image(np.zeros((4, 4, 5), dtype=np.uint8)),
    "img_chw_numpy": lambda wb, a: wb.Image(np.zeros((3, 8, 8), dtype=np.uint8)),
    "img_bad_file_type": lambda wb, a: wb.Image(_rgb(), file_type="gif"),
    "img_boxes_not_dict": lambda wb, a: wb.Image(_rgb(), boxes=[1]),
    "img_masks_not_dict": lambda wb, a: wb.Image(_rgb(), masks=[1]),
    "box_no_position": lambda wb, a: wb.Image(_rgb(), boxes={"b": {"box_data": [{"class_id": 1}]}}),
    "box_bad_position": lambda wb, a: wb.Image(_rgb(), boxes={"b": {"box_data": [{"position": {"minX": 0}}]}}),
    "box_list_required": lambda wb, a: wb.Image(_rgb(), boxes={"b": {"box_data": {"x": 1}}}),
    "box_bad_score": lambda wb, a: wb.Image(
        _rgb(), boxes={"b": {"box_data": [{"position": {"middle": [1, 1], "width": 1, "height": 1}, "scores": {"a": "x"}}]}}
    ),
    "box_bad_labels": lambda wb, a: wb.Image(
        _rgb(), boxes={"b": {"box_data": [], "class_labels": {"one": "x"}}}
    ),
    "box_float_class_id": lambda wb, a: wb.Image(
        _rgb(), boxes={"b": {"box_data": [{"position": {"middle": [1, 1], "width": 1, "height": 1}, "class_id": 1.5}]}}
    ),
    "mask_3d": lambda wb, a: wb.Image(_rgb(), masks={"m": {"mask_data": np.zeros((2, 2, 2))}}),
    "mask_range": lambda wb, a: wb.Image(_rgb(), masks={"m": {"mask_data": np.full((8, 10), 300)}}),
    "mask_missing_data": lambda wb, a: wb.Image(_rgb(), masks={"m": {"class_labels": {1: "a"}}}),
    "table_wrong_width": lambda wb, a: wb.Table(columns=["a", "b"], data=[[1]]),
    "table_incompatible": lambda wb, a: wb.Table(columns=["a"], data=[[1], ["x"]]),
    "table_bad_log_mode": lambda wb, a: wb.Table(columns=["a"], log_mode="SOMETIMES"),
    "table_bad_columns": lambda wb, a: wb.Table(columns="a", data=[]),
    "table_cast_bad": lambda wb, a: wb.Table(columns=["a"], data=[["x"]]).cast("a", wb.data_types._dtypes.NumberType()),
    "table_incremental_add_column": lambda wb, a: wb.Table(columns=["a"], log_mode="INCREMENTAL").add_column("b", []),
    "audio_no_rate": lambda wb, a: wb.Audio(np.zeros(10)),
    "video_bad_ext": lambda wb, a: wb.Video(_a(a, "photo.png")),
    "video_no_format": lambda wb, a: wb.Video(np.zeros((2, 3, 4, 4), dtype=np.uint8)),
    "video_bad_format": lambda wb, a: wb.Video(np.zeros((2, 3, 4, 4), dtype=np.uint8), format="avi"),
    "video_3d": lambda wb, a: wb.Video(np.zeros((3, 4, 4), dtype=np.uint8), format="gif"),
    "obj3d_bad_shape": lambda wb, a: wb.Object3D(np.zeros((4, 5))),
    "obj3d_bad_ext": lambda wb, a: wb.Object3D(_a(a, "photo.png")),
    "obj3d_bad_type": lambda wb, a: wb.Object3D({"type": "radar", "points": np.zeros((1, 3))}),
    "obj3d_io_no_type": lambda wb, a: wb.Object3D(io.StringIO("v 0 0 0")),
    "obj3d_from_numpy_list": lambda wb, a: wb.Object3D.from_numpy([[0, 0, 0]]),
    "obj3d_cloud_type": lambda wb, a: wb.Object3D.from_point_cloud([], [], point_cloud_type="x"),
    "obj3d_bad_data": lambda wb, a: wb.Object3D(42),
    "mol_bad_ext": lambda wb, a: wb.Molecule(_a(a, "photo.png")),
    "mol_io_no_type": lambda wb, a: wb.Molecule(io.StringIO("END")),
    "mol_bad_data": lambda wb, a: wb.Molecule(42),
    "html_bad_data": lambda wb, a: wb.Html(42),
    "plotly_bad": lambda wb, a: wb.Plotly(42),
    "plot_table_not_table": lambda wb, a: wb.plot.plot_table("s", [1], {}),
    "line_series_mismatch": lambda wb, a: wb.plot.line_series([[1], [2]], [[1]]),
    "cm_both": lambda wb, a: wb.plot.confusion_matrix(probs=[[1.0]], preds=[0], y_true=[0]),
}


def wandb_errors_script(cases_dir: str, assets: str) -> str:
    """A snippet printing, as JSON, what each ERROR_CASES construction raises in wandb."""
    return f"""
import json, sys
sys.path.insert(0, {cases_dir!r})
import wandb, wandb.data_types, wandb.sdk.data_types._dtypes
wandb.data_types._dtypes = wandb.sdk.data_types._dtypes
import _dt_cases as _cases
out = {{}}
for name, f in _cases.ERROR_CASES.items():
    try:
        f(wandb, {assets!r})
        out[name] = None
    except Exception as e:
        out[name] = [type(e).__name__, str(e)]
print("@@" + json.dumps(out))
"""
