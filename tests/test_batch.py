"""The batch goes on past a fault in recording one submission: that one becomes a grader_error,
and only a gradebook that refuses even that makes the command fail, after everyone else is written."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from autograder.batch import (
    BatchSummary,
    grade_batch,
    grader_error_report,
    raise_unrecorded,
    record_report,
    with_intake_notes,
)
from autograder.errors import GradebookError
from autograder.gradebook import Gradebook
from autograder.models import GradeReport
from autograder.prepare import prepare
from autograder.spec import load_spec
from autograder.submission import Submission
from tests.conftest import FIXTURES

GOOD = (FIXTURES / "class_tiny" / "good" / "tiny.py").read_bytes()
STARTED = datetime(2026, 12, 1, tzinfo=UTC)


@pytest.fixture(scope="module")
def prepared():
    return prepare(load_spec(FIXTURES / "solutions" / "tiny"))


def report_for(student: str, feedback: str = "") -> GradeReport:
    return GradeReport(
        student=student,
        assignment="tiny",
        status="graded",
        score=1.0,
        max_score=10.0,
        feedback=feedback,
    )


class Refusing:
    """A gradebook that refuses the first `refusals` writes, and records the rest."""

    def __init__(self, refusals: int) -> None:
        self.refusals = refusals
        self.written: list[GradeReport] = []

    def record(self, report: GradeReport, **_: object) -> int:
        if self.refusals:
            self.refusals -= 1
            raise RuntimeError("database is locked \udcff\x00")
        self.written.append(report)
        return len(self.written)


def test_a_refused_report_is_written_as_a_clean_grader_error(prepared):
    gradebook = Refusing(1)
    sub = Submission(student="s1", filename="tiny.py", data=GOOD)
    written, failure = record_report(
        gradebook, prepared, sub, report_for("s1"), started=STARTED, reason="graded"
    )
    assert failure == "" and gradebook.written == [written]
    assert written.status == "grader_error" and written.score == 0
    assert (
        "while recording the grade" in written.feedback and "database is locked" in written.feedback
    )
    for text in (written.feedback, *(q.feedback for q in written.questions)):
        text.encode("utf-8")
        assert "\x00" not in text
    assert [q.id for q in written.questions] == [q.id for q in prepared.spec.questions]


def test_a_gradebook_refusing_even_the_grader_error_is_reported(prepared):
    gradebook = Refusing(2)
    sub = Submission(student="s1", filename="tiny.py", data=GOOD)
    written, failure = record_report(
        gradebook, prepared, sub, report_for("s1"), started=STARTED, reason="graded"
    )
    assert gradebook.written == [] and written.status == "grader_error"
    assert failure.startswith("RuntimeError: database is locked")
    failure.encode("utf-8")
    summary = BatchSummary(unrecorded=[f"s1 ({failure})"])
    with pytest.raises(GradebookError, match="1 submission") as info:
        raise_unrecorded(summary)
    assert "s1" in info.value.message and "run the same command" in (info.value.hint or "")
    raise_unrecorded(BatchSummary())  # nothing unrecorded: nothing raised


def test_grader_error_messages_are_bounded(prepared):
    sub = Submission(student="s1", filename="tiny.py", data=GOOD)
    report = grader_error_report(prepared, sub, ValueError("x" * 10_000))
    assert len(report.feedback) < 700


def test_intake_notes_head_the_feedback():
    sub = Submission(
        student="s1", filename="tiny.py", data=GOOD, notes=("the manifest names 'bob'",)
    )
    noted = with_intake_notes(report_for("s1", "warnings shown"), sub)
    assert noted.feedback == "intake: the manifest names 'bob'\nwarnings shown"
    plain = Submission(student="s1", filename="tiny.py", data=GOOD)
    assert with_intake_notes(report_for("s1", "x"), plain).feedback == "x"


def test_grade_batch_records_everyone_it_can_then_fails(prepared, tmp_path):
    gradebook = Gradebook(str(tmp_path / "gb.db"))
    real = gradebook.record

    def refuse_b(report: GradeReport, **kwargs: object) -> int:
        if report.student == "b":
            raise OSError("disk full")
        return real(report, **kwargs)  # type: ignore[arg-type]

    gradebook.record = refuse_b  # type: ignore[method-assign]
    subs = [
        Submission(student=s, filename="tiny.py", data=None, problem="no file")
        for s in ("a", "b", "c")
    ]
    with pytest.raises(GradebookError, match=r"could not be written.*b \(OSError: disk full\)"):
        grade_batch(prepared, subs, gradebook, jobs=1)
    assert sorted(r.student for r in gradebook.latest("tiny")) == ["a", "c"]


def test_grade_batch_puts_intake_notes_in_the_recorded_feedback(prepared, tmp_path):
    gradebook = Gradebook(str(tmp_path / "gb.db"))
    sub = Submission(
        student="s1",
        filename="tiny.py",
        data=None,
        problem="no file",
        notes=("2 submissions were found for s1",),
    )
    grade_batch(prepared, [sub], gradebook, jobs=1)
    [record] = gradebook.latest("tiny")
    assert record.feedback.startswith("intake: 2 submissions were found for s1\nno file")
