"""The gradebook on SQLite and on a real PostgreSQL server: the same records, history and resume
answers, one transaction per submission, and text from students stored whatever it holds."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from autograder.gradebook import Gradebook
from autograder.models import GradeReport, QuestionResult
from tests.pg import postgres_server


@pytest.fixture(scope="module")
def postgres_url():
    with postgres_server() as url:
        yield url


@pytest.fixture(params=["sqlite", "postgresql"])
def gradebook(request, tmp_path):
    if request.param == "sqlite":
        book = Gradebook(str(tmp_path / "gradebook.db"))
    else:
        book = Gradebook(request.getfixturevalue("postgres_url"))
    yield book
    if request.param == "postgresql":  # one server for the module: leave it empty for the next test
        from autograder import gradebook as schema

        schema.metadata.drop_all(book.engine)
    book.close()


def report(student: str, score: float, *, sha: str = "a" * 64, feedback: str = "", status="graded"):
    questions = (
        QuestionResult(
            id="q1",
            score=score,
            max_score=2.0,
            status="passed" if score == 2 else "failed",
            feedback=feedback or "q1 feedback",
            evidence={"parsed": "x**2", "points": 30},
        ),
        QuestionResult(id="q2", score=0.0, max_score=3.0, status="failed", feedback="q2 feedback"),
    )
    return GradeReport(
        student=student,
        assignment="hw",
        status=status,
        score=score,
        max_score=5.0,
        questions=questions,
        feedback=feedback,
        sha256=sha,
        tier="root",
    )


def record(
    book: Gradebook, rep: GradeReport, *, spec: str = "s" * 64, reason: str = "graded"
) -> int:
    return book.record(
        rep,
        title="Homework",
        spec_hash=spec,
        seeds=(0,),
        filename="hw.py",
        submitted_at=datetime(2026, 12, 1, 12, tzinfo=UTC),
        started_at=datetime.now(UTC),
        reason=reason,
    )


def test_records_read_back_the_same_on_both_backends(gradebook):
    record(gradebook, report("s01", 2.0))
    record(gradebook, report("s02", 0.0))
    latest = gradebook.latest("hw")
    assert [(r.student, r.score, r.status, r.tier) for r in latest] == [
        ("s01", 2.0, "graded", "root"),
        ("s02", 0.0, "graded", "root"),
    ]
    assert [(q.id, q.score, q.max_score, q.status) for q in latest[0].questions] == [
        ("q1", 2.0, 2.0, "passed"),
        ("q2", 0.0, 3.0, "failed"),
    ]
    assert latest[0].questions[0].evidence == {"parsed": "x**2", "points": 30}
    assert latest[0].submitted_at is not None and latest[0].submitted_at.year == 2026


def test_a_regrade_is_a_new_run_and_history_keeps_both(gradebook):
    record(gradebook, report("s01", 0.0))
    record(gradebook, report("s01", 2.0), reason="regrade (--force)")
    history = gradebook.history("hw", "s01")
    assert [(r.score, r.reason) for r in history] == [(0.0, "graded"), (2.0, "regrade (--force)")]
    assert gradebook.latest("hw")[0].score == 2.0


def test_resume_knows_what_was_graded_under_which_spec(gradebook):
    record(gradebook, report("s01", 2.0))
    record(gradebook, report("s02", 0.0, status="grader_error"))
    assert gradebook.has_result("s01", "hw", "a" * 64, "s" * 64)
    assert not gradebook.has_result("s01", "hw", "a" * 64, "t" * 64)  # another spec
    assert not gradebook.has_result("s01", "hw", "b" * 64, "s" * 64)  # another file
    assert not gradebook.has_result("s02", "hw", "a" * 64, "s" * 64)  # a grader error is retried


@pytest.mark.parametrize(
    "text", ["NUL \x00 on stderr", "a lone surrogate \udcff", "emoji 🎓 and 學生"]
)
def test_any_text_a_student_produced_is_stored(gradebook, text):
    record(gradebook, report("s01", 2.0, feedback=text))
    record(gradebook, report("s02", 0.0))
    latest = {r.student: r for r in gradebook.latest("hw")}
    assert set(latest) == {"s01", "s02"}
    stored = latest["s01"].feedback
    assert "\x00" not in stored and stored.encode("utf-8")  # valid UTF-8, no NUL
    assert stored.split()[0] == text.split()[0]
