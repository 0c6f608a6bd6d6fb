"""TrackLab's serialize_value against real wandb 0.31 offline, case by case.

For every construction in `_cases` the descriptor must equal wandb's, and every
file it names must exist under the same path with the same bytes (sha256).

Volatile in wandb itself, so compared by shape only: the `artifact_path` and
`_latest_artifact_path` of tables (random 128-character client ids) and the
timestamp in an incremental table's artifact entry name.
"""

from __future__ import annotations

import hashlib
import math
import os
import re
from typing import Any

import pytest

import _dt_cases as _cases

_CLIENT_REF = re.compile(r"^wandb-client-artifact://[0-9a-z]{128}(:latest)?/(.+)$")


def _normalize(value: Any) -> Any:
    """Replace wandb's random artifact client ids by a marker; NaN by a string."""
    if isinstance(value, dict):
        return {k: _normalize(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_normalize(v) for v in value]
    if isinstance(value, str):
        m = _CLIENT_REF.match(value)
        if m:
            # An incremental table's entry is "<increment>-<epoch ms>.<key>".
            entry = re.sub(r"^(\d+|None)-\d+\.", r"\1-<ms>.", m.group(2))
            return f"<client-artifact{m.group(1) or ''}>/{entry}"
    if isinstance(value, float) and math.isnan(value):
        return "NaN"
    return value


def _flatten(row: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in row.items():
        if isinstance(v, dict) and v and "_type" not in v:
            out.update(_flatten(v, f"{prefix}{k}."))  # wandb's API joins nested keys with "."
        else:
            out[f"{prefix}{k}"] = v
    return out


def _paths(value: Any) -> list[str]:
    """Every media file a descriptor refers to."""
    found: list[str] = []
    if isinstance(value, dict):
        for k, v in value.items():
            if k == "path" and isinstance(v, str) and v.startswith("media/"):
                found.append(v)
            elif k == "filenames" and isinstance(v, list):
                found.extend(p for p in v if isinstance(p, str) and p.startswith("media/"))
            else:
                found.extend(_paths(v))
    elif isinstance(value, list):
        for v in value:
            found.extend(_paths(v))
    return found


def _sha(path: str) -> str:
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def _check(theirs: Any, mine: Any, their_dir: str, my_dir: str, subdir: str = "") -> None:
    assert _normalize(mine) == _normalize(theirs)
    for rel in _paths(theirs):
        rel = os.path.join(subdir, rel) if subdir else rel
        assert os.path.exists(os.path.join(my_dir, rel)), f"missing file {rel}"
        assert _sha(os.path.join(my_dir, rel)) == _sha(os.path.join(their_dir, rel)), rel


_STEP0 = sorted(_flatten({k: 0 for k in _cases.CASES} | {"nested": {"inner_img": 0, "v": 0, "h": 0}}))
_STEP0 = [k for k in _STEP0 if k != "nested"]


@pytest.mark.parametrize("key", _STEP0)
def test_history_value_matches_wandb(key: str, oracle: dict, ours: dict) -> None:
    theirs = oracle["history"][0][key]
    mine = _flatten(ours["history"][0])[key]
    _check(theirs, mine, oracle["files_dir"], ours["files_dir"])


@pytest.mark.parametrize("key", sorted(_cases.STEP3_CASES))
def test_value_logged_with_explicit_step_matches_wandb(key: str, oracle: dict, ours: dict) -> None:
    # wandb names the file with its internal log counter (1 here), not step=3.
    assert oracle["history"][1]["_step"] == 3
    _check(oracle["history"][1][key], ours["history"][1][key], oracle["files_dir"], ours["files_dir"])


@pytest.mark.parametrize("key", sorted(_cases.SUMMARY_CASES))
def test_summary_assignment_matches_wandb(key: str, oracle: dict, ours: dict) -> None:
    _check(oracle["summary"][key], ours["summary"][key], oracle["files_dir"], ours["files_dir"])


def test_summary_holds_the_history_descriptors(oracle: dict) -> None:
    # The core stores serialize_value's result in the summary as is: wandb's
    # summary for a logged key is the same dict as the history cell.
    for key in ("img_rgb", "imgs", "table", "np_big", "html"):
        assert _normalize(oracle["summary"][key]) == _normalize(oracle["history"][0][key])


def test_class_labels_reach_config_like_wandb(oracle: dict, ours: dict) -> None:
    theirs = oracle["config"]["_wandb"]
    mine = ours["run"].singletons
    for data_type in ("mask/class_labels", "bounding_box/class_labels"):
        assert _normalize(_jsonish(mine[data_type])) == _normalize(theirs[data_type])


def _jsonish(value: Any) -> Any:
    import json

    return json.loads(json.dumps(value))


def test_table_artifacts_like_wandb(oracle: dict, ours: dict) -> None:
    theirs = {a["name"].split("-", 2)[2]: a for a in oracle["artifacts"]}
    mine = {a.name.split("-", 2)[2]: a for a in ours["run"].table_artifacts}
    assert sorted(mine) == sorted(theirs)
    for name, art in theirs.items():
        assert mine[name].type == art["type"]
        their_entries = sorted(_entry_name(e["path"]) for e in art["entries"])
        my_entries = sorted(_entry_name(p) for p in mine[name].files)
        if name == "table_images":
            # Media cells go in under their temporary (random) file names.
            their_entries = [e for e in their_entries if not e.startswith("media/")]
            my_entries = [e for e in my_entries if not e.startswith("media/")]
        assert my_entries == their_entries


def _entry_name(path: str) -> str:
    # Volatile parts of entry names: an increment's timestamp, a joined part's id().
    path = re.sub(r"^None-\d+\.", "None-<ms>.", path)
    return re.sub(r"^t([12])_\d+\.", r"t\1_<id>.", path)


def test_table_artifact_json_like_wandb(oracle: dict, ours: dict) -> None:
    import json

    theirs = {a["name"].split("-", 2)[2]: a for a in oracle["artifacts"]}
    mine = {a.name.split("-", 2)[2]: a for a in ours["run"].table_artifacts}
    for name in ("table", "table_np", "table_df", "table_rows", "table_mixed", "table_arrays", "table_images"):
        their_entry = next(e for e in theirs[name]["entries"] if e["path"].endswith(".table.json"))
        my_path = next(p for n, p in mine[name].files.items() if n.endswith(".table.json"))
        with open(their_entry["local_path"]) as f:
            their_json = json.load(f)
        with open(my_path) as f:
            my_json = json.load(f)
        if name == "table_images":
            for row in their_json["data"] + my_json["data"]:
                row[1]["path"] = "<tmp name>"
        assert my_json == their_json, name
