"""How much of wandb 0.31's public API TrackLab carries, measured by introspecting both.

`python tests/packaging/api_coverage.py` rewrites docs/api-coverage.md; test_api_coverage.py fails
on any gap outside the allow-list and when the committed page is stale.

A wandb name is *covered* when TrackLab has it and, for anything callable, TrackLab's signature
accepts every call wandb's accepts: each parameter wandb accepts by name is accepted by name (or
through `**kwargs`), wandb's positional parameters come in the same order, and nothing wandb lets
a caller omit is required. Names on the allow-list (api_coverage_allow.py) have no local meaning;
each carries its reason.
"""

from __future__ import annotations

import enum
import inspect
import sys
import types
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from tests.packaging.api_coverage_allow import allowed_reason  # noqa: E402

DOC = REPO / "docs" / "api-coverage.md"
#: From this line on the page is written by bench/wandb_unit_tests.py (wandb's own unit tests run
#: against TrackLab); rendering keeps it as it is.
UNIT_TESTS_MARKER = "<!-- wandb unit tests: written by bench/wandb_unit_tests.py --doc -->"
_MISSING = object()


@dataclass
class Surface:
    """One part of wandb's API: the wandb object, TrackLab's counterpart and the names to compare."""

    title: str
    theirs: Any
    ours: Any
    names: list[str]
    #: Extra places a TrackLab name may live (attributes set on instances, Settings fields).
    ours_lookup: Callable[[str], Any] | None = None


@dataclass
class Finding:
    surface: str
    name: str
    status: str  # "covered", "allowed", "missing", "signature"
    detail: str = ""


@dataclass
class Report:
    surfaces: list[Surface]
    findings: list[Finding] = field(default_factory=list)

    def of(self, surface: str, status: str | None = None) -> list[Finding]:
        return [f for f in self.findings if f.surface == surface and (status is None or f.status == status)]

    @property
    def gaps(self) -> list[Finding]:
        return [f for f in self.findings if f.status in ("missing", "signature")]


def _public(obj: Any) -> list[str]:
    return sorted(n for n in dir(obj) if not n.startswith("_"))


def _static(owner: Any, name: str) -> Any:
    try:
        return inspect.getattr_static(owner, name)
    except AttributeError:
        return _MISSING


def _lookup(surface: Surface, name: str) -> Any:
    ours = surface.ours
    if isinstance(ours, types.ModuleType):
        try:
            found = getattr(ours, name, _MISSING)  # lazy attributes import here
        except ImportError as exc:
            # An integration module whose framework is not importable here (keras without a backend):
            # TrackLab carries the name; it only works where the framework does, as in wandb.
            return f"present (needs {exc.name})"
    else:
        found = _static(ours, name)
    if found is _MISSING and surface.ours_lookup is not None:
        found = surface.ours_lookup(name)
    return found


def _unwrap(member: Any) -> Any:
    if isinstance(member, (staticmethod, classmethod)):
        return member.__func__
    return member


def _signature(func: Callable, bound: bool) -> inspect.Signature | None:
    try:
        sig = inspect.signature(func)
    except (TypeError, ValueError):
        return None
    params = list(sig.parameters.values())
    if bound and params and params[0].kind in (params[0].POSITIONAL_ONLY, params[0].POSITIONAL_OR_KEYWORD):
        params = params[1:]  # self / cls of a method read from the class
    return sig.replace(parameters=params)


def signature_problems(theirs: inspect.Signature, ours: inspect.Signature) -> list[str]:
    """Why some call wandb accepts would fail against ours (empty: ours accepts them all)."""
    P = inspect.Parameter
    mine = ours.parameters
    var_kw = any(p.kind == P.VAR_KEYWORD for p in mine.values())
    var_pos = any(p.kind == P.VAR_POSITIONAL for p in mine.values())
    my_positional = [p for p in mine.values() if p.kind in (P.POSITIONAL_ONLY, P.POSITIONAL_OR_KEYWORD)]
    problems = []
    their_positional = [p for p in theirs.parameters.values() if p.kind in (P.POSITIONAL_ONLY, P.POSITIONAL_OR_KEYWORD)]
    for index, param in enumerate(their_positional):
        if index < len(my_positional):
            if my_positional[index].name != param.name and param.kind != P.POSITIONAL_ONLY:
                problems.append(f"positional #{index + 1} is {my_positional[index].name!r}, wandb's is {param.name!r}")
        elif not var_pos:
            problems.append(f"takes {len(my_positional)} positional arguments, wandb takes {len(their_positional)}")
            break
    for param in theirs.parameters.values():
        if param.kind == P.VAR_POSITIONAL and not var_pos:
            problems.append(f"no *{param.name}")
        elif param.kind == P.VAR_KEYWORD and not var_kw:
            problems.append(f"no **{param.name}")
        elif param.kind in (P.POSITIONAL_OR_KEYWORD, P.KEYWORD_ONLY):
            here = mine.get(param.name)
            if (here is None or here.kind in (P.POSITIONAL_ONLY, P.VAR_POSITIONAL, P.VAR_KEYWORD)) and not var_kw:
                problems.append(f"no parameter {param.name!r}")
    their_optional = {p.name for p in theirs.parameters.values() if p.default is not P.empty}
    for index, param in enumerate(my_positional):
        required = param.default is P.empty
        if not required:
            continue
        if index < len(their_positional):
            if their_positional[index].default is not P.empty:
                problems.append(f"requires {param.name!r}, which wandb lets a caller omit")
        else:
            problems.append(f"requires {param.name!r}, which wandb does not have")
    for param in mine.values():
        if param.kind == P.KEYWORD_ONLY and param.default is P.empty and (
                param.name in their_optional or param.name not in theirs.parameters):
            problems.append(f"requires keyword {param.name!r}, which wandb lets a caller omit")
    return problems


def _kind(member: Any) -> str:
    member = _unwrap(member)
    if isinstance(member, types.ModuleType):
        return "module"
    if isinstance(member, type):
        return "class"
    if isinstance(member, property) or type(member).__name__ in ("cached_property", "getset_descriptor"):
        return "property"
    if inspect.isroutine(member):
        return "function"
    return "value"


def compare(surface: Surface, name: str) -> Finding:
    reason = allowed_reason(surface.title, name)
    if reason is not None:
        return Finding(surface.title, name, "allowed", reason)
    ours = _lookup(surface, name)
    if ours is _MISSING:
        return Finding(surface.title, name, "missing", "TrackLab has no such name")
    try:
        theirs = getattr(surface.theirs, name) if isinstance(surface.theirs, types.ModuleType) \
            else _static(surface.theirs, name)
    except ImportError:
        theirs = _MISSING
    if isinstance(theirs, type) and issubclass(theirs, enum.Enum):
        # Enums are used through their members, not called: each member must exist.
        absent = [m for m in theirs.__members__ if not hasattr(ours, m)]
        if absent:
            return Finding(surface.title, name, "signature", f"no members {absent}")
        return Finding(surface.title, name, "covered")
    their_kind, our_kind = _kind(theirs), _kind(ours)
    if their_kind == "function" and our_kind not in ("function", "class") and not callable(ours):
        return Finding(surface.title, name, "signature", f"wandb's is a {their_kind}, TrackLab's a {our_kind}")
    if their_kind == "property" and our_kind == "function":
        return Finding(surface.title, name, "signature", "wandb's is a property, TrackLab's a method")
    if their_kind in ("function", "class") and our_kind in ("function", "class"):
        bound = not isinstance(surface.theirs, types.ModuleType) and not isinstance(_unwrap(theirs), type) \
            and not isinstance(theirs, staticmethod)
        their_sig = _signature(_unwrap(theirs), bound)
        our_sig = _signature(_unwrap(ours), bound and not isinstance(ours, staticmethod))
        if their_sig is not None and our_sig is not None:
            problems = signature_problems(their_sig, our_sig)
            if problems:
                return Finding(surface.title, name, "signature", "; ".join(problems))
    return Finding(surface.title, name, "covered")


def surfaces() -> list[Surface]:
    import wandb
    import wandb.apis.public
    import wandb.plot
    import wandb.sdk.wandb_run

    import tracklab
    import tracklab.apis.public
    import tracklab.plot
    import tracklab.sdk.data_types as our_types

    run_attributes = _instance_attributes(tracklab.Run)
    found = [
        Surface("wandb", wandb, tracklab, sorted(set(_public(wandb)) | set(wandb.__all__) - {"__version__"})),
        Surface("wandb.Run", wandb.sdk.wandb_run.Run, tracklab.Run, _public(wandb.sdk.wandb_run.Run),
                ours_lookup=lambda n: "instance attribute" if n in run_attributes else _MISSING),
        Surface("wandb.Api", wandb.apis.public.Api, tracklab.apis.public.Api, _public(wandb.apis.public.Api)),
        Surface("wandb.data_types", wandb.data_types, our_types, _public(wandb.data_types)),
        Surface("wandb.plot", wandb.plot, tracklab.plot, _public(wandb.plot)),
        Surface("wandb.Artifact", wandb.Artifact, tracklab.Artifact, _public(wandb.Artifact)),
        _settings_surface(wandb.Settings, tracklab.Settings),
    ]
    for type_name in _DATA_TYPES:
        theirs = getattr(wandb, type_name, None) or getattr(wandb.data_types, type_name)
        ours = getattr(tracklab, type_name, None) or getattr(our_types, type_name, None)
        found.append(Surface(f"wandb.{type_name}", theirs, ours if ours is not None else object,
                             _public(theirs) + ["__init__"]))
    return found


_DATA_TYPES = ("Image", "Table", "Histogram", "Audio", "Video", "Object3D", "Molecule", "Html", "Plotly", "Graph",
               "Classes", "JoinedTable", "BoundingBoxes2D", "ImageMask")


def _instance_attributes(cls: type) -> set[str]:
    """Attributes `cls.__init__` assigns (`self.x = ...`): a live Run has them, its class does not."""
    import ast
    import textwrap

    names: set[str] = set()
    for klass in cls.__mro__:
        init = klass.__dict__.get("__init__")
        if init is None or not hasattr(init, "__code__"):
            continue
        tree = ast.parse(textwrap.dedent(inspect.getsource(init)))
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store) \
                    and isinstance(node.value, ast.Name) and node.value.id == "self" and not node.attr.startswith("_"):
                names.add(node.attr)
    return names


def _settings_surface(theirs: type, ours: type) -> Surface:
    """Settings: wandb's pydantic fields and computed fields, and its own methods."""
    import pydantic

    fields = set(theirs.model_fields) | {n for n in theirs.model_computed_fields if not n.startswith("_")}
    methods = {n for n in _public(theirs) if n not in dir(pydantic.BaseModel)}
    known = set(ours.fields())
    return Surface("wandb.Settings", theirs, ours, sorted(fields | methods),
                   ours_lookup=lambda n: "field" if n in known else _MISSING)


def measure() -> Report:
    report = Report(surfaces())
    for surface in report.surfaces:
        for name in surface.names:
            report.findings.append(compare(surface, name))
    return report


def render(report: Report) -> str:
    import wandb

    lines = [
        "# API coverage: wandb 0.31 against TrackLab",
        "",
        "Generated by `python tests/packaging/api_coverage.py` from an introspection of the installed",
        f"wandb {wandb.__version__} and TrackLab; `tests/packaging/test_api_coverage.py` fails when this page",
        "is stale or when a wandb name is missing outside the allow-list. Do not edit by hand.",
        "",
        "A name is **covered** when TrackLab has it and every call wandb's signature accepts is",
        "accepted by TrackLab's (same names or `**kwargs`, same positional order, nothing required",
        "that wandb lets a caller omit). **Allowed** names have no local meaning and are absent or",
        "raise a clear error; each has its reason below. Covered is not the same as identical",
        "behaviour: behaviour is tested by the differential tests against wandb. Allowed `Settings`",
        "fields about wandb's cloud are accepted (settings written for wandb keep working) and have no",
        "effect; a field wandb does not have either is refused with a ValueError, as wandb refuses it.",
        "",
        "| surface | covered | allowed | gaps | total |",
        "|---|---:|---:|---:|---:|",
    ]
    for surface in report.surfaces:
        findings = report.of(surface.title)
        lines.append(f"| `{surface.title}` | {len(report.of(surface.title, 'covered'))} | "
                     f"{len(report.of(surface.title, 'allowed'))} | "
                     f"{len([f for f in findings if f.status in ('missing', 'signature')])} | {len(findings)} |")
    total = len(report.findings)
    covered = len([f for f in report.findings if f.status == "covered"])
    allowed = len([f for f in report.findings if f.status == "allowed"])
    lines += [f"| **all** | **{covered}** | **{allowed}** | **{len(report.gaps)}** | **{total}** |", ""]
    if report.gaps:
        lines += ["## Gaps", ""] + [f"- `{g.surface}.{g.name}`: {g.detail}" for g in report.gaps] + [""]
    lines += ["## Allow-list", ""]
    for surface in report.surfaces:
        allowed_here = report.of(surface.title, "allowed")
        if not allowed_here:
            continue
        lines += [f"### `{surface.title}`", "", "| name | why it is not carried |", "|---|---|"]
        lines += [f"| `{f.name}` | {f.detail} |" for f in allowed_here] + [""]
    return "\n".join(lines) + unit_tests_section()


def unit_tests_section() -> str:
    """The part of the page bench/wandb_unit_tests.py wrote (empty when there is none)."""
    text = DOC.read_text() if DOC.exists() else ""
    at = text.find(UNIT_TESTS_MARKER)
    return "\n" + text[at:] if at >= 0 else ""


def main() -> None:
    report = measure()
    DOC.write_text(render(report))
    print(f"wrote {DOC.relative_to(REPO)}: {len(report.gaps)} gaps")
    for gap in report.gaps:
        print(f"  {gap.surface}.{gap.name}: {gap.detail}")


if __name__ == "__main__":
    main()
