"""Every command, given an empty or wrong store, a missing run or a bad argument, prints one clear
line (no traceback) and exits non-zero."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli._cli import make_run, tl
from tests.helpers import free_port
from tracklab.cli.main import main

# (arguments, what the one line must say); {project} is a project of the store used.
MISSING_STORE_OR_RUN = [
    (["runs", "ls"], None),
    (["runs", "ls", "{project}"], None),
    (["runs", "show", "{project}/nosuchrun"], None),
    (["restore", "{project}/nosuchrun"], None),
    (["pull", "{project}/nosuchrun"], None),
    (["artifact", "ls", "{project}"], None),
    (["artifact", "get", "{project}/nosuch:v0"], None),
    (["sweep", "--stop", "nosuch"], "no sweep 'nosuch'"),
    (["agent", "nosuch"], "no sweep 'nosuch'"),
]

BAD_ARGUMENTS = [
    (["sync", "/nonexistent/run"], "does not exist"),
    (["import-wandb", "/nonexistent/wandb"], "does not exist"),
    (["artifact", "put", "/nonexistent/file"], "/nonexistent/file"),
    (["sweep", "/nonexistent/sweep.yaml"], "/nonexistent/sweep.yaml"),
    (["runs", "show", "no-slash"], None),
    (["ui", "--port", "not-a-number"], "not-a-number"),
    (["run"], "give the command to run"),
    (["nosuchcommand"], "No such command"),
]


def _check(args: list[str], says: str | None, project: str, capsys: pytest.CaptureFixture[str]) -> str:
    argv = [a.format(project=project) for a in args]
    code = main(argv)
    out, err = capsys.readouterr()
    shown = out + err
    assert code != 0, f"tracklab {' '.join(argv)} exited 0:\n{shown}"
    assert "Traceback" not in shown, f"tracklab {' '.join(argv)} printed a traceback:\n{shown}"
    last = [line for line in err.splitlines() if line.strip()][-1]
    assert last.startswith(("Error: ", "tracklab: ERROR ")), f"tracklab {' '.join(argv)}: {err!r}"
    if says is not None:
        assert says in last, f"tracklab {' '.join(argv)}: {last!r}"
    return last


def test_empty_store_gives_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                    capsys: pytest.CaptureFixture[str]) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    monkeypatch.setenv("TRACKLAB_DIR", str(empty))
    monkeypatch.chdir(tmp_path)
    for args, says in MISSING_STORE_OR_RUN:
        last = _check(args, says, "mnist", capsys)
        if says is None:
            assert "no TrackLab store" in last, last
    assert not (empty / "mlflow.db").exists()  # reading never creates a store


def test_wrong_store_gives_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                    capsys: pytest.CaptureFixture[str]) -> None:
    wrong = tmp_path / "wrong"
    wrong.mkdir()
    (wrong / "mlflow.db").write_text("not a database")
    monkeypatch.setenv("TRACKLAB_DIR", str(wrong))
    monkeypatch.chdir(tmp_path)
    for args, _ in [*MISSING_STORE_OR_RUN[:7], (["gc", "--yes"], None)]:
        last = _check(args, None, "mnist", capsys)
        assert "not a database" in last, last
    # `tracklab ui` checks the store before it starts a server.
    ui = tl("ui", "--port", str(free_port()), cwd=tmp_path, check=False, timeout=120)
    assert ui.returncode == 1 and ui.stderr.strip().splitlines() == ["Error: DatabaseError: file is not a database"]


def test_unreachable_server_fails_in_seconds_with_one_line(tmp_path: Path) -> None:
    uri = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    for args in (["runs", "ls", "--tracking-uri", uri], ["runs", "show", "p/r", "--tracking-uri", uri]):
        done = tl(*args, cwd=tmp_path, check=False, timeout=120)
        assert done.returncode == 1 and "Traceback" not in done.stderr, done.stderr
        assert done.stderr.strip().splitlines()[-1] == f"Error: cannot reach the MLflow server at {uri}: Connection refused"


def test_missing_run_and_bad_arguments_give_one_line(tl_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    make_run(Path.cwd(), project="present")
    missing = [case for case in MISSING_STORE_OR_RUN if "nosuch" in " ".join(case[0])]
    for args, says in [*missing, *BAD_ARGUMENTS]:
        _check(args, says, "present", capsys)
    _check(["runs", "ls", "absent"], "no runs in project 'absent'", "present", capsys)
