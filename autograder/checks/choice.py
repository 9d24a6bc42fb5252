"""Verdicts on multiple-choice answers: normalised strings against the correct option(s)."""

from __future__ import annotations

import re
from typing import Any

from autograder.models import CheckOutcome, ChoiceCheck, OpaqueValue


def normalise_choice(text: str) -> str:
    """'(B)', 'b)', ' b. ' → 'b'."""
    cleaned = text.strip().lower()
    cleaned = re.sub(r"^[\(\[]\s*", "", cleaned)
    cleaned = re.sub(r"\s*[\)\]\.]+$", "", cleaned)
    return cleaned.strip()


def judge_choice(check: ChoiceCheck, value: Any) -> CheckOutcome:
    name = check.answer
    if value is None or (isinstance(value, OpaqueValue) and value.type_name == "missing"):
        return CheckOutcome(credit=0.0, status="failed",
                            feedback=f"{name} is not answered: set {name} = \"a\" (one of {', '.join(check.options)})")
    if not isinstance(value, str):
        kind = value.type_name if isinstance(value, OpaqueValue) else type(value).__name__
        return CheckOutcome(credit=0.0, status="failed",
                            feedback=f"{name} must be a string such as \"b\", got {kind}")
    answer = normalise_choice(value)
    if answer not in check.options:
        return CheckOutcome(credit=0.0, status="failed",
                            feedback=f"{name} = {value!r} is not one of the options {', '.join(check.options)}")
    if answer in check.correct:
        return CheckOutcome(credit=1.0, status="passed", feedback=f"{name}: correct", evidence={"answer": answer})
    extra = check.feedback.get(answer, "")
    return CheckOutcome(credit=0.0, status="failed",
                        feedback=f"{name}: ({answer}) is not correct" + (f". {extra}" if extra else ""),
                        evidence={"answer": answer})
