"""The history diff between consecutive runs is data: a new file, a new spec, a question's score."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from autograder.errors import UsageError
from autograder.gradebook import Gradebook, RunRecord
from autograder.history import Change, changes, history
from autograder.models import GradeReport, QuestionResult


def question(qid: str, score: float) -> QuestionResult:
    return QuestionResult(
        id=qid, score=score, max_score=3.0, status="passed" if score == 3 else "failed", feedback=""
    )


FIRST = RunRecord(
    run_id=1,
    student="s01",
    assignment="tiny",
    sha256="a" * 64,
    filename="tiny.py",
    submitted_at=None,
    started_at=datetime(2025, 1, 1, tzinfo=UTC),
    status="graded",
    score=3.0,
    max_score=6.0,
    penalty=0.0,
    feedback="",
    tier="plain",
    spec_hash="1" * 64,
    reason="graded",
    questions=(question("square", 3.0), question("scale", 0.0)),
)


def test_the_same_file_and_spec_regraded_alike_has_no_changes():
    assert changes(FIRST, replace(FIRST, run_id=2, reason="regrade (--force)")) == []


def test_a_new_file_a_new_spec_and_score_changes_are_listed_in_order():
    second = replace(
        FIRST,
        run_id=2,
        sha256="b" * 64,
        spec_hash="2" * 64,
        questions=(question("square", 1.5), question("scale", 3.0), question("extra", 3.0)),
    )
    assert changes(FIRST, second) == [
        Change(kind="file"),
        Change(kind="spec"),
        Change(kind="score", question="square", before=3.0, after=1.5),
        Change(kind="score", question="scale", before=0.0, after=3.0),
    ]


def test_rounding_noise_is_not_a_change():
    second = replace(
        FIRST, run_id=2, questions=(question("square", 3.0 + 1e-12), question("scale", 0.0))
    )
    assert changes(FIRST, second) == []


def test_history_reads_the_gradebook_oldest_first(tmp_path):
    gradebook = Gradebook(str(tmp_path / "gb.db"))
    for sha, score in (("a" * 64, 0.0), ("b" * 64, 3.0)):
        report = GradeReport(
            student="s01",
            assignment="tiny",
            status="graded",
            score=score,
            max_score=3.0,
            questions=(question("square", score),),
            sha256=sha,
            tier="plain",
        )
        gradebook.record(
            report,
            title="Tiny",
            spec_hash="1" * 64,
            seeds=(0,),
            filename="tiny.py",
            submitted_at=None,
            started_at=datetime.now(UTC),
        )
    first, second = history(gradebook, "tiny", "s01")
    assert first.changes is None and first.record.score == 0.0
    assert second.changes == (
        Change(kind="file"),
        Change(kind="score", question="square", before=0.0, after=3.0),
    )
    with pytest.raises(UsageError, match="no grading runs for s02 in tiny"):
        history(gradebook, "tiny", "s02")
