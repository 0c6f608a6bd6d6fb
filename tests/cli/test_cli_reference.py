"""docs/cli.md is generated from the click commands; `--help` everywhere; `tracklab --help` stays light."""

from __future__ import annotations

from pathlib import Path

from tests.cli._cli import tl
from tests.helpers import REPO, run_python

NEW_COMMANDS = ("restore", "pull", "verify", "gc")


def test_docs_cli_md_is_up_to_date(tmp_path: Path) -> None:
    # Rendered in a fresh interpreter, as the command that writes the page does: commands other
    # tests registered in this process would change click's inherited help options.
    rendered = run_python("import sys; from tracklab.cli.reference import render; sys.stdout.write(render())",
                          cwd=tmp_path).stdout
    page = (REPO / "docs" / "cli.md").read_text()
    assert page == rendered, "docs/cli.md is stale: run `python -m tracklab.cli.reference > docs/cli.md`"
    for name in NEW_COMMANDS:
        assert f"## `tracklab {name}`" in page


def test_every_command_has_help(tmp_path: Path) -> None:
    from tracklab.cli.main import _COMMANDS

    names = {attr.replace("_", "-") for _, attr in _COMMANDS}
    assert set(NEW_COMMANDS) <= names
    for name in NEW_COMMANDS:
        proc = tl(name, "--help", cwd=tmp_path)
        assert proc.stdout.startswith(f"Usage: tracklab {name} ")


def test_help_does_not_import_mlflow(tmp_path: Path) -> None:
    proc = run_python("""
        import sys
        from tracklab.cli.main import main
        code = main(["--help"])
        heavy = sorted(m for m in ("mlflow", "pandas", "numpy", "torch") if m in sys.modules)
        print("CODE", code, "HEAVY", heavy)
    """, cwd=tmp_path)
    assert "CODE 0 HEAVY []" in proc.stdout
