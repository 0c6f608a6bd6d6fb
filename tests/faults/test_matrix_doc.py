"""docs/troubleshooting.md lists the fault matrix one row per fault: every test of tests/faults
has its row, and every row names a test that exists (so the table cannot drift from the tests)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

HERE = Path(__file__).resolve().parent
DOC = HERE.parents[1] / "docs" / "troubleshooting.md"


def _matrix_rows() -> list[str]:
    text = DOC.read_text(encoding="utf-8")
    section = text.split("### The fault matrix", 1)[1].split("\n## ", 1)[0]
    return [line for line in section.splitlines() if line.startswith("| ") and not line.startswith("| Fault")]


def _fault_tests() -> set[str]:
    names = set()
    for path in HERE.glob("test_*.py"):
        if path.name == Path(__file__).name:
            continue
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            if isinstance(node, ast.FunctionDef) and node.name.startswith("test_"):
                names.add(node.name)
    return names


def test_every_fault_test_has_a_row_and_every_row_a_test() -> None:
    rows = _matrix_rows()
    named = set()
    for row in rows:
        cells = [cell.strip() for cell in row.strip("|").split("|")]
        assert len(cells) == 4 and all(cells), f"a row needs fault, what you see, what to do, result: {row}"
        elsewhere = re.findall(r"`(tests/[\w/]+\.py)::(test_\w+)`", cells[3])
        for path, name in elsewhere:  # a fault another suite already injects (a server's, say)
            assert f"def {name}(" in (HERE.parents[1] / path).read_text(encoding="utf-8"), f"no {name} in {path}"
        found = re.findall(r"`(test_\w+)", cells[3])
        assert found or elsewhere or "`…[" in cells[3], f"the row names no test: {row}"
        named.update(found)
    tests = _fault_tests()
    assert named <= tests, f"rows name tests that do not exist: {sorted(named - tests)}"
    assert tests <= named, f"tests without a row in docs/troubleshooting.md: {sorted(tests - named)}"
