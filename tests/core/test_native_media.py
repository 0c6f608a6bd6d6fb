"""Logged images also land in MLflow's own image layout, which the stock MLflow UI charts."""

from __future__ import annotations

import os

import numpy as np

import tracklab
from tests.helpers import mlflow_client, stored_run


def test_images_are_written_in_mlflows_layout(tl_dir):
    run = tracklab.init(project="media", id="media001")
    for step in range(3):
        pixels = np.full((32, 48, 3), step * 60, dtype=np.uint8)
        run.log({"val/sample": tracklab.Image(pixels, caption=f"s{step}"), "loss": float(step)})
    run.log({"grid": [tracklab.Image(np.zeros((8, 8, 3), dtype=np.uint8)) for _ in range(2)]})
    run.finish()
    stored = stored_run(tl_dir, "media", "media001")
    assert stored.data.tags["mlflow.loggedImages"] == "True"
    listing = [a.path for a in mlflow_client(tl_dir).list_artifacts(stored.info.run_id, "images")]
    pngs = sorted(p for p in listing if p.endswith(".png"))
    assert len([p for p in pngs if p.startswith("images/val~sample+step+")]) == 3
    assert len([p for p in pngs if p.startswith("images/grid+step+3+")]) == 2
    assert len([p for p in listing if p.endswith("+compressed.webp")]) == 5
    from PIL import Image

    first = [p for p in pngs if "+step+1+" in p][0]
    with Image.open(os.path.join(stored.info.artifact_uri, first)) as image:
        assert image.size == (48, 32) and image.getpixel((0, 0))[:3] == (60, 60, 60)
    # wandb's descriptor is what the history holds.
    row = tracklab.Api().run("media/media001").history(pandas=False)[0]
    assert row["val/sample"]["_type"] == "image-file" and row["val/sample"]["path"].startswith("media/images/")


def test_tables_are_registered_for_mlflows_table_view(tl_dir):
    import json

    run = tracklab.init(project="media", id="media002")
    run.log({"preds": tracklab.Table(columns=["id", "label"], data=[[0, "cat"], [1, "dog"]])})
    run.finish()
    stored = stored_run(tl_dir, "media", "media002")
    logged = json.loads(stored.data.tags["mlflow.loggedArtifacts"])
    assert len(logged) == 1 and logged[0]["type"] == "table" and logged[0]["path"].endswith(".table.json")
    with open(os.path.join(stored.info.artifact_uri, logged[0]["path"])) as handle:
        table = json.load(handle)
    assert table["columns"] == ["id", "label"] and table["data"] == [[0, "cat"], [1, "dog"]]


def _inodes(root: str, under: str) -> tuple[int, set[tuple[int, int]], int]:
    """Names, distinct inodes and bytes on disk (each inode once) of the files below `root/under`."""
    names, inodes, size = 0, set(), 0
    for base, _, files in os.walk(os.path.join(root, under)):
        for name in files:
            stat = os.stat(os.path.join(base, name))
            names += 1
            if (stat.st_dev, stat.st_ino) not in inodes:
                inodes.add((stat.st_dev, stat.st_ino))
                size += stat.st_size
    return names, inodes, size


def test_identical_media_bytes_are_stored_once_per_run(tl_dir):
    from tracklab.sdk.data_types import from_descriptor

    rng = np.random.default_rng(0)
    same = rng.integers(0, 255, (64, 64, 3), dtype=np.uint8)
    run = tracklab.init(project="media", id="media003")
    files_dir = run.dir
    for step in range(100):
        run.log({"same": tracklab.Image(same), "sound": tracklab.Audio(np.zeros(800), sample_rate=8000)})
    run.log({"other": tracklab.Image(rng.integers(0, 255, (64, 64, 3), dtype=np.uint8))})
    run.finish()

    names, inodes, _ = _inodes(files_dir, "media/images")
    assert names == 101 and len(inodes) == 2  # 100 names of one picture plus the other one
    names, inodes, _ = _inodes(files_dir, "media/audio")
    assert names == 100 and len(inodes) == 1

    stored = stored_run(tl_dir, "media", "media003")
    root = stored.info.artifact_uri
    names, inodes, size = _inodes(root, "media/images")
    assert names == 101 and len(inodes) == 2
    one = os.path.getsize(os.path.join(files_dir, tracklab.Api().run("media/media003").history(pandas=False)[0]["same"]["path"]))
    assert size < 3 * one
    names, inodes, _ = _inodes(root, "images")
    assert names == 202 and len(inodes) == 4  # MLflow's png + webp per log, one pair per picture

    # Every descriptor still reads back to the logged pixels.
    api_run = tracklab.Api().run("media/media003")
    rows = [r for r in api_run.history(pandas=False) if "same" in r]
    assert len(rows) == 100 and len({r["same"]["path"] for r in rows}) == 100
    for row in rows:
        image = from_descriptor(api_run, row["same"])
        assert np.array_equal(np.asarray(image.image), same)
