"""More wandb behaviour its unit tests revealed, checked on TrackLab in our own words: Bokeh
plots, the video-encoding spinner hook, manifest entry repr, init(dir=) falling back to the
temporary folder, `python -m` programs, the stand-in's `dir(wandb)`, table warnings on the terminal
and the pre-init errors' names."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

import tracklab
from tracklab.backend.artifact_store.manifest import ArtifactManifestEntry
from tracklab.errors import term


def test_bokeh_figures_become_bokeh_json_media(tl_dir: Path) -> None:
    pytest.importorskip("bokeh")
    from bokeh.plotting import figure

    plot = figure(title="t")
    plot.line([1, 2], [3, 4])
    first = tracklab.Bokeh(plot)
    assert first._path.endswith(".bokeh.json")
    assert tracklab.Bokeh(first._path).b_obj is not None  # the file reads back as a Bokeh document
    with tracklab.init(project="bokeh") as run:
        first.bind_to_run(run, "plot", 0)
        assert first.to_json(run)["_type"] == "bokeh-file"
        assert os.path.isfile(os.path.join(run.dir, first.to_json(run)["path"]))
    with pytest.raises(TypeError, match="Bokeh model or document"):
        tracklab.Bokeh(42)


def test_video_encoding_goes_through_the_spinner_unless_quiet(monkeypatch: pytest.MonkeyPatch) -> None:
    np = pytest.importorskip("numpy")
    from tracklab.sdk.lib import printer_asyncio

    calls = []
    monkeypatch.setattr(printer_asyncio, "run_async_with_spinner", lambda printer, text, func: calls.append(text))
    monkeypatch.delenv("WANDB_QUIET", raising=False)
    monkeypatch.delenv("WANDB_SILENT", raising=False)
    frames = np.zeros((1, 1, 4, 4), dtype=np.uint8)
    tracklab.Video(frames, format="gif")
    assert calls == ["Encoding video..."]
    monkeypatch.setenv("WANDB_QUIET", "true")
    tracklab.Video(frames, format="gif")  # encoded directly
    assert calls == ["Encoding video..."]


def test_the_spinner_runs_the_work_and_prints_off_a_terminal(capsys: pytest.CaptureFixture[str]) -> None:
    from tracklab.sdk.lib.printer_asyncio import run_async_with_spinner

    assert run_async_with_spinner(None, "Working...", lambda: 41 + 1) == 42
    assert "Working..." in capsys.readouterr().err


def test_partitioned_tables_outside_an_artifact_have_no_rows() -> None:
    from tracklab.sdk.data_types import PartitionedTable

    table = PartitionedTable(parts_path="parts")
    assert list(table.iterrows()) == []
    assert table == PartitionedTable("parts") and table != PartitionedTable("other")


def test_manifest_entries_show_only_what_is_set() -> None:
    assert repr(ArtifactManifestEntry(path="a", digest="d")) == "ArtifactManifestEntry(path='a', digest='d', skip_cache=False)"
    assert repr(ArtifactManifestEntry(path="a", digest="d", size=0, extra={"k": 1})) == (
        "ArtifactManifestEntry(path='a', digest='d', size=0, extra={'k': 1}, skip_cache=False)")


def test_an_unusable_dir_falls_back_to_the_temporary_folder(tl_dir: Path, tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.delenv("WANDB_SILENT")
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    with tracklab.init(project="dirs", dir=str(blocker / "below"), mode="offline") as run:
        run.log({"a": 1})
    assert run.settings.root_dir == tempfile.gettempdir()
    err = capsys.readouterr().err
    assert f"Unable to create root directory {blocker / 'below'}" in err
    assert f"Falling back to temporary directory {tempfile.gettempdir()}." in err


def test_a_module_run_with_dash_m_is_recorded_as_such(tl_dir: Path, tmp_path: Path) -> None:
    package = tmp_path / "pkg"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "train.py").write_text(
        "import tracklab\nrun = tracklab.init(project='m', mode='offline', save_code=True)\n"
        "run.finish()\nprint(run.dir)\nprint(run.settings.program)\n")
    done = subprocess.run([sys.executable, "-m", "pkg.train"], cwd=tmp_path, capture_output=True, text=True,
                          timeout=120, env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)})
    assert done.returncode == 0, done.stderr
    files_dir, program = done.stdout.strip().splitlines()[-2:]
    assert program == "-m pkg.train"
    assert (Path(files_dir) / "code" / "train.py").is_file()  # save_code keeps the module's file


def test_dir_of_the_stand_in_lists_wandb_names_only() -> None:
    tracklab.enable_wandb_standin(propagate=False)
    try:
        import wandb

        names = dir(wandb)
        assert "init" in names
        assert "tracking_uri" not in names and "backend" not in names
        assert callable(wandb.tracking_uri)  # still reachable
    finally:
        tracklab.disable_wandb_standin()


def test_mutating_a_logged_immutable_table_warns_on_the_terminal(tl_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[str] = []
    monkeypatch.setattr(term, "termwarn", lambda text, **kw: seen.append(text))
    table = tracklab.Table(columns=["a"], data=[[1]], log_mode="IMMUTABLE")
    with tracklab.init(project="tables") as run:
        run.log({"t": table})
        table.add_data(2)
    assert any("You are mutating a Table with log_mode='IMMUTABLE'" in text for text in seen)


def test_pre_init_errors_name_wandb_under_the_stand_in() -> None:
    with pytest.raises(tracklab.Error, match=r"You must call tracklab.init\(\) before tracklab.config.update"):
        tracklab.config.update({"a": 1})
    tracklab.enable_wandb_standin(propagate=False)
    try:
        import wandb

        with pytest.raises(wandb.Error, match=r"You must call wandb.init\(\) before wandb.summary\['x'\]"):
            wandb.summary["x"] = 1
    finally:
        tracklab.disable_wandb_standin()


def test_data_type_and_chart_messages_go_to_the_terminal(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    np = pytest.importorskip("numpy")
    warned: list[str] = []
    monkeypatch.setattr(term, "termwarn", lambda text, **kw: warned.append(text))
    tracklab.Image(np.zeros((4, 4, 4), dtype=np.uint8), file_type="jpg")
    assert "JPEG format does not support transparency. Ignoring alpha channel." in warned
    clip = tmp_path / "clip.gif"
    tracklab.Video(np.zeros((1, 1, 4, 4), dtype=np.uint8), format="gif")  # encodes to a temporary file
    clip.write_bytes(b"GIF89a")
    tracklab.Video(str(clip), fps=10)
    assert any("`fps` argument does not affect the frame rate" in text for text in warned)
    pytest.importorskip("sklearn")
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 2, size=12000)
    probas = rng.random(12000)
    tracklab.plot.roc_curve(labels, np.stack([1 - probas, probas], axis=1))
    assert "wandb uses only 10000 data points to create the plots." in warned


def test_an_image_of_a_url_is_a_reference_entry_of_an_artifact() -> None:
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - http.server's name
            self.send_response(200)
            self.send_header("ETag", '"abc123"')
            self.send_header("Content-Length", "4")
            self.end_headers()
            self.wfile.write(b"jpeg")

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/cat.jpg"
        image = tracklab.Image(url)
        artifact = tracklab.Artifact("refs", "images")
        artifact.add(image, "cat")
        described = image.to_json(artifact)
        entry = artifact.manifest.entries[described["path"]]
        assert described["path"].startswith("media/images/") and described["path"].endswith("/cat.jpg")
        assert (entry.ref, entry.digest, entry.size, entry.extra) == (url, "abc123", 4, {"etag": "abc123"})
    finally:
        server.shutdown()
        server.server_close()


def test_a_step_going_back_is_dropped_with_wandbs_warning(tl_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[str] = []
    monkeypatch.setattr(term, "termwarn", lambda text, **kw: seen.append(text))
    with tracklab.init(project="steps") as run:
        run.log({"a": 1}, step=5)
        run.log({"a": 2}, step=3)
    assert ("Tried to log to step 3 that is less than the current step 5. Steps must be monotonically increasing, "
            "so this data will be ignored. See https://wandb.me/define-metric to log data out of order.") in seen


def test_run_lines_say_wandb_under_the_stand_in(tl_dir: Path) -> None:
    code = ("import tracklab; tracklab.enable_wandb_standin(propagate=False)\n"
            "import wandb\nrun = wandb.init(project='prefix', mode='offline')\nrun.finish()\n")
    env = {k: v for k, v in os.environ.items() if k not in ("WANDB_SILENT", "TRACKLAB_SILENT")}
    env["PYTHONPATH"] = os.pathsep.join(sys.path)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, env=env)
    assert done.returncode == 0, done.stderr
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert lines and all(line.startswith("wandb: ") for line in lines), lines


def test_unlogged_artifact_attributes_are_attribute_errors() -> None:
    from tracklab.sdk.artifacts.exceptions import ArtifactNotLoggedError, ArtifactStatusError

    artifact = tracklab.Artifact("draft", "dataset")
    assert not hasattr(artifact, "version")  # wandb code probes logged-ness this way
    with pytest.raises(ArtifactStatusError, match="used prior to logging"):
        artifact.version
    assert issubclass(ArtifactNotLoggedError, ValueError)  # what TrackLab raised before, still caught


def test_nested_summary_values_change_in_place_and_are_saved(tl_dir: Path) -> None:
    with tracklab.init(project="nested") as run:
        run.summary["best"] = {"acc": 0.5, "at": {"step": 1}}
        run.summary["best"]["acc"] = 0.9
        run.summary["best"]["at"]["step"] = 7
        assert run.summary["best"] == {"acc": 0.9, "at": {"step": 7}}
        del run.summary["best"]["at"]
    stored = tracklab.Api().run(f"nested/{run.id}").summary
    assert stored["best"] == {"acc": 0.9}


def test_a_summary_over_callbacks_reports_each_change() -> None:
    from tracklab.sdk.wandb_summary import Summary

    current = {"a": {"b": {}}, "x": 1}
    records: list = []
    summary = Summary(lambda: current)
    summary._set_update_callback(records.append)
    assert summary.x == 1 and summary["a"]["b"] == {}
    summary["a"]["b"]["c"] = 3
    summary.update({"y": 1, "z": 2})
    del summary["x"]
    assert [(i.key, i.value) for i in records[0].update] == [(("a", "b", "c"), 3)]
    assert [(i.key, i.value) for i in records[1].update] == [(("y",), 1), (("z",), 2)]
    assert [i.key for i in records[2].remove] == [("x",)]
    assert current == {"a": {"b": {}}, "x": 1}  # the callbacks own the values


def test_a_run_without_resume_forgets_the_auto_resume_record(tl_dir: Path) -> None:
    first = tracklab.init(project="auto", resume="auto")
    first.finish()
    again = tracklab.init(project="auto", resume="auto")
    again.finish()
    assert again.id == first.id  # auto resume continues the run of this folder and program
    assert os.path.exists(tracklab.Settings().resume_fname)
    tracklab.init(project="auto").finish()  # no resume: the record goes, as in wandb
    assert not os.path.exists(tracklab.Settings().resume_fname)
    fresh = tracklab.init(project="auto", resume="auto")
    fresh.finish()
    assert fresh.id != first.id
