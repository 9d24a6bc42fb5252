"""Verdicts: a check's outcome, a question's result, a submission's report and a stored run."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import field
from datetime import datetime
from typing import Any, Literal

from autograder.models.base import frozen

QuestionStatus = Literal["passed", "partial", "failed", "error"]
ReportStatus = Literal["graded", "not_gradable", "grader_error"]


@frozen
class CheckOutcome:
    credit: float
    status: QuestionStatus
    feedback: str
    evidence: Mapping[str, Any] = field(default_factory=dict)


@frozen
class QuestionResult:
    id: str
    score: float
    max_score: float
    status: QuestionStatus
    feedback: str
    evidence: Mapping[str, Any] = field(default_factory=dict)


@frozen
class GradeReport:
    """One submission graded now (what `grade --json` prints, through `export.as_json`)."""

    student: str
    assignment: str
    status: ReportStatus
    score: float
    max_score: float
    questions: tuple[QuestionResult, ...] = ()
    feedback: str = ""
    sha256: str = ""
    tier: str = ""
    seconds: float = 0.0
    late_days: float = 0.0
    penalty: float = 0.0


@frozen
class RunRecord:
    """One grading run as the gradebook keeps it."""

    run_id: int
    student: str
    assignment: str
    sha256: str
    filename: str
    submitted_at: datetime | None
    started_at: datetime
    status: str
    score: float
    max_score: float
    penalty: float
    feedback: str
    tier: str
    spec_hash: str
    reason: str
    questions: tuple[QuestionResult, ...]
