"""A class of real submissions (honest, broken and cheating) graded into a real gradebook."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from pathlib import Path

import pytest

from autograder.batch import grade_batch
from autograder.gradebook import Gradebook
from autograder.prepare import prepare
from autograder.spec import load_spec
from autograder.submission import discover
from tests.conftest import FIXTURES

CLASS = FIXTURES / "class_tiny"


@pytest.fixture(scope="module")
def prepared():
    return prepare(load_spec(FIXTURES / "solutions" / "tiny"))


@pytest.fixture(scope="module")
def graded(prepared, tmp_path_factory):
    db = tmp_path_factory.mktemp("gb") / "gradebook.db"
    gradebook = Gradebook(str(db))
    summary = grade_batch(prepared, discover(CLASS, "tiny"), gradebook, jobs=2)
    return {r.student: r for r in summary.graded}, gradebook


def questions(report):
    return {q.id: q for q in report.questions}


def test_honest_solutions_get_full_marks_despite_warnings(graded):
    reports, _ = graded
    for student in ("good", "latex_good", "notebook"):
        assert reports[student].status == "graded", reports[student].feedback
        assert reports[student].score == 10, [
            (q.id, q.feedback) for q in reports[student].questions
        ]
    assert "warning" in reports["good"].feedback.lower()


def test_patching_comparisons_earns_nothing(graded):
    reports, _ = graded
    assert reports["patcher"].score == 0
    assert "differs from the expected values" in questions(reports["patcher"])["scale"].feedback


def test_fake_scores_and_result_files_earn_nothing(graded):
    reports, _ = graded
    report = reports["fake_score"]
    assert report.status == "graded" and report.score == 0
    assert (
        not Path("results.json").exists()
        or json.loads(Path("results.json").read_text()).get("score") != 10
    )


def test_sneaky_return_types_earn_nothing_and_run_nothing(graded):
    reports, _ = graded
    report = reports["sneaky_types"]
    assert report.score == 0
    q = questions(report)
    assert "subclass of torch.Tensor" in q["scale"].feedback
    assert "must be a string" in q["concept"].feedback
    assert "must be a torch.Tensor" in q["fit"].feedback
    assert not os.path.exists("/tmp/pwned-by-tiny-student")


@pytest.mark.parametrize(
    ("student", "reason"),
    [
        ("exits", "sys.exit(0)"),
        ("syntax_error", "SyntaxError at line 4"),
        ("import_crash", "No module named 'torch_extra_magic'"),
        ("empty", "is empty"),
        ("broken_notebook", "notebook tiny.ipynb could not be read"),
    ],
)
def test_unimportable_files_are_not_gradable_with_a_reason(graded, student, reason):
    reports, _ = graded
    report = reports[student]
    assert report.status == "not_gradable"
    assert report.score == 0
    assert reason in report.feedback


def test_bad_inputs_get_clear_feedback(graded):
    reports, _ = graded
    q = questions(reports["bad_inputs"])
    assert q["square"].status == "failed" and "Could not read SQUARE" in q["square"].feedback
    assert "shape (4,), expected (4, 3)" in q["scale"].feedback
    assert "NaN" in q["fit"].feedback
    assert "not one of the options" in q["concept"].feedback
    nan = questions(reports["nan_values"])
    assert "contains infinity" in nan["scale"].feedback or "contains NaN" in nan["scale"].feedback
    assert "has no 'mean'" in nan["fit"].feedback


def test_timeouts_cost_only_their_own_parts(graded):
    reports, _ = graded
    q = questions(reports["slow"])
    assert q["scale"].status == "error" and "time limit" in q["scale"].feedback
    assert q["fit"].status == "error"
    assert q["square"].score == 2 and q["concept"].score == 2


def test_every_submission_is_recorded_and_resume_skips_them(graded, prepared):
    reports, gradebook = graded
    assert {r.student for r in gradebook.latest("tiny")} == set(reports)
    again = grade_batch(prepared, discover(CLASS, "tiny"), gradebook, jobs=1)
    assert again.graded == [] and len(again.skipped) == len(reports)
    assert len(gradebook.history("tiny")) == len(reports)


def test_force_regrades_as_new_runs(prepared, tmp_path):
    gradebook = Gradebook(str(tmp_path / "gb.db"))
    subs = [s for s in discover(CLASS, "tiny") if s.student in ("good", "patcher")]
    grade_batch(prepared, subs, gradebook, jobs=1)
    grade_batch(prepared, subs, gradebook, jobs=1, force=True)
    history = gradebook.history("tiny", "good")
    assert [r.reason for r in history] == ["graded", "regrade (--force)"]
    assert history[0].score == history[1].score == 10


def test_concurrent_writers_share_the_new_assignment_and_student(prepared, tmp_path):
    import threading

    from autograder.models import GradeReport

    gradebook = Gradebook(str(tmp_path / "gb.db"))
    reports = [
        GradeReport(
            student=f"s{i % 3}",
            assignment="tiny",
            status="graded",
            score=1.0,
            max_score=10.0,
            sha256=f"{i:064d}",
        )
        for i in range(12)
    ]

    def write(report):
        gradebook.record(
            report,
            title="t",
            spec_hash="h",
            seeds=(0,),
            filename="tiny.py",
            submitted_at=None,
            started_at=datetime.now(UTC),
        )

    threads = [threading.Thread(target=write, args=(r,)) for r in reports]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(gradebook.history("tiny")) == 12
    assert {r.student for r in gradebook.latest("tiny")} == {"s0", "s1", "s2"}
