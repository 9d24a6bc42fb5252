"""Grades out of a real gradebook: CSV, Canvas CSV, JSON lines, Gradescope results and nbgrader."""

from __future__ import annotations

import csv
import json
from datetime import UTC, datetime

import pytest

from autograder.errors import UsageError
from autograder.export import as_json, csv_cell, export, gradescope_results, results_name
from autograder.gradebook import Gradebook
from autograder.models import GradeReport
from tests.conftest import CLASS_ASSIGNMENT, FIXTURES, question

SOLUTIONS = FIXTURES / "solutions"


def rows_of(path):
    with path.open(newline="") as handle:
        return list(csv.reader(handle))


def test_csv_has_a_row_per_student_with_the_latest_scores_per_question(class_gradebook, tmp_path):
    path = export(
        class_gradebook, CLASS_ASSIGNMENT, "csv", tmp_path / "grades.csv", solutions=SOLUTIONS
    )
    assert path == tmp_path / "grades.csv"
    assert rows_of(path) == [
        ["student", "status", "score", "max_score", "square", "scale"],
        ["alice", "graded", "5", "5", "2", "3"],
        ["bob", "graded", "2", "5", "2", "0"],
        ["dave", "not_gradable", "0", "5", "0", "0"],
        ["o'brien<3", "graded", "1", "5", "1", "0"],
    ]


def test_canvas_csv_puts_the_score_in_a_column_named_after_the_assignment(
    class_gradebook, tmp_path
):
    path = export(
        class_gradebook, CLASS_ASSIGNMENT, "canvas", tmp_path / "canvas.csv", solutions=SOLUTIONS
    )
    rows = rows_of(path)
    assert rows[0] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", "kl_demo (5 pts)"]
    assert rows[1:] == [
        ["", "", s, s, "", score]
        for s, score in (("alice", "5"), ("bob", "2"), ("dave", "0"), ("o'brien<3", "1"))
    ]


def test_json_lines_are_the_latest_records(class_gradebook, tmp_path):
    path = export(
        class_gradebook, CLASS_ASSIGNMENT, "json", tmp_path / "grades.jsonl", solutions=SOLUTIONS
    )
    lines = [json.loads(line) for line in path.read_text().splitlines()]
    assert lines == [as_json(r) for r in class_gradebook.latest(CLASS_ASSIGNMENT)]
    bob = lines[1]
    assert (bob["student"], bob["score"], bob["max_score"]) == ("bob", 2, 5)
    assert [q["status"] for q in bob["questions"]] == ["passed", "failed"]
    assert bob["feedback"].startswith("your code wrote to stderr")


def test_a_stored_run_exports_as_the_report_that_was_graded(tmp_path):
    report = GradeReport(
        student="s01",
        assignment="tiny",
        status="graded",
        score=6.5,
        max_score=10.0,
        questions=(
            question("square", 1.0, 2.0, "partial", "The cross term is missing."),
            question("scale", 3.0, 3.0, "passed", "scale(): all 4 checks passed"),
            question("fit", 2.5, 3.0, "partial", "fit_mean(): 1/2 metrics"),
            question("concept", 0.0, 2.0, "failed", "Q1: (a) is not correct"),
        ),
        feedback="",
        sha256="0" * 64,
        tier="plain",
    )
    gradebook = Gradebook(str(tmp_path / "gb.db"))
    gradebook.record(
        report,
        title="Tiny",
        spec_hash="1" * 64,
        seeds=(0,),
        filename="tiny.py",
        submitted_at=None,
        started_at=datetime.now(UTC),
    )
    [record] = gradebook.latest("tiny")
    assert as_json(record) == as_json(report)
    assert as_json(record)["score"] == 6.5
    assert [(q["id"], q["score"], q["status"]) for q in as_json(record)["questions"]] == [
        ("square", 1.0, "partial"),
        ("scale", 3.0, "passed"),
        ("fit", 2.5, "partial"),
        ("concept", 0.0, "failed"),
    ]


def test_gradescope_results_have_a_test_per_question(class_gradebook, tmp_path):
    folder = export(
        class_gradebook, CLASS_ASSIGNMENT, "gradescope", tmp_path / "gs", solutions=SOLUTIONS
    )
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        ["alice.json", "bob.json", "dave.json", results_name("o'brien<3")]
    )
    assert results_name("o'brien<3").startswith("o_brien_3-")
    results = json.loads((folder / results_name("o'brien<3")).read_text())
    assert results["score"] == 1
    assert results["output"] == "status: graded"  # no overall feedback: the status stands in
    assert results["tests"] == [
        {
            "name": "square",
            "score": 1,
            "max_score": 2,
            "status": "failed",
            "output": "The cross term 2*mu*sigma is missing. <script>alert('x')</script>",
            "visibility": "visible",
        },
        {
            "name": "scale",
            "score": 0,
            "max_score": 3,
            "status": "failed",
            "output": results["tests"][1]["output"],
            "visibility": "visible",
        },
    ]
    assert results["tests"][1]["output"].startswith("scale(): 0/4 checks passed.")
    alice = json.loads((folder / "alice.json").read_text())
    assert [t["status"] for t in alice["tests"]] == ["passed", "passed"] and alice["score"] == 5


@pytest.mark.parametrize(
    ("value", "written"),
    [
        ("alice", "alice"),
        ('=HYPERLINK("http://x","y")', '\'=HYPERLINK("http://x","y")'),
        ("+1+1", "'+1+1"),
        ("-rf", "'-rf"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("a=b", "a=b"),
        ("", ""),
        (5.0, "5"),
        (2.5, "2.5"),
        (0, "0"),
    ],
)
def test_a_csv_cell_a_spreadsheet_would_run_is_quoted_and_numbers_stay_numbers(value, written):
    assert csv_cell(value) == written


def test_hostile_ids_in_csv_and_canvas_are_quoted_and_scores_are_numbers(tmp_path):
    gradebook = Gradebook(str(tmp_path / "gb.db"))
    for student in ('=HYPERLINK("http://evil.example","x")', "-rf", "學生03"):
        report = GradeReport(
            student=student,
            assignment="tiny",
            status="graded",
            score=0.0,
            max_score=2.0,
            questions=(question("square", 0.0, 2.0, "failed", "=1+1"),),
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
    rows = rows_of(export(gradebook, "tiny", "csv", tmp_path / "g.csv", solutions=SOLUTIONS))
    assert rows[1:] == [
        ["'-rf", "graded", "0", "2", "0"],
        ['\'=HYPERLINK("http://evil.example","x")', "graded", "0", "2", "0"],
        ["學生03", "graded", "0", "2", "0"],
    ]
    canvas = rows_of(export(gradebook, "tiny", "canvas", tmp_path / "c.csv", solutions=SOLUTIONS))
    assert [row[2:4] for row in canvas[1:]] == [[r[0], r[0]] for r in rows[1:]]
    assert (tmp_path / "g.csv").read_bytes().decode("utf-8")  # utf-8, whatever the locale
    lines = export(gradebook, "tiny", "json", tmp_path / "g.jsonl", solutions=SOLUTIONS)
    assert json.loads(lines.read_text().splitlines()[0])["student"] == "-rf"  # data, as it is


def test_gradescope_results_of_hostile_ids_stay_in_the_folder(tmp_path):
    gradebook = Gradebook(str(tmp_path / "gb.db"))
    for student in ("../../../x", "nodir/x", "/abs"):
        report = GradeReport(
            student=student, assignment="tiny", status="graded", score=1.0, max_score=2.0
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
    folder = export(gradebook, "tiny", "gradescope", tmp_path / "out" / "gs", solutions=SOLUTIONS)
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        results_name(s) for s in ("../../../x", "nodir/x", "/abs")
    )
    assert sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*.json")) == sorted(
        f"out/gs/{results_name(s)}" for s in ("../../../x", "nodir/x", "/abs")
    )


def test_gradescope_output_carries_the_overall_feedback(class_gradebook):
    dave = next(r for r in class_gradebook.latest(CLASS_ASSIGNMENT) if r.student == "dave")
    results = gradescope_results(dave)
    assert (
        results["output"]
        == "your file could not be imported: SyntaxError at line 3: invalid syntax"
    )
    assert sum(t["score"] for t in results["tests"]) == results["score"] == 0


def test_nbgrader_export_reads_back_with_nbgrader_and_a_second_export_updates_it(
    class_gradebook, tmp_path
):
    nbgrader_api = pytest.importorskip("nbgrader.api")
    target = tmp_path / "nb.db"
    for _ in range(2):
        path = export(class_gradebook, CLASS_ASSIGNMENT, "nbgrader", target, solutions=SOLUTIONS)
    assert path == target
    with nbgrader_api.Gradebook(f"sqlite:///{path}") as gb:
        assert sorted(s.id for s in gb.students) == ["alice", "bob", "dave", "o'brien<3"]
        assert len(gb.find_assignment(CLASS_ASSIGNMENT).submissions) == 4
        notebook = gb.find_notebook(CLASS_ASSIGNMENT, CLASS_ASSIGNMENT)
        assert {c.name: c.max_score for c in notebook.grade_cells} == {"square": 2, "scale": 3}
        assert gb.find_submission(CLASS_ASSIGNMENT, "alice").score == 5
        assert gb.find_submission(CLASS_ASSIGNMENT, "bob").score == 2
        assert (
            gb.find_grade("square", CLASS_ASSIGNMENT, CLASS_ASSIGNMENT, "o'brien<3").auto_score == 1
        )
        assert gb.find_grade("scale", CLASS_ASSIGNMENT, CLASS_ASSIGNMENT, "bob").auto_score == 0


def test_the_default_target_is_under_gradebook_exports(class_gradebook, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    path = export(class_gradebook, CLASS_ASSIGNMENT, "csv", None, solutions=SOLUTIONS)
    assert path == tmp_path.joinpath("gradebook", "exports", "kl_demo.csv").relative_to(tmp_path)
    assert rows_of(tmp_path / path)[1][0] == "alice"


def test_an_assignment_without_grades_says_to_grade_it_first(class_gradebook, tmp_path):
    with pytest.raises(UsageError) as caught:
        export(class_gradebook, "gaussian_kl", "csv", tmp_path / "x.csv", solutions=SOLUTIONS)
    assert caught.value.message == "the gradebook has no grades for gaussian_kl"
    assert "autograder grade gaussian_kl" in caught.value.hint
    assert not (tmp_path / "x.csv").exists()


def test_an_unknown_format_is_a_usage_error(class_gradebook, tmp_path):
    with pytest.raises(UsageError, match="'xlsx'"):
        export(class_gradebook, CLASS_ASSIGNMENT, "xlsx", tmp_path / "x.xlsx", solutions=SOLUTIONS)
    assert list(tmp_path.glob("x.*")) == []
