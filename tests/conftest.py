"""Shared fixtures: one warm sandbox per test module, the tiny assignment, the repository root."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from autograder.gradebook import Gradebook
from autograder.models import GradeReport, Limits, QuestionResult
from autograder.sandbox import Sandbox

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
FAST = Limits(wall_seconds=15, cpu_seconds=10, call_seconds=3, memory_mb=2048)
# The course secret that seeds the hidden cases: fixed, so that every run of the suite draws the
# same ones (and none reads or creates gradebook/secret.key).
TEST_SECRET = "autograder-test-suite-secret"
os.environ["AUTOGRADER_SECRET"] = TEST_SECRET


@pytest.fixture(scope="module")
def sandbox():
    with Sandbox(uid=64100 + os.getpid() % 500) as box:
        box.start()
        yield box


@pytest.fixture(scope="session")
def root() -> Path:
    return ROOT


# ---------------------------------------------------------------- a small class in a real gradebook

CLASS_ASSIGNMENT = "kl_demo"
GRADED_AT = datetime(2025, 3, 14, 9, 26, tzinfo=UTC)
SHAPE_MISTAKE = (
    "scale(): 0/4 checks passed. First problem: case 'a (4, 3) batch': the result has shape "
    "(3, 4), expected (4, 3) (transposed?)"
)


def question(
    qid: str, score: float, max_score: float, status: str, feedback: str
) -> QuestionResult:
    return QuestionResult(
        id=qid, score=score, max_score=max_score, status=status, feedback=feedback
    )


def record_grade(
    gradebook: Gradebook,
    student: str,
    status: str,
    questions: tuple[QuestionResult, ...],
    *,
    sha256: str,
    feedback: str = "",
    started_at: datetime = GRADED_AT,
) -> int:
    """Write one graded submission the way batch grading does."""
    report = GradeReport(
        student=student,
        assignment=CLASS_ASSIGNMENT,
        status=status,
        score=sum(q.score for q in questions),
        max_score=sum(q.max_score for q in questions),
        questions=questions,
        feedback=feedback,
        sha256=sha256,
        tier="plain",
    )
    return gradebook.record(
        report,
        title="KL demo",
        spec_hash="f" * 64,
        seeds=(0,),
        filename="kl_demo.py",
        submitted_at=None,
        started_at=started_at,
    )


@pytest.fixture()
def class_gradebook(tmp_path) -> Iterator[Gradebook]:
    """Four students' current grades (one regraded) in a SQLite gradebook under tmp_path.

    alice 5/5; bob 2/5 (his first run scored 0); o'brien<3 1/5 with feedback that needs escaping;
    dave not gradable. bob and o'brien<3 share the same first line of feedback on 'scale'.
    """
    gradebook = Gradebook(str(tmp_path / "gradebook.db"))
    record_grade(
        gradebook,
        "alice",
        "graded",
        (
            question("square", 2, 2, "passed", "SQUARE: correct"),
            question("scale", 3, 3, "passed", "scale(): all 4 checks passed"),
        ),
        sha256="a" * 64,
    )
    record_grade(
        gradebook,
        "bob",
        "graded",
        (
            question("square", 0, 2, "failed", "SQUARE is not answered"),
            question("scale", 0, 3, "failed", "scale() is not implemented yet"),
        ),
        sha256="b" * 64,
        started_at=datetime(2025, 3, 13, 8, 0, tzinfo=UTC),
    )
    record_grade(
        gradebook,
        "bob",
        "graded",
        (
            question("square", 2, 2, "passed", "SQUARE: correct"),
            question("scale", 0, 3, "failed", SHAPE_MISTAKE + "\nthe batch is the first dimension"),
        ),
        sha256="c" * 64,
        feedback="your code wrote to stderr (shown for information; warnings do not cost points):\n"
        "UserWarning: <stderr> & more",
    )
    record_grade(
        gradebook,
        "o'brien<3",
        "graded",
        (
            question(
                "square",
                1,
                2,
                "partial",
                "The cross term 2*mu*sigma is missing. <script>alert('x')</script>",
            ),
            question("scale", 0, 3, "failed", SHAPE_MISTAKE),
        ),
        sha256="d" * 64,
    )
    reason = "your file could not be imported: SyntaxError at line 3: invalid syntax"
    record_grade(
        gradebook,
        "dave",
        "not_gradable",
        (
            question("square", 0, 2, "error", f"not graded: {reason}"),
            question("scale", 0, 3, "error", f"not graded: {reason}"),
        ),
        sha256="e" * 64,
        feedback=reason,
    )
    yield gradebook
    gradebook.close()
