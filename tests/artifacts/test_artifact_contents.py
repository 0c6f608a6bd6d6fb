"""What goes into an artifact and comes back out: new_file, references (file://, http://,
runs:/), media and tables, verify/checkout with corruption, and the safety rules for names,
aliases and download folders."""

from __future__ import annotations

import functools
import http.server
import threading
from pathlib import Path

import numpy as np
import pytest

import tracklab
from tests.artifacts._artifact_support import log_folder, read_tree, write_tree
from tests.helpers import stored_run
from tracklab.backend.artifact_store import _names
from tracklab.errors import CommError
from tracklab.sdk.artifacts import api_artifacts


@pytest.fixture
def http_folder(tmp_path: Path):
    """A folder served over HTTP on a free local port; yields (folder, base URL)."""
    folder = tmp_path / "served"
    folder.mkdir()
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(folder))
    handler.log_message = lambda *args: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield folder, f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def test_new_file_and_references(tl_dir: Path, tmp_path: Path, http_folder) -> None:
    shared = write_tree(tmp_path / "shared", {"train/a.txt": b"A", "train/b.txt": b"B"})
    served, base = http_folder
    (served / "remote.csv").write_bytes(b"r,1\n")
    run = tracklab.init(project="refs", id="refrun")
    run.log({"x": 1.0})
    art = tracklab.Artifact("mixed", "dataset")
    with art.new_file("notes.txt", mode="w") as handle:
        handle.write("written in place")
    with art.new_file("blob.bin", mode="wb") as handle:
        handle.write(b"\x00\x01\x02")
    with pytest.raises(ValueError, match="already exists"):
        with art.new_file("notes.txt") as handle:
            handle.write("again")
    checked = art.add_reference(f"file://{shared}/train", name="train")
    loose = art.add_reference(f"file://{shared}/train/a.txt", name="loose.txt", checksum=False)
    art.add_reference(f"{base}/remote.csv")
    assert [e.path for e in checked] == ["train/a.txt", "train/b.txt"] and loose[0].digest == loose[0].ref
    run.log_artifact(art).wait()
    run.finish()
    run_id = stored_run(tl_dir, "refs", "refrun").info.run_id
    config_ref = tracklab.Artifact("cfg", "config")
    config_ref.add_reference(f"runs:/{run_id}/config.yaml", name="config.yaml")
    config_ref.save(project="refs")

    api = tracklab.Api()
    stored = api_artifacts.artifact(api, "refs/mixed:latest")
    files = read_tree(stored.download(str(tmp_path / "dl")))
    assert files == {"notes.txt": b"written in place", "blob.bin": b"\x00\x01\x02", "train/a.txt": b"A",
                     "train/b.txt": b"B", "loose.txt": b"A", "remote.csv": b"r,1\n"}
    stored_files = {p.name for p in Path(tl_dir / "artifacts").rglob("*") if p.is_file()}
    assert "a.txt" not in stored_files and "remote.csv" not in stored_files  # references stay where they are
    config = api_artifacts.artifact(api, "refs/cfg:v0").download(str(tmp_path / "cfg"))
    assert Path(config, "config.yaml").read_text().startswith("wandb_version: 1")

    (shared / "train/a.txt").write_bytes(b"changed")  # a checksummed reference notices, an unchecked one does not
    with pytest.raises(ValueError, match="train/a.txt"):
        stored.download(str(tmp_path / "dl2"))
    (served / "remote.csv").unlink()
    with pytest.raises(FileNotFoundError):
        stored.get_entry("remote.csv").download(str(tmp_path / "dl3"))
    stored.download(str(tmp_path / "dl4"), allow_missing_references=True, path_prefix="remote")


def test_media_and_tables_round_trip(tl_dir: Path) -> None:
    pixels = np.arange(8 * 8 * 3, dtype=np.uint8).reshape(8, 8, 3)
    image = tracklab.Image(pixels, caption="ramp")
    table = tracklab.Table(columns=["id", "picture", "score"], data=[[1, image, 0.5], [2, image, 0.75]])
    run = tracklab.init(project="media", id="mediarun")
    art = tracklab.Artifact("preds_model.json", "eval")  # dots are fine (wandb's xgboost names models so)
    art.add(table, "preds")
    art.add(tracklab.Image(pixels), "single")
    assert {"preds.table.json", "single.image-file.json"} <= set(art.manifest.entries)
    run.log_artifact(art).wait()
    run.finish()

    stored = api_artifacts.artifact(tracklab.Api(), "media/preds_model.json:v0")
    back = stored.get("preds")
    assert back.columns == ["id", "picture", "score"] and [row[0] for row in back.data] == [1, 2]
    assert [row[2] for row in back.data] == [0.5, 0.75]
    picture = back.data[0][1]
    assert isinstance(picture, tracklab.Image) and np.array_equal(np.asarray(picture.image), pixels)
    assert np.array_equal(np.asarray(stored.get("single").image), pixels)
    assert stored.get("missing") is None


def test_verify_checkout_and_corruption(tl_dir: Path, tmp_path: Path) -> None:
    data = write_tree(tmp_path / "data", {"a.txt": b"alpha", "deep/b.txt": b"beta"})
    run = tracklab.init(project="ver", id="verrun")
    logged = log_folder(run, "checked", data)
    run.finish()
    stored = api_artifacts.artifact(tracklab.Api(), "ver/checked:v0")
    root = Path(stored.download(str(tmp_path / "copy")))
    stored.verify(str(root))
    (root / "deep/b.txt").write_bytes(b"tampered")
    with pytest.raises(ValueError, match="deep/b.txt"):
        stored.verify(str(root))
    (root / "stray.txt").write_text("not part of it")
    stored.checkout(str(root))
    assert read_tree(root) == read_tree(data)
    stored.verify(str(root))
    # A file corrupted inside the store fails verify() with the entry's name.
    (Path(logged._stored.location) / "a.txt").write_bytes(b"bit rot")
    fresh = Path(api_artifacts.artifact(tracklab.Api(), "ver/checked:v0").download(str(tmp_path / "again")))
    with pytest.raises(ValueError, match="a.txt"):
        stored.verify(str(fresh))


def test_unsafe_names_and_paths_are_refused(tl_dir: Path, tmp_path: Path) -> None:
    source = write_tree(tmp_path / "src", {"f.txt": b"x"}) / "f.txt"
    for bad in ("../x", "a/b", "..", "", "a:b"):
        with pytest.raises(ValueError, match="Artifact name"):
            tracklab.Artifact(bad, "dataset")
    art = tracklab.Artifact("safe", "dataset")
    for bad in ("../evil.txt", "a/../../evil.txt", "/etc/passwd", "C:\\evil.txt", "c:evil", "..\\evil.txt"):
        with pytest.raises(ValueError, match="entry name"):
            art.add_file(str(source), name=bad)
    with pytest.raises(ValueError, match="entry name"):
        with art.new_file("../../outside.txt"):
            pass
    with pytest.raises(ValueError, match="entry name"):
        art.add_reference(f"file://{source}", name="../up.txt")
    with pytest.raises(ValueError, match="reserved|v<number>"):
        art.aliases = ["v3"]
    with pytest.raises(ValueError, match="'/' or ':'"):
        art.aliases = ["a/b"]
    # download never writes outside its root, even through a symlink planted inside it
    art.add_file(str(source), name="sub/f.txt")
    run = tracklab.init(project="safe", id="saferun")
    run.log_artifact(art, aliases=["1.0"]).wait()  # '.' is fine for wandb, sanitised for MLflow
    run.finish()
    stored = api_artifacts.artifact(tracklab.Api(), "safe/safe:1.0")
    assert stored.aliases == ["latest", "1.0"]
    root, outside = tmp_path / "root", tmp_path / "outside"
    root.mkdir()
    outside.mkdir()
    (root / "sub").symlink_to(outside)
    with pytest.raises(ValueError, match="outside"):
        stored.download(str(root))
    assert list(outside.iterdir()) == []
    with pytest.raises(ValueError, match="escape"):
        _names.safe_join(str(root), "../x")
    # a tampered manifest in the store cannot smuggle a '..' path in
    manifest = Path(stored._stored.location) / "tracklab-manifest.json"
    manifest.write_text(manifest.read_text().replace('"sub/f.txt"', '"../../escape.txt"'))
    with pytest.raises(ValueError, match="escape"):
        api_artifacts.artifact(tracklab.Api(), "safe/safe:v0").download(str(tmp_path / "r2"))
    assert not (tmp_path / "escape.txt").exists()


def test_unknown_names_aliases_and_types_name_what_exists(tl_dir: Path, tmp_path: Path) -> None:
    data = write_tree(tmp_path / "d", {"a": b"1"})
    run = tracklab.init(project="known", id="knownrun")
    log_folder(run, "alpha", data, aliases=["best"])
    clash = tracklab.Artifact("alpha", "model")
    clash.add_dir(str(data))
    with pytest.raises(ValueError, match="type 'dataset'"):
        run.log_artifact(clash).wait()
    assert not tracklab.sdk.artifacts.has_staged(run.sync_dir)  # a refused request is not retried by sync
    with pytest.raises(CommError, match=r"'alpha:gold' not found.*versions v0.*aliases best, latest"):
        run.use_artifact("alpha:gold")
    with pytest.raises(CommError, match="artifacts there: alpha"):
        run.use_artifact("beta:latest")
    run.finish()
    assert api_artifacts.artifact_exists(tracklab.Api(), "known/alpha:best")
    assert not api_artifacts.artifact_exists(tracklab.Api(), "known/alpha:v7")
