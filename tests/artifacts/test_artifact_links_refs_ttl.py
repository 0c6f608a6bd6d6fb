"""Links made by offline runs (staged, applied by `tracklab sync`) and by live runs,
`wandb-artifact://` references to files of other artifacts, and TTLs with `expired_versions`,
all on a real local store."""

from __future__ import annotations

import datetime
import json
from pathlib import Path

import pytest

import tracklab
from tests.artifacts._artifact_support import log_folder, read_tree, write_tree
from tests.helpers import mlflow_client
from tracklab.sdk.artifacts import (
    ArtifactNotLoggedError,
    ArtifactTTL,
    expired_versions,
    api_artifacts,
)


def _store_uri(tl_dir: Path) -> str:
    return f"sqlite:///{tl_dir / 'mlflow.db'}"


def _link_everything(run, weights: Path, data: Path) -> list:
    """The same link calls for an offline and a live run; returns what they returned."""
    art = tracklab.Artifact("clf", "model")
    art.add_dir(str(weights))
    run.log_artifact(art, aliases=["trained"])
    to_registry = run.link_artifact(art, "model-registry/Classifier", aliases=["staging"])
    to_project = art.link("someone/showcase/best-models", aliases=["pick"])  # entity/project/collection
    detector = run.link_model(str(data), "Detector", name="det", aliases=["prod"])
    stored = run.use_artifact("base/ds:v0")  # a version already in the store
    from_store = run.link_artifact(stored, "model-registry/Datasets")
    return [to_registry, to_project, detector, from_store]


def _check_links(tl_dir: Path, project: str, weights: Path, data: Path, tmp_path: Path) -> None:
    api = tracklab.Api()
    expected = {
        "model-registry/Classifier:staging": (weights, f"{project}/clf:trained"),
        "showcase/best-models:pick": (weights, f"{project}/clf:trained"),
        "model-registry/Detector:prod": (data, f"{project}/det:latest"),
        "model-registry/Datasets:latest": (data, "base/ds:v0"),
    }
    for spec, (folder, source) in expected.items():
        linked = api_artifacts.artifact(api, spec)
        original = api_artifacts.artifact(api, source)
        assert linked.is_link and linked.id == original.id, spec  # same LoggedModel: no files copied
        got = linked.download(str(tmp_path / spec.replace("/", "_").replace(":", "_")))
        assert read_tree(got) == read_tree(folder), spec
    client = mlflow_client(tl_dir)
    assert client.get_model_version("Classifier", "1").tags["tracklab.linked_from"] == f"{project}.clf:1"
    assert set(client.get_registered_model("showcase.best-models").aliases) == {"pick"}


def test_offline_links_are_staged_and_made_by_sync_like_live_links(tl_dir: Path, tmp_path: Path) -> None:
    weights = write_tree(tmp_path / "w", {"weights.bin": b"w" * 64, "config.json": b"{}"})
    data = write_tree(tmp_path / "d", {"rows.csv": b"1,2\n"})
    maker = tracklab.init(project="base", id="maker")
    log_folder(maker, "ds", data)
    maker.finish()

    offline = tracklab.init(project="offl", id="offlinker", mode="offline")
    pending = _link_everything(offline, weights, data)
    for link in pending:
        with pytest.raises(ArtifactNotLoggedError):
            _ = link.version
    offline.finish()
    client = mlflow_client(tl_dir)
    assert [m.name for m in client.search_registered_models("name = 'Classifier'")] == []  # nothing before sync
    from tracklab.backend.run_folder import RunFolder
    from tracklab.backend.writer import sync_folder

    uri = _store_uri(tl_dir)
    staged = sorted(Path(offline.sync_dir, "artifacts", "staged").glob("*.json"))
    kinds = [json.loads(p.read_text())["kind"] for p in staged]
    assert kinds == ["log", "link", "link", "log", "link", "use", "link"]
    assert sync_folder(RunFolder(offline.sync_dir), uri) == "synced"  # the run, then its staged artifact work
    assert tracklab.sdk.artifacts.sync_staged(offline.sync_dir, uri) == 0
    _check_links(tl_dir, "offl", weights, data, tmp_path / "offline")

    # A live run makes the same links at once (each target gets version 2: another source).
    (weights / "weights.bin").write_bytes(b"v" * 64)
    (data / "rows.csv").write_bytes(b"3,4\n")
    live = tracklab.init(project="onl", id="onlinker")
    maker_data = data
    made = _link_everything(live, weights, maker_data)
    assert [m.version for m in made] == ["v1", "v1", "v1", "v0"]  # Datasets: same source, same link
    live.finish()
    expected_base = tmp_path / "base-data"
    write_tree(expected_base, {"rows.csv": b"1,2\n"})
    api = tracklab.Api()
    assert read_tree(api_artifacts.artifact(api, "model-registry/Classifier:staging").download(
        str(tmp_path / "live-clf"))) == read_tree(weights)
    assert read_tree(api_artifacts.artifact(api, "model-registry/Datasets:latest").download(
        str(tmp_path / "live-ds"))) == read_tree(expected_base)


def test_bad_link_targets_are_refused_before_staging(tl_dir: Path, tmp_path: Path) -> None:
    run = tracklab.init(project="badlink", id="bad", mode="offline")
    art = tracklab.Artifact("x", "model")
    with art.new_file("a.txt", mode="w") as handle:
        handle.write("a")
    run.log_artifact(art)
    with pytest.raises(ValueError, match="names a version"):
        run.link_artifact(art, "model-registry/Classifier:v3")
    with pytest.raises(ValueError, match="reserved"):
        run.link_artifact(art, "model-registry/Classifier", aliases=["v1"])
    run.finish()
    staged = list(Path(run.sync_dir, "artifacts", "staged").glob("*.json"))
    assert [json.loads(p.read_text())["kind"] for p in staged] == ["log"]


def test_wandb_artifact_references_resolve_on_download(tl_dir: Path, tmp_path: Path) -> None:
    source = write_tree(tmp_path / "src", {"a.txt": b"alpha", "sub/b.txt": b"beta"})
    run = tracklab.init(project="wref", id="wrefrun")
    base = log_folder(run, "base", source)
    derived = tracklab.Artifact("derived", "dataset")
    derived.add_reference(base.get_entry("a.txt"))                       # wandb: entry -> wandb-artifact://
    derived.add(base.get_path("sub/b.txt"), "renamed.txt")               # an entry object added directly
    derived.add_reference("wandb-artifact://wref/base:latest/a.txt", name="by-path.txt")
    run.log_artifact(derived).wait()
    chained = tracklab.Artifact("chained", "dataset")
    chained.add_reference(derived.get_entry("renamed.txt"), name="deep.txt")  # points at base's file itself
    run.log_artifact(chained).wait()
    run.finish()

    entries = {e.path: e for e in derived.manifest}
    assert {p: e.ref for p, e in entries.items()} == {
        "a.txt": f"wandb-artifact://{base.id}/a.txt", "renamed.txt": f"wandb-artifact://{base.id}/sub/b.txt",
        "by-path.txt": f"wandb-artifact://{base.id}/a.txt"}
    assert entries["a.txt"].digest == base.get_entry("a.txt").digest
    assert chained.get_entry("deep.txt").ref == f"wandb-artifact://{base.id}/sub/b.txt"

    from tracklab.backend.artifact_store._cache import ArtifactCache

    ArtifactCache().cleanup(0)
    api = tracklab.Api()
    got = api_artifacts.artifact(api, "wref/derived:latest")
    folder = got.download(str(tmp_path / "derived"))
    assert read_tree(folder) == {"a.txt": b"alpha", "renamed.txt": b"beta", "by-path.txt": b"alpha"}
    got.verify(folder)
    Path(folder, "renamed.txt").write_bytes(b"tampered")
    with pytest.raises(ValueError, match="renamed.txt"):
        got.verify(folder)
    assert read_tree(api_artifacts.artifact(api, "wref/chained:v0").download(str(tmp_path / "c"))) == {
        "deep.txt": b"beta"}

    # The referenced version deleted: the reference is missing, and may be skipped.
    api_artifacts.artifact(api, "wref/base:v0").delete(delete_aliases=True)
    with pytest.raises(FileNotFoundError, match="a.txt"):
        got.download(str(tmp_path / "gone"))
    assert read_tree(got.download(str(tmp_path / "skip"), allow_missing_references=True)) == {}
    draft = tracklab.Artifact("never-logged", "dataset")
    with draft.new_file("x.txt", mode="w") as handle:
        handle.write("x")
    with pytest.raises(ValueError, match="not stored yet"):
        tracklab.Artifact("d2", "dataset").add_reference(draft.get_entry("x.txt"))
    with pytest.raises(ValueError, match="no stored artifact version"):
        tracklab.Artifact("d3", "dataset").add_reference("wandb-artifact://m-doesnotexist/a.txt")


def test_ttl_is_stored_read_back_and_expired_versions_are_found(tl_dir: Path, tmp_path: Path) -> None:
    run = tracklab.init(project="ttl", id="ttlrun")
    draft = tracklab.Artifact("short", "dataset")
    with pytest.raises(ArtifactNotLoggedError):
        _ = draft.ttl  # ArtifactTTL.INHERIT until logged, as in wandb
    with pytest.raises(ValueError, match="positive"):
        draft.ttl = datetime.timedelta(0)
    with pytest.raises(TypeError, match="timedelta"):
        draft.ttl = 5
    draft.ttl = datetime.timedelta(days=2)
    with draft.new_file("a.txt", mode="w") as handle:
        handle.write("a")
    run.log_artifact(draft).wait()

    plain = log_folder(run, "keep", write_tree(tmp_path / "k", {"k.txt": b"k"}))
    client = mlflow_client(tl_dir)
    client.set_registered_model_tag("ttl.keep", "tracklab.default_ttl", "3600")  # the collection's default
    inherit = tracklab.Artifact("keep", "dataset")
    inherit.ttl = ArtifactTTL.INHERIT
    with inherit.new_file("k2.txt", mode="w") as handle:
        handle.write("k2")
    run.log_artifact(inherit).wait()
    never = tracklab.Artifact("keep", "dataset")
    never.ttl = None  # explicitly no TTL, even with a collection default
    with never.new_file("k3.txt", mode="w") as handle:
        handle.write("k3")
    run.log_artifact(never).wait()
    run.finish()

    api = tracklab.Api()
    short = api_artifacts.artifact(api, "ttl/short:v0")
    assert short.ttl == datetime.timedelta(days=2)
    created = datetime.datetime.strptime(short.created_at, "%Y-%m-%dT%H:%M:%SZ").replace(
        tzinfo=datetime.timezone.utc)
    assert datetime.timedelta(days=2) <= short.expires_at - created < datetime.timedelta(days=2, seconds=1)
    tags = client.get_model_version("ttl.short", "1").tags
    assert tags["tracklab.ttl"] == "172800" and tags["tracklab.expires_at"].startswith(
        short.expires_at.strftime("%Y-%m-%dT%H:%M:%S"))
    assert plain.ttl is None and api_artifacts.artifact(api, "ttl/keep:v0").ttl is None
    assert api_artifacts.artifact(api, "ttl/keep:v1").ttl == datetime.timedelta(hours=1)
    assert api_artifacts.artifact(api, "ttl/keep:v2").ttl is None

    uri = _store_uri(tl_dir)
    now = datetime.datetime.now(datetime.timezone.utc)
    assert expired_versions(uri, now=now) == []
    in_a_day = [a.qualified_name for a in expired_versions(uri, now=now + datetime.timedelta(days=1))]
    assert in_a_day == ["ttl/keep:v1"]
    later = [a.qualified_name for a in expired_versions(uri, now=now + datetime.timedelta(days=3))]
    assert later == ["ttl/keep:v1", "ttl/short:v0"]  # soonest-expired first

    # Changing the TTL of a stored version: set it, then save().
    short.ttl = datetime.timedelta(hours=3)
    short.save()
    assert api_artifacts.artifact(api, "ttl/short:v0").ttl == datetime.timedelta(hours=3)
    short.ttl = None
    short.save()
    assert api_artifacts.artifact(api, "ttl/short:v0").expires_at is None
    assert [a.qualified_name for a in expired_versions(uri, now=now + datetime.timedelta(days=3))] == ["ttl/keep:v1"]
    # Identical content logged again with a TTL: no new version, the TTL moves to the existing one.
    rerun = tracklab.init(project="ttl", id="ttlrerun")
    same = tracklab.Artifact("short", "dataset")
    same.ttl = datetime.timedelta(hours=1)
    with same.new_file("a.txt", mode="w") as handle:
        handle.write("a")
    rerun.log_artifact(same).wait()
    rerun.finish()
    assert same.version == "v0" and same.ttl == datetime.timedelta(hours=1)
    assert len(expired_versions(uri, now=now + datetime.timedelta(days=1))) == 2
    with pytest.raises(ValueError, match="must be timezone-aware"):
        expired_versions(uri, now=datetime.datetime(2030, 1, 1))
