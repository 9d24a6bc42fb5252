"""A check kind added from outside the package plugs in through the registry alone: spec, plan,
judge and the public bundle, with no engine module changed; the engine names no kind by class."""

from __future__ import annotations

import ast
import textwrap
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from autograder.checks import registry
from autograder.checks.kind import CheckKind, Plan, Site, Trusted, value_of
from autograder.errors import SpecError
from autograder.grader import grade_submission
from autograder.models import AssignmentSpec, Call, CallResult, CheckOutcome, CheckSpec, frozen
from autograder.prepare import prepare
from autograder.public import load_public, write_public
from autograder.schema import Reader
from autograder.spec import load_spec
from autograder.submission import Submission

PACKAGE = Path(__file__).resolve().parents[2] / "autograder"


@frozen
class IntervalCheck(CheckSpec):
    """A toy kind: a module-level number that must lie in [low, high]."""

    kind = "interval"
    answer: str
    low: float
    high: float


def _parse(r: Reader) -> IntervalCheck:
    low, high = r.get("low", float), r.get("high", float)
    if low > high:
        r.fail(r.key("low"), "must not exceed high")
    return IntervalCheck(
        answer=r.name("answer"), low=low, high=high, weight=r.get("weight", float, 1.0)
    )


def _plan(spec: AssignmentSpec, check: IntervalCheck, trusted: Trusted, site: Site) -> Plan:
    call = Call(id=site.prefix, kind="get", name=check.answer)
    return Plan(
        question=site.question,
        kind="interval",
        calls=(call,),
        weight=check.weight,
        expected=(check.answer, check.low, check.high),
        check=check,
    )


def _judge(plan: Plan, returned: Mapping[str, CallResult]) -> CheckOutcome:
    name, low, high = plan.expected
    value = value_of(returned, plan.calls[0])
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        return CheckOutcome(credit=0.0, status="failed", feedback=f"{name} must be a number")
    inside = low <= value <= high
    return CheckOutcome(
        credit=float(inside),
        status="passed" if inside else "failed",
        feedback=f"{name} = {value:g} is {'inside' if inside else 'outside'} [{low:g}, {high:g}]",
    )


def _to_public(plan: Plan) -> dict[str, Any]:
    name, low, high = plan.expected
    return {"kind": "interval", "answer": name, "low": low, "high": high}


def _from_public(data: Mapping[str, Any], site: Site) -> Plan:
    call = Call(id=site.prefix, kind="get", name=data["answer"])
    return Plan(
        question=site.question,
        kind="interval",
        calls=(call,),
        weight=float(data["weight"]),
        expected=(data["answer"], data["low"], data["high"]),
    )


INTERVAL = CheckKind(
    name="interval",
    spec=IntervalCheck,
    keys=("answer", "low", "high"),
    parse=_parse,
    plan=_plan,
    judge=_judge,
    to_public=_to_public,
    from_public=_from_public,
)


@pytest.fixture()
def toy(tmp_path: Path):
    registry.register(INTERVAL)
    folder = tmp_path / "solutions" / "toy"
    folder.mkdir(parents=True)
    (folder / "assignment.yaml").write_text(
        textwrap.dedent("""\
        title: A toy assignment with a kind of its own
        student_file: toy.py
        limits: {wall_seconds: 20, call_seconds: 3, memory_mb: 2048, cpu_seconds: 20}
        questions:
          - id: rate
            points: 2
            visibility: public
            checks:
              - {kind: interval, answer: RATE, low: 0.9, high: 1.1}
    """)
    )
    (folder / "toy.py").write_text("# BEGIN SOLUTION\nRATE = 1.0\n# END SOLUTION\n")
    yield folder
    registry.unregister("interval")


def _grade(prepared, source: str, sandbox) -> float:
    sub = Submission(student="s", filename="toy.py", data=source.encode())
    return grade_submission(prepared, sub, sandbox).score


def test_a_new_kind_is_graded_and_published_through_the_registry(toy, tmp_path, sandbox):
    prepared = prepare(load_spec(toy))
    assert [p.kind for p in prepared.plans["rate"]] == ["interval"]
    assert _grade(prepared, "RATE = 1.05\n", sandbox) == 2.0
    assert _grade(prepared, "RATE = 2.0\n", sandbox) == 0.0
    assert _grade(prepared, "RATE = 'fast'\n", sandbox) == 0.0

    release = tmp_path / "release"
    release.mkdir()
    write_public(prepared, release)
    public = load_public(release)
    assert _grade(public, "RATE = 0.95\n", sandbox) == 2.0
    assert _grade(public, "RATE = 0.5\n", sandbox) == 0.0


def test_the_new_kinds_schema_errors_name_the_key(toy):
    text = (toy / "assignment.yaml").read_text()
    (toy / "assignment.yaml").write_text(text.replace("high: 1.1", "hihg: 1.1"))
    with pytest.raises(
        SpecError, match=r"checks\[0\]\.hihg is not a known key; did you mean 'high'"
    ):
        load_spec(toy)


def test_an_unknown_kind_lists_the_registered_ones(toy):
    text = (toy / "assignment.yaml").read_text()
    (toy / "assignment.yaml").write_text(text.replace("kind: interval", "kind: intervall"))
    with pytest.raises(
        SpecError, match="must be one of symbolic, tensor, metric, choice, custom, interval"
    ):
        load_spec(toy)


def test_a_kind_name_is_registered_once_and_built_ins_stay():
    with pytest.raises(SpecError, match="already registered"):
        registry.register(
            CheckKind(
                name="tensor",
                spec=IntervalCheck,
                keys=(),
                parse=_parse,
                plan=_plan,
                judge=_judge,
                to_public=_to_public,
                from_public=_from_public,
            )
        )
    with pytest.raises(SpecError, match="cannot be removed"):
        registry.unregister("symbolic")


def test_no_module_outside_checks_names_a_kind_by_class():
    kinds = [registry.get(name) for name in registry.names()]
    kind_classes = {k.spec.__name__ for k in kinds if k is not None}
    assert {
        "SymbolicCheck",
        "TensorCheck",
        "MetricCheck",
        "ChoiceCheck",
        "CustomCheck",
    } <= kind_classes
    for path in PACKAGE.rglob("*.py"):
        if path.parent.name == "checks":
            continue
        names = {n.id for n in ast.walk(ast.parse(path.read_text())) if isinstance(n, ast.Name)}
        names |= {
            a.name
            for n in ast.walk(ast.parse(path.read_text()))
            if isinstance(n, ast.ImportFrom)
            for a in n.names
        }
        assert not names & kind_classes, (
            f"{path.relative_to(PACKAGE)} names {sorted(names & kind_classes)}"
        )
