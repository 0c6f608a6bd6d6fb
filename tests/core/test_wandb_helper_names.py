"""The helper modules scripts import from wandb (`wandb.util`, `wandb.sdk.lib.hashutil`,
`wandb.sdk.lib.runid`, `wandb.sdk.lib.run_moment`, `wandb.env`, `wandb.errors.term`), as
TrackLab provides them: checked against values worked out by hand, not against wandb."""

from __future__ import annotations

import base64
import hashlib
import io
import json
import multiprocessing
import random
import subprocess
import sys
from pathlib import Path

import pytest

from tracklab import env, util
from tracklab.errors import UsageError, term
from tracklab.sdk.lib import hashutil, runid
from tracklab.sdk.lib.run_moment import RunMoment


# -- hashes ------------------------------------------------------------------------------------
def test_md5_of_a_text_is_base64_of_its_utf8_bytes() -> None:
    text = "é-ü"
    assert hashutil.md5_string(text) == base64.b64encode(hashlib.md5(text.encode()).digest()).decode()


def test_md5_of_files_reads_them_in_sorted_path_order(tmp_path: Path) -> None:
    (tmp_path / "b").write_bytes(b"second")
    (tmp_path / "a").write_bytes(b"first")
    joined = hashlib.md5(b"firstsecond")
    assert hashutil.md5_file_hex(tmp_path / "b", tmp_path / "a") == joined.hexdigest()
    assert hashutil.md5_file_b64(str(tmp_path / "b"), tmp_path / "a") == base64.b64encode(joined.digest()).decode()
    assert hashutil.md5_file_hex() == hashlib.md5(b"").hexdigest()


def test_hex_and_base64_digests_convert_both_ways() -> None:
    raw = bytes(range(7))
    assert hashutil.hex_to_b64_id(raw.hex()) == base64.b64encode(raw).decode()
    assert hashutil.hex_to_b64_id(raw.hex().encode()) == base64.b64encode(raw).decode()
    assert hashutil.b64_to_hex_id(base64.b64encode(raw)) == raw.hex()


# -- run ids -----------------------------------------------------------------------------------
def test_fast_ids_ignore_the_global_seed_and_differ_in_forked_children() -> None:
    random.seed(3)
    first = runid.generate_fast_id(32)
    random.seed(3)
    assert runid.generate_fast_id(32) != first
    assert set(runid.generate_fast_id(2000)) == set("abcdefghijklmnopqrstuvwxyz0123456789")
    ctx = multiprocessing.get_context("fork")
    with ctx.Pool(2) as pool:
        ids = pool.map(runid.generate_fast_id, [64, 64])
    assert len(set(ids)) == 2


# -- run moments -------------------------------------------------------------------------------
def test_a_run_moment_is_a_run_id_and_a_step() -> None:
    moment = RunMoment.from_uri("abc123?_step=40")
    assert (moment.run, moment.metric, moment.value) == ("abc123", "_step", 40)
    assert str(moment) == "abc123?_step=40"


@pytest.mark.parametrize("uri", ["abc?loss=1", "abc?_step=x", "a/b?_step=1", "abc?_step=1&x=2", "abc?_step=1#f",
                                 "s3://abc?_step=1", "?_step=1"])
def test_a_malformed_run_moment_names_the_rule(uri: str) -> None:
    with pytest.raises(ValueError, match="_step"):
        RunMoment.from_uri(uri)


def test_a_run_moment_refuses_a_non_string_run() -> None:
    with pytest.raises(ValueError, match="run must be a string"):
        RunMoment(run=7, value=1)  # type: ignore[arg-type]


# -- util: sizes, uris, names --------------------------------------------------------------------
def test_human_sizes_pick_the_largest_unit_the_size_exceeds() -> None:
    assert util.to_human_size(999) == "999.0B"
    assert util.to_human_size(2_000_000) == "2.0MB"
    assert util.to_human_size(2048, units=util.POW_2_BYTES) == "2.0KiB"
    assert util.from_human_size("2.0MB") == 2_000_000
    assert util.from_human_size("1.5KiB", units=util.POW_2_BYTES) == 1536
    with pytest.raises(ValueError, match="KiB"):
        util.from_human_size("3 parsecs", units=util.POW_2_BYTES)


def test_uris_and_local_paths() -> None:
    assert util.is_uri("gs://bucket/x") and not util.is_uri("bucket/x")
    assert util.local_file_uri_to_path("file:///tmp/x") == "/tmp/x"
    assert util.local_file_uri_to_path("file://host/x") == ""
    assert util.get_local_path_or_none("file:///tmp/x") == "/tmp/x"
    assert util.get_local_path_or_none("s3://bucket/x") is None
    assert util.get_local_path_or_none("relative/x") == "relative/x"


def test_docker_helpers() -> None:
    assert util.image_from_docker_args(["run", "--rm", "-e", "A=1", "--name", "job", "python:3.11", "bash"]) == "python:3.11"
    assert util.make_docker_image_name_safe("Org/Some Repo..v2") == "org__some-repo.v2"
    assert util.make_docker_image_name_safe("___") == "image"


def test_app_url_follows_the_api_host(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("WANDB_APP_URL", raising=False)
    assert util.app_url("https://api.example.org") == "https://app.example.org"
    assert util.app_url("https://api.wandb.ai") == "https://wandb.ai"
    assert util.app_url("http://localhost:8080/") == "http://localhost:8080"
    monkeypatch.setenv("WANDB_APP_URL", "https://ui.example.org/")
    assert util.app_url("https://api.example.org") == "https://ui.example.org"


def test_downsample_keeps_both_ends_and_refuses_a_target_under_two() -> None:
    assert util.downsample(list(range(10)), 4) == [0, 3, 6, 9]
    assert util.downsample([1, 2], 5) == [1, 2]
    with pytest.raises(UsageError, match="at least 2"):
        util.downsample([1, 2, 3], 1)


def test_json_helpers() -> None:
    np = pytest.importorskip("numpy")
    assert util.json_dumps_safer_history({"x": np.float32("nan")}) == '{"x":NaN}'
    assert util.make_json_if_not_number(2.5) == 2.5
    assert json.loads(util.make_json_if_not_number([1, "a"])) == [1, "a"]
    assert util.make_safe_for_json({"a": [float("inf"), float("nan")]}) == {"a": ["Infinity", "NaN"]}
    buffer = io.StringIO()
    util.json_dump_uncompressed({"n": np.int64(4)}, buffer)
    assert json.loads(buffer.getvalue()) == {"n": 4}


def test_json_friendly_val_walks_dataclasses() -> None:
    from dataclasses import dataclass

    class Opaque:
        def __str__(self) -> str:
            return "opaque!"

    @dataclass
    class Inner:
        flag: bool
        other: object

    @dataclass
    class Outer:
        inner: Inner

    assert util.json_friendly_val(Outer(Inner(True, Opaque()))) == {"inner": {"flag": True, "other": "opaque!"}}
    assert util.json_friendly_val(float("nan")) is None


def test_aliases_always_hold_latest_once() -> None:
    assert util._resolve_aliases(None) == ["latest"]
    assert util._resolve_aliases("best") == ["best", "latest"]
    assert util._resolve_aliases(["latest", "x", "x"]) == ["latest", "x"]
    with pytest.raises(ValueError, match="iterable"):
        util._resolve_aliases(3)  # type: ignore[arg-type]


def test_old_run_folders_are_reported_on_the_terminal(capsys: pytest.CaptureFixture[str]) -> None:
    assert util.check_and_warn_old(["wandb-metadata.json"]) is True
    assert "These runs were logged with a previous version of wandb." in capsys.readouterr().err
    assert util.check_and_warn_old(["config.yaml"]) is False


# -- env -------------------------------------------------------------------------------------------
def test_env_names_and_readers(monkeypatch: pytest.MonkeyPatch) -> None:
    assert env.SILENT == "WANDB_SILENT" and env.CACHE_DIR == "WANDB_CACHE_DIR"
    monkeypatch.setenv("WANDB_SILENT", "true")
    monkeypatch.setenv("TRACKLAB_SILENT", "false")
    assert env.is_silent() is False  # the TrackLab twin wins
    monkeypatch.setenv("WANDB_TAGS", "a, b,,c")
    assert env.get_tags() == ["a", "b", "c"]
    with pytest.raises(ValueError, match="invalid truth value"):
        env.strtobool("maybe")


# -- the terminal module under wandb's name ---------------------------------------------------------
def test_the_stand_in_gives_the_terminal_module_at_wandb_errors_term() -> None:
    code = (
        "import tracklab; tracklab.enable_wandb_standin(propagate=False)\n"
        "import wandb\n"
        "from wandb.errors import term\n"
        "from wandb.sdk.lib import hashutil, runid, filesystem, module, paths\n"
        "from wandb.sdk.lib.run_moment import RunMoment\n"
        "from wandb.sdk.lib.noop_run import NoopRun\n"
        "assert isinstance(wandb.init(mode='disabled'), NoopRun)\n"
        "from wandb import env, util\n"
        "seen = []\n"
        "term.termwarn = lambda s, **k: seen.append(s)\n"
        "util.check_and_warn_old(['wandb-metadata.json'])\n"
        "assert seen and 'previous version' in seen[0], seen\n"
        "assert wandb.termwarn is not None and wandb.termerror is not None and wandb.termlog is not None\n"
        "assert wandb.sdk.Config is wandb.Config and wandb.sdk.Summary is wandb.Summary\n"
        "print('ok')\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "ok"


def test_terminput_refuses_without_a_terminal() -> None:
    assert term.can_use_terminput() is False  # pytest captures stdin
    with pytest.raises(term.NotATerminalError):
        term.terminput("name? ")


def test_more_util_helpers(tmp_path: Path) -> None:
    np = pytest.importorskip("numpy")
    assert util.make_file_path_upload_safe("/a/../b/./c") == "a/__/b/_/c"
    assert util.time_string_to_seconds("3d") == 3 * 86400
    with pytest.raises(ValueError, match="one of"):
        util.time_string_to_seconds("soon")
    assert util.alias_is_version_index("v3") and not util.alias_is_version_index("latest")
    assert not util.check_windows_valid_filename("a|b") and util.check_windows_valid_filename("ab")
    assert (util.host_from_path("s3://bucket/k/x"), util.uri_from_path("s3://bucket/k/x")) == ("bucket", "k/x")
    assert util.has_num({"a": 1.5}, "a") and not util.has_num({"a": "x"}, "a")
    assert json.loads(json.dumps({"n": np.int32(3)}, cls=util.WandBJSONEncoder)) == {"n": 3}
    assert util.is_numpy_array(np.zeros(2)) and not util.is_numpy_array([0, 0])
    assert util.is_pytorch_tensor_typename("torch.Tensor") and util.is_pandas_data_frame_typename("pandas.DataFrame")
    assert util.api_to_app_url("https://api.example.org/") == "https://app.example.org"
    out = tmp_path / "x.json"
    with open(out, "w") as handle:
        util.json_dump_safer({"v": float("inf")}, handle)
    assert out.read_text() == '{"v":Infinity}'
