"""wandb 0.31's public API against TrackLab's, by introspection (see api_coverage.py)."""

from __future__ import annotations

import inspect

import pytest

from tests.packaging import api_coverage


@pytest.fixture(scope="module")
def report() -> api_coverage.Report:
    return api_coverage.measure()


def _sig(func) -> inspect.Signature:
    return inspect.signature(func)


def test_signature_rule_catches_what_wandb_accepts_and_we_reject() -> None:
    def theirs(name, step=None, *, commit=None, **extra): ...

    assert api_coverage.signature_problems(_sig(theirs), _sig(lambda name, step=None, *, commit=None, **kw: 0)) == []
    assert api_coverage.signature_problems(_sig(theirs), _sig(lambda name, step=None, **kw: 0)) == []
    assert "no parameter 'commit'" in api_coverage.signature_problems(_sig(theirs), _sig(lambda name, step=None: 0))[0]
    assert "positional #2 is 'commit'" in api_coverage.signature_problems(
        _sig(theirs), _sig(lambda name, commit=None, step=None, **kw: 0))[0]
    assert any("requires 'step'" in p for p in api_coverage.signature_problems(
        _sig(theirs), _sig(lambda name, step, *, commit=None, **kw: 0)))
    assert any("requires keyword 'mode'" in p for p in api_coverage.signature_problems(
        _sig(theirs), _sig(lambda name, step=None, *, mode, **kw: 0)))


def test_every_allow_list_entry_names_a_real_wandb_name_and_a_reason(report: api_coverage.Report) -> None:
    from tests.packaging.api_coverage_allow import ALLOWED, SIGNATURE_ONLY, accepted_without_effect

    names = {s.title: set(s.names) for s in report.surfaces}
    for surface, entries in ALLOWED.items():
        assert surface in names, f"allow-list surface {surface!r} is not measured"
        stale = sorted(set(entries) - names[surface])
        assert not stale, f"{surface}: allow-listed names wandb does not have: {stale}"
        assert all(reason.strip() for reason in entries.values())
    # An allowed name TrackLab now carries should be counted as covered instead.
    carried = [f"{f.surface}.{f.name}" for f in report.findings if f.status == "allowed"
               and api_coverage._lookup(next(s for s in report.surfaces if s.title == f.surface), f.name)
               is not api_coverage._MISSING and not f.name.startswith("validate_")
               and (f.surface, f.name) not in SIGNATURE_ONLY and f.name not in accepted_without_effect(f.surface)]
    assert not carried, f"allow-listed but carried by TrackLab (remove from the allow-list): {carried}"


def test_committed_coverage_page_is_current(report: api_coverage.Report) -> None:
    expected = api_coverage.render(report)
    assert api_coverage.DOC.exists() and api_coverage.DOC.read_text() == expected, (
        "docs/api-coverage.md is stale: run `python tests/packaging/api_coverage.py`")


def test_no_wandb_name_is_missing_outside_the_allow_list(report: api_coverage.Report) -> None:
    gaps = [f"{g.surface}.{g.name}: {g.detail}" for g in report.gaps]
    assert not gaps, f"{len(gaps)} wandb names missing or narrower in TrackLab:\n" + "\n".join(gaps)
