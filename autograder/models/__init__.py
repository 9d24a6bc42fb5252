"""Frozen data passed between layers: spec types, sandbox wire types and verdicts.

Each concept has its own module; this package re-exports them for assignment content and tests.
A check kind's own spec type lives with the kind, under `autograder.checks`.
"""

from __future__ import annotations

from autograder.models.base import frozen
from autograder.models.spec import (
    ArraySpec,
    AssignmentSpec,
    Case,
    CheckSpec,
    LatePolicy,
    Limits,
    Question,
    Visibility,
)
from autograder.models.verdict import (
    CheckOutcome,
    GradeReport,
    QuestionResult,
    QuestionStatus,
    ReportStatus,
    RunRecord,
)
from autograder.models.wire import (
    ArrayValue,
    Call,
    CallResult,
    GradProbe,
    OpaqueValue,
    RunResult,
    Value,
)

__all__ = [
    "ArraySpec",
    "ArrayValue",
    "AssignmentSpec",
    "Call",
    "CallResult",
    "Case",
    "CheckOutcome",
    "CheckSpec",
    "GradProbe",
    "GradeReport",
    "LatePolicy",
    "Limits",
    "OpaqueValue",
    "Question",
    "QuestionResult",
    "QuestionStatus",
    "ReportStatus",
    "RunRecord",
    "RunResult",
    "Value",
    "Visibility",
    "frozen",
]
