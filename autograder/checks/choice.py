"""The choice check kind: a module-level string naming one of the options, against the correct ones."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import field
from typing import Any

from autograder.checks.kind import CheckKind, Plan, Site, Trusted, value_of
from autograder.errors import SpecError
from autograder.models import (
    AssignmentSpec,
    Call,
    CallResult,
    CheckOutcome,
    CheckSpec,
    OpaqueValue,
    frozen,
)
from autograder.schema import Reader, defaults

# No option is longer; and the normalising regexes backtrack quadratically on long runs of
# whitespace, so a longer answer is refused before they see it (22k characters cost 17 s).
MAX_ANSWER_CHARS = 200
SHOWN_CHARS = 40


@frozen
class ChoiceCheck(CheckSpec):
    kind = "choice"
    answer: str
    options: tuple[str, ...]
    correct: tuple[str, ...]
    feedback: Mapping[str, str] = field(default_factory=dict)


def normalise_choice(text: str) -> str:
    """'(B)', 'b)', ' b. ' → 'b'."""
    cleaned = text.strip().lower()
    cleaned = re.sub(r"^[\(\[]\s*", "", cleaned)
    cleaned = re.sub(r"\s*[\)\]\.]+$", "", cleaned)
    return cleaned.strip()


def judge_choice(check: ChoiceCheck, value: Any) -> CheckOutcome:
    name = check.answer
    if value is None or (isinstance(value, OpaqueValue) and value.type_name == "missing"):
        return CheckOutcome(
            credit=0.0,
            status="failed",
            feedback=f'{name} is not answered: set {name} = "a" (one of {", ".join(check.options)})',
        )
    if not isinstance(value, str):
        kind = value.type_name if isinstance(value, OpaqueValue) else type(value).__name__
        return CheckOutcome(
            credit=0.0, status="failed", feedback=f'{name} must be a string such as "b", got {kind}'
        )
    answer = normalise_choice(value) if len(value) <= MAX_ANSWER_CHARS else None
    if answer not in check.options:
        shown = (
            repr(value)
            if len(value) <= SHOWN_CHARS
            else f"{value[:SHOWN_CHARS]!r}... ({len(value)} characters)"
        )
        return CheckOutcome(
            credit=0.0,
            status="failed",
            feedback=f"{name} = {shown} is not one of the options {', '.join(check.options)}",
        )
    if answer in check.correct:
        return CheckOutcome(
            credit=1.0, status="passed", feedback=f"{name}: correct", evidence={"answer": answer}
        )
    extra = check.feedback.get(answer, "")
    return CheckOutcome(
        credit=0.0,
        status="failed",
        feedback=f"{name}: ({answer}) is not correct" + (f". {extra}" if extra else ""),
        evidence={"answer": answer},
    )


# ------------------------------------------------------------------ the kind: schema, plan, judge, public


def parse(r: Reader) -> ChoiceCheck:
    d = defaults(ChoiceCheck)
    options = tuple(str(o).lower() for o in r.get("options", list))
    raw = r.get("correct", (list, str))
    correct = tuple(str(c).lower() for c in ([raw] if isinstance(raw, str) else raw))
    for c in correct:
        if c not in options:
            r.fail(r.key("correct"), f"names {c!r}, which is not among the options {list(options)}")
    feedback = {str(k).lower(): str(v) for k, v in r.get("feedback", dict, d["feedback"]).items()}
    return ChoiceCheck(
        answer=r.name("answer"),
        options=options,
        correct=correct,
        feedback=feedback,
        weight=r.get("weight", float, d["weight"]),
    )


def plan(spec: AssignmentSpec, check: ChoiceCheck, trusted: Trusted, site: Site) -> Plan:
    call = Call(id=site.prefix, kind="get", name=check.answer)
    return Plan(
        question=site.question,
        kind=ChoiceCheck.kind,
        calls=(call,),
        weight=check.weight,
        expected=check,
        check=check,
    )


def judge(plan: Plan, returned: Mapping[str, CallResult]) -> CheckOutcome:
    assert isinstance(plan.expected, ChoiceCheck)
    return judge_choice(plan.expected, value_of(returned, plan.calls[0]))


def to_public(plan: Plan) -> None:
    """Choice checks stay hidden: the correct option is the answer itself."""
    return None


def from_public(data: Mapping[str, Any], site: Site) -> Plan:
    raise SpecError(
        f"a public bundle cannot hold a choice check ({site.question})",
        hint="release the assignment again",
    )


KIND = CheckKind(
    name=ChoiceCheck.kind,
    spec=ChoiceCheck,
    keys=("answer", "options", "correct", "feedback"),
    parse=parse,
    plan=plan,
    judge=judge,
    to_public=to_public,
    from_public=from_public,
)
