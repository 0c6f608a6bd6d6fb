"""Descriptors read back into data types (`from_descriptor`), and logged tables as
`run-<id>-<key>` artifact versions, through a real run and its MLflow store."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest

import tracklab
from tests.helpers import run_python
from tracklab.sdk.data_types import from_descriptor

PDB = """ATOM      1  N   ALA A   1      11.104   6.134  -6.504  1.00  0.00           N
ATOM      2  CA  ALA A   1      11.639   6.071  -5.147  1.00  0.00           C
END
"""


def _gif(path: Path) -> str:
    from PIL import Image

    frames = [Image.new("RGB", (8, 8), (i * 80, 0, 0)) for i in range(3)]
    frames[0].save(path, save_all=True, append_images=frames[1:], duration=100)
    return str(path)


def test_every_kind_reads_back_from_the_store_and_the_run_folder(tl_dir: Path, tmp_path: Path) -> None:
    import plotly.graph_objects as go

    rng = np.random.default_rng(1)
    pixels = rng.integers(0, 255, (16, 24, 3), dtype=np.uint8)
    mask = (np.arange(16 * 24).reshape(16, 24) % 3).astype(np.uint8)
    boxes = [{"position": {"minX": 0.1, "maxX": 0.5, "minY": 0.2, "maxY": 0.6}, "class_id": 1,
              "scores": {"acc": 0.9}, "box_caption": "cat"}]
    sound = np.sin(np.linspace(0, 40, 4000))
    points = rng.random((50, 3))
    (tmp_path / "m.pdb").write_text(PDB)
    graph = tracklab.Graph()
    a, b = graph.add_node(id="a", name="conv"), graph.add_node(id="b", name="fc")
    graph.add_edge(a, b)
    figure = go.Figure(go.Scatter(x=[1, 2, 3], y=[3, 1, 2]))
    incremental = tracklab.Table(columns=["i"], log_mode="INCREMENTAL")

    run = tracklab.init(project="readback", id="rb001")
    files_dir = run.dir
    incremental.add_data(0)
    run.log({
        "img": tracklab.Image(pixels, caption="px", masks={"pred": {"mask_data": mask, "class_labels": {0: "a", 1: "b", 2: "c"}}},
                              boxes={"gt": {"box_data": boxes, "class_labels": {1: "cat"}}}),
        "grid": [tracklab.Image(pixels, caption="one"), tracklab.Image(pixels[::-1], caption="two")],
        "tab": tracklab.Table(columns=["x", "y"], data=[[1, "a"], [2, "b"]]),
        "hist": tracklab.Histogram(np_histogram=([1, 2, 3], [0.0, 1.0, 2.0, 3.0])),
        "snd": tracklab.Audio(sound, sample_rate=8000, caption="tone"),
        "vid": tracklab.Video(_gif(tmp_path / "v.gif"), caption="clip"),
        "html": tracklab.Html("<p>hello</p>"),
        "cloud": tracklab.Object3D(points),
        "mol": tracklab.Molecule(str(tmp_path / "m.pdb"), caption="ala"),
        "fig": tracklab.Plotly(figure),
        "graph": graph,
        "inc": incremental,
    })
    incremental.add_data(1)
    run.log({"inc": incremental})
    run.finish()

    api_run = tracklab.Api().run("readback/rb001")
    rows = api_run.history(pandas=False)
    first, last = rows[0], rows[-1]
    for source in (api_run, files_dir):
        image = from_descriptor(source, first["img"], root=str(tmp_path / "dl"))
        assert np.array_equal(np.asarray(image.image), pixels) and image._caption == "px"
        from PIL import Image

        with Image.open(image._masks["pred"]._path) as stored_mask:
            assert np.array_equal(np.asarray(stored_mask), mask)
        assert image._boxes["gt"]._val[0]["box_caption"] == "cat" and image._boxes["gt"]._class_labels == {1: "cat"}
        grid = from_descriptor(source, first["grid"])
        assert [g._caption for g in grid] == ["one", "two"]
        assert np.array_equal(np.asarray(grid[1].image), pixels[::-1])
        table = from_descriptor(source, first["tab"])
        assert table.get_dataframe().to_dict("list") == {"x": [1, 2], "y": ["a", "b"]}
        hist = from_descriptor(source, first["hist"])
        assert hist.histogram == [1, 2, 3] and hist.bins == [0.0, 1.0, 2.0, 3.0]
        audio = from_descriptor(source, first["snd"])
        assert audio._caption == "tone" and audio._sha256 == first["snd"]["sha256"]
        video = from_descriptor(source, first["vid"])
        assert video._caption == "clip" and video._sha256 == first["vid"]["sha256"]
        html = from_descriptor(source, first["html"])
        assert "<p>hello</p>" in html.html
        cloud = from_descriptor(source, first["cloud"])
        assert cloud._sha256 == first["cloud"]["sha256"]
        mol = from_descriptor(source, first["mol"])
        assert mol._caption == "ala" and "ALA" in open(mol._path).read()
        fig = from_descriptor(source, first["fig"])
        with open(fig._path) as handle:
            assert json.load(handle)["data"][0]["y"] == [3, 1, 2]
        parsed = from_descriptor(source, first["graph"])
        assert [n["name"] for n in parsed["nodes"]] == ["conv", "fc"] and len(parsed["edges"]) == 1
        # An incremental table's descriptor names its own increment's rows.
        assert from_descriptor(source, first["inc"]).data == [[0]]
        assert from_descriptor(source, last["inc"]).data == [[1]]
    # The summary holds the last descriptors; they read back too.
    assert from_descriptor(api_run, api_run.summary["tab"]).get_column("x") is not None


def test_bad_descriptors_name_the_problem(tl_dir: Path) -> None:
    with pytest.raises(tracklab.Error, match="not a media descriptor"):
        from_descriptor(".", {"path": "x.png"})
    with pytest.raises(tracklab.Error, match="_type='numpy.ndarray' cannot be read back"):
        from_descriptor(".", {"_type": "numpy.ndarray", "min": 0})
    with pytest.raises(tracklab.Error, match="is not in the run's files folder"):
        from_descriptor(str(tl_dir), {"_type": "image-file", "path": "media/images/missing.png"})


def test_logged_tables_are_run_table_artifact_versions(tl_dir: Path) -> None:
    run = tracklab.init(project="tables", id="tv001")
    run.log({"preds": tracklab.Table(columns=["id", "label"], data=[[0, "cat"]])})
    run.log({"preds": tracklab.Table(columns=["id", "label"], data=[[0, "cat"], [1, "dog"]])})
    run.log({"preds": tracklab.Table(columns=["id", "label"], data=[[0, "cat"], [1, "dog"]])})  # unchanged
    run.log({"val/preds": tracklab.Table(columns=["id"], data=[[7]])})
    run.finish()

    api = tracklab.Api()
    latest = api.artifact("tables/run-tv001-preds:latest")
    assert latest.type == "run_table" and latest.version == "v1"  # the unchanged table made no version
    assert latest.get("preds").get_dataframe().to_dict("list") == {"id": [0, 1], "label": ["cat", "dog"]}
    assert api.artifact("tables/run-tv001-preds:v0").get("preds").data == [[0, "cat"]]
    names = sorted(a.name for a in api.run("tables/tv001").logged_artifacts())
    assert names[:2] == ["run-tv001-preds:v0", "run-tv001-preds:v1"]
    # A key wandb's artifact names cannot hold gets wandb's sanitised name (CRC suffix).
    assert len(names) == 3 and names[2].startswith("run-tv001-valpreds-") and os.sep not in names[2]


def test_table_versions_are_stored_by_the_writer_not_the_training_process(tl_dir: Path, tmp_path: Path) -> None:
    out = run_python(
        """
        import sys, tracklab
        run = tracklab.init(project="tables", id="tv002")
        for epoch in range(3):
            run.log({"preds": tracklab.Table(columns=["epoch"], data=[[epoch]])})
        imported = any(m == "mlflow" or m.startswith("mlflow.") for m in sys.modules)
        run.finish()
        print("mlflow imported by training:", imported)
        """,
        cwd=tmp_path,
    )
    assert "mlflow imported by training: False" in out.stdout
    latest = tracklab.Api().artifact("tables/run-tv002-preds:latest")
    assert latest.version == "v2" and latest.get("preds").data == [[2]]
    assert [a.name for a in tracklab.Api().run("tables/tv002").logged_artifacts()] == [
        "run-tv002-preds:v0", "run-tv002-preds:v1", "run-tv002-preds:v2"]
