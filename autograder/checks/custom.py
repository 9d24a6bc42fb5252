"""The custom check kind: a trusted function in checks.py judges the names it asks for."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from autograder.checks.kind import CheckKind, Plan, Site, Trusted, value_of
from autograder.errors import SpecError
from autograder.models import AssignmentSpec, Call, CallResult, CheckOutcome, CheckSpec, frozen
from autograder.schema import Reader, defaults


@frozen
class CustomCheck(CheckSpec):
    kind = "custom"
    function: str
    calls: tuple[str, ...] = ()


@frozen
class Judgement:
    """The trusted function that gives the verdict, and its seed."""

    function: Callable[[Mapping[str, Any], int], CheckOutcome]
    seed: int


def parse(r: Reader) -> CustomCheck:
    d = defaults(CustomCheck)
    return CustomCheck(
        function=r.name("function"),
        calls=tuple(str(c) for c in r.get("calls", list, [])),
        weight=r.get("weight", float, d["weight"]),
    )


def plan(spec: AssignmentSpec, check: CustomCheck, trusted: Trusted, site: Site) -> Plan:
    function = trusted.checks_function(check.function, site.where)
    calls = tuple(Call(id=f"{site.prefix}.{n}", kind="get", name=n) for n in check.calls)
    return Plan(
        question=site.question,
        kind=CustomCheck.kind,
        calls=calls,
        weight=check.weight,
        expected=Judgement(function=function, seed=trusted.seed),
        check=check,
    )


def judge(plan: Plan, returned: Mapping[str, CallResult]) -> CheckOutcome:
    assert isinstance(plan.expected, Judgement)
    return plan.expected.function(
        {c.name: value_of(returned, c) for c in plan.calls}, plan.expected.seed
    )


def to_public(plan: Plan) -> None:
    """Custom checks stay hidden: they are the grader's own code."""
    return None


def from_public(data: Mapping[str, Any], site: Site) -> Plan:
    raise SpecError(
        f"a public bundle cannot hold a custom check ({site.question})",
        hint="release the assignment again",
    )


KIND = CheckKind(
    name=CustomCheck.kind,
    spec=CustomCheck,
    keys=("function", "calls"),
    parse=parse,
    plan=plan,
    judge=judge,
    to_public=to_public,
    from_public=from_public,
)
