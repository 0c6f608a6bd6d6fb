"""Versions like wandb's on a real store: v0/v1, dedup of identical content (aliases move),
latest, custom aliases, downloads whole and by file, incremental artifacts, links, deletion,
and lineage both ways, checked through TrackLab and through MLflow's own client."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

import tracklab
from tests.artifacts._artifact_support import log_folder, md5, read_tree, settle, write_tree
from tests.helpers import mlflow_client, run_python, stored_run
from tracklab.sdk.artifacts import api_artifacts


def test_versions_dedup_latest_aliases_and_downloads(tl_dir: Path, tmp_path: Path, monkeypatch) -> None:
    data = write_tree(tmp_path / "data", {"a.txt": b"alpha", "sub/b.bin": os.urandom(4096)})
    run = tracklab.init(project="arts", id="producer")
    v0 = log_folder(run, "ds", data, aliases=["best"], description="first", metadata={"rows": 2})
    assert (v0.version, v0.name, v0.aliases) == ("v0", "ds:v0", ["latest", "best"])
    (data / "a.txt").write_bytes(b"alpha, second edition")
    v1 = log_folder(run, "ds", data, aliases=["best", "candidate"])
    assert v1.version == "v1" and v1.aliases == ["latest", "best", "candidate"]
    again = log_folder(run, "ds", data, aliases=["prod"])  # identical content: no v2, aliases added
    assert again.version == "v1" and again.digest == v1.digest
    assert set(again.aliases) == {"latest", "best", "candidate", "prod"}
    run.finish()

    api = tracklab.Api()
    versions = {a.version: a.aliases for a in api_artifacts.artifacts(api, "dataset", "arts/ds")}
    assert versions == {"v0": [], "v1": ["latest", "best", "candidate", "prod"]}  # best moved from v0 to v1
    assert api_artifacts.artifact(api, "arts/ds:latest").version == "v1"
    collection = api_artifacts.artifact_collection(api, "dataset", "arts/ds")
    assert (collection.name, collection.type, collection.is_sequence()) == ("ds", "dataset", True)
    assert [a.version for a in collection.versions()] == ["v0", "v1"]
    assert [c.name for c in api_artifacts.artifact_collections(api, "arts")] == ["ds"]
    assert [t.name for t in api_artifacts.artifact_types(api, "arts")] == ["dataset"]
    assert [c.name for c in api_artifacts.artifact_type(api, "dataset", "arts").collections()] == ["ds"]
    first = api_artifacts.artifact(api, "arts/ds:v0")
    assert (first.description, first.metadata, first.file_count, first.size) == ("first", {"rows": 2}, 2, 4101)

    # The whole version, one file, and a prefix, byte for byte.
    latest = api_artifacts.artifact(api, "arts/ds:best")
    assert read_tree(latest.download(str(tmp_path / "whole"))) == read_tree(data)
    one = latest.get_entry("sub/b.bin").download(str(tmp_path / "one"))
    assert Path(one).read_bytes() == (data / "sub/b.bin").read_bytes()
    assert list(read_tree(latest.download(str(tmp_path / "pre"), path_prefix="sub"))) == ["sub/b.bin"]
    assert read_tree(first.download(str(tmp_path / "old")))["a.txt"] == b"alpha"

    # Plain MLflow: a registered model with versions 1 and 2, aliases, LoggedModels of the producing run.
    client = mlflow_client(tl_dir)
    producer = stored_run(tl_dir, "arts", "producer")
    model = client.get_registered_model("arts.ds")
    assert model.aliases == {"best": 2, "candidate": 2, "prod": 2}
    assert model.tags["tracklab.artifact_type"] == "dataset"
    mvs = sorted(client.search_model_versions("name = 'arts.ds'"), key=lambda mv: int(mv.version))
    assert [int(mv.version) for mv in mvs] == [1, 2] and {mv.run_id for mv in mvs} == {producer.info.run_id}
    logged = client.search_logged_models([producer.info.experiment_id],
                                         filter_string=f"source_run_id = '{producer.info.run_id}'")
    assert len(logged) == 2 and {m.model_type for m in logged} == {"dataset"}
    import mlflow.artifacts

    monkeypatch.setenv("MLFLOW_TRACKING_URI", f"sqlite:///{tl_dir / 'mlflow.db'}")
    plain = mlflow.artifacts.download_artifacts("models:/arts.ds@best", dst_path=str(tmp_path / "plain"))
    assert Path(plain, "a.txt").read_bytes() == b"alpha, second edition"

    # Identical bytes are stored once: both version folders link the same object.
    def inode(version: int) -> int:
        return os.stat(Path(json.loads(mvs[version].tags["tracklab.info"])["location"], "sub/b.bin")).st_ino

    assert inode(0) == inode(1)

    # Re-logging older content makes that version `latest` again (wandb's rule); no new version.
    (data / "a.txt").write_bytes(b"alpha")
    rerun = tracklab.init(project="arts", id="rerun")
    back = log_folder(rerun, "ds", data)
    rerun.finish()
    assert back.version == "v0" and back.aliases == ["latest"]
    assert api_artifacts.artifact(api, "arts/ds:latest").version == "v0"
    assert client.get_registered_model("arts.ds").tags["tracklab.latest"] == "1"


def test_use_in_a_second_process_by_alias_version_and_object_with_lineage(tl_dir: Path, tmp_path: Path) -> None:
    data = write_tree(tmp_path / "data", {"x.csv": b"1,2\n", "y.csv": b"3,4\n"})
    run = tracklab.init(project="lin", id="maker")
    log_folder(run, "tbl", data, aliases=["best"])
    (data / "x.csv").write_bytes(b"5,6\n")
    log_folder(run, "tbl", data)
    run.finish()

    out = run_python(
        """
        import json, tracklab
        from tracklab.sdk.artifacts import api_artifacts
        run = tracklab.init(project="lin", id="taker")
        by_alias = run.use_artifact("tbl:best")
        by_version = run.use_artifact("lin/tbl:v1", type="dataset")
        by_object = run.use_artifact(api_artifacts.artifact(tracklab.Api(), "lin/tbl:v0"))
        files = {a.name: open(a.download() + "/x.csv").read() for a in (by_alias, by_version, by_object)}
        run.finish()
        print(json.dumps(files))
        """,
        cwd=tmp_path,
    )
    assert json.loads(out.stdout.strip().splitlines()[-1]) == {"tbl:v0": "1,2\n", "tbl:v1": "5,6\n"}

    api = tracklab.Api()
    v0 = api_artifacts.artifact(api, "lin/tbl:v0")
    assert v0.logged_by().id == "maker"
    assert [r.id for r in v0.used_by()] == ["taker"]
    taker, maker = api.run("lin/taker"), api.run("lin/maker")
    assert sorted(a.name for a in api_artifacts.used_artifacts(taker)) == ["tbl:v0", "tbl:v1"]
    assert [a.name for a in api_artifacts.logged_artifacts(maker)] == ["tbl:v0", "tbl:v1"]
    assert api_artifacts.logged_artifacts(taker) == [] and api_artifacts.used_artifacts(maker) == []

    # Plain MLflow: the consuming run's model inputs, and a used-by tag on the version.
    client = mlflow_client(tl_dir)
    inputs = client.get_run(taker.mlflow_run_id).inputs.model_inputs
    assert sorted(i.model_id for i in inputs) == sorted([v0.id, api_artifacts.artifact(api, "lin/tbl:v1").id])
    tags = client.get_model_version("lin.tbl", "1").tags
    assert tags[f"tracklab.used_by.{taker.mlflow_run_id}"] == "lin/taker"


def test_incremental_artifacts_and_new_drafts(tl_dir: Path, tmp_path: Path) -> None:
    run = tracklab.init(project="inc", id="incrun")
    for index in range(3):
        part = tracklab.Artifact("shards", "dataset", incremental=True)
        with part.new_file(f"shard-{index}.txt", mode="w") as handle:
            handle.write(f"rows of shard {index}")
        tracklab.log_artifact(part).wait()  # module level: the current run
    assert part.version == "v2"
    assert sorted(part.manifest.entries) == ["shard-0.txt", "shard-1.txt", "shard-2.txt"]

    draft = part.new_draft()
    draft.remove("shard-0.txt")
    with draft.new_file("extra.bin", mode="wb") as handle:
        handle.write(b"\x00\xff")
    run.log_artifact(draft).wait()
    run.finish()
    assert draft.version == "v3"
    files = read_tree(api_artifacts.artifact(tracklab.Api(), "inc/shards:latest").download(str(tmp_path / "d")))
    assert files == {"extra.bin": b"\x00\xff", "shard-1.txt": b"rows of shard 1", "shard-2.txt": b"rows of shard 2"}


def test_links_models_and_deletion(tl_dir: Path, tmp_path: Path) -> None:
    weights = write_tree(tmp_path / "model", {"weights.bin": b"w" * 100, "config.json": b"{}"})
    run = tracklab.init(project="mod", id="trainer")
    logged = run.log_model(str(weights), name="clf", aliases=["good"])
    first = run.link_artifact(logged, "model-registry/Classifier", aliases=["staging"])
    again = run.link_artifact(logged, "model-registry/Classifier", aliases=["prod"])  # same version: same link
    linked = run.link_model(str(weights), "Classifier", name="clf")  # same content: dedups to clf:v0, same link
    assert (logged.version, first.name, again.name, linked.name) == ("v0",) + ("Classifier:v0",) * 3
    assert linked.is_link and {"latest", "staging", "prod"} <= set(linked.aliases)
    path = run.use_model("model-registry/Classifier:prod")
    assert read_tree(path) == read_tree(weights)
    code_dir = write_tree(tmp_path / "src", {"train.py": b"print(1)\n", "notes.md": b"x"})
    code = run.log_code(str(code_dir))
    assert list(code.wait().manifest.entries) == ["train.py"] and code.type == "code"
    run.finish()
    settle(run)

    client = mlflow_client(tl_dir)
    assert client.get_registered_model("Classifier").aliases == {"staging": 1, "prod": 1}
    assert client.get_model_version("Classifier", "1").run_id == stored_run(tl_dir, "mod", "trainer").info.run_id

    api = tracklab.Api()
    clf = api_artifacts.artifact(api, "mod/clf:good")
    with pytest.raises(ValueError, match="aliases"):
        clf.delete()
    # the registry link keeps the files alive; deleting the link and then the version frees them
    api_artifacts.artifact(api, "model-registry/Classifier:v0").unlink()
    location = Path(json.loads(client.get_model_version("mod.clf", "1").tags["tracklab.info"])["location"])
    assert (location / "weights.bin").exists()
    clf.delete(delete_aliases=True)
    assert not location.exists()
    assert not api_artifacts.artifact_exists(api, "mod/clf:v0")
    digest = md5(b"w" * 100)
    assert not (tl_dir / "artifacts" / ".tracklab-objects" / "md5" / digest[:2] / digest[2:]).exists()

    # A model version made with plain MLflow reads as an artifact too (its manifest is built from the files).
    native = write_tree(tmp_path / "native", {"MLmodel": b"flavors: {}\n", "model.pkl": b"pickled"})
    client.create_registered_model("native-model")
    client.create_model_version("native-model", source=str(native), await_creation_for=0)
    client.set_registered_model_alias("native-model", "champion", "1")
    champion = api_artifacts.artifact(api, "model-registry/native-model:champion")
    assert (champion.version, champion.file_count) == ("v0", 2)
    assert read_tree(champion.download(str(tmp_path / "champion"))) == read_tree(native)
