"""HTML feedback: a page per student with one plot, the class dashboard and its common mistakes."""

from __future__ import annotations

import base64
import dataclasses
import html
import re

import pytest

from autograder.checks.choice import ChoiceCheck, judge_choice
from autograder.checks.symbolic import answer_text
from autograder.checks.tensor import call_problem
from autograder.errors import AnswerParseError
from autograder.models import CallResult
from autograder.report import (
    common_mistakes,
    dashboard,
    page_name,
    question_means,
    student_page,
    unanswered,
    write_reports,
)
from tests.conftest import CLASS_ASSIGNMENT, SHAPE_MISTAKE, question, record_grade

OBRIEN = "o'brien<3"

PNG = re.compile(r"<img alt='[^']*' src='data:image/png;base64,([A-Za-z0-9+/=]+)'>")


def by_student(gradebook):
    return {r.student: r for r in gradebook.latest(CLASS_ASSIGNMENT)}


def images(page: str) -> list[bytes]:
    assert page.count("<img") == len(PNG.findall(page))
    return [base64.b64decode(data) for data in PNG.findall(page)]


def test_a_student_page_has_one_plot_a_row_per_question_and_the_totals(class_gradebook):
    page = student_page(by_student(class_gradebook)["bob"])
    [png] = images(page)
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    assert "<title>kl_demo: bob</title>" in page
    assert (
        "<p><b>graded</b>: 2 / 5 points (file sha256 cccccccccccc, graded 2025-03-14 09:26 UTC)</p>"
        in page
    )
    rows = re.findall(r"<tr><td>(\w+)</td><td>([\d.]+/[\d.]+)</td><td class='(\w+)'>\w+</td>", page)
    assert rows == [("square", "2/2", "passed"), ("scale", "0/3", "failed")]
    assert "the batch is the first dimension" in page  # the whole feedback, not its first line


def test_feedback_notes_and_the_student_id_are_escaped(class_gradebook):
    records = by_student(class_gradebook)
    page = student_page(records["o'brien<3"])
    assert "<script>" not in page
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in page
    assert "<h1>kl_demo — o&#x27;brien&lt;3</h1>" in page
    notes = student_page(records["bob"])
    assert "<h2>Notes</h2><pre>your code wrote to stderr" in notes
    assert "UserWarning: &lt;stderr&gt; &amp; more</pre>" in notes


def test_a_page_without_overall_feedback_has_no_notes(class_gradebook):
    assert "<h2>Notes</h2>" not in student_page(by_student(class_gradebook)["alice"])


def test_a_not_gradable_submission_shows_why(class_gradebook):
    page = student_page(by_student(class_gradebook)["dave"])
    assert "<p><b>not_gradable</b>: 0 / 5 points" in page
    assert page.count("not graded: your file could not be imported: SyntaxError at line 3") == 2
    assert len(images(page)) == 1


def test_common_mistakes_counts_first_lines_of_feedback_that_did_not_pass(class_gradebook):
    records = class_gradebook.latest(CLASS_ASSIGNMENT)
    mistakes = common_mistakes(records)
    assert mistakes[0] == ("scale", SHAPE_MISTAKE, 2)
    assert (
        "square",
        "The cross term 2*mu*sigma is missing. <script>alert('x')</script>",
        1,
    ) in mistakes
    assert len(mistakes) == 4  # the shape mistake, the cross term, dave's two "not graded" lines
    assert all(text != "SQUARE: correct" for _, text, _ in mistakes)
    assert all(
        text != "scale() is not implemented yet" for _, text, _ in mistakes
    )  # bob's earlier run
    assert common_mistakes(records, top=1) == [("scale", SHAPE_MISTAKE, 2)]


def test_common_mistakes_keep_160_characters_of_a_long_first_line(class_gradebook):
    long_line = "scale(): " + "the result differs " * 20
    record_grade(
        class_gradebook,
        "erin",
        "graded",
        (
            question("square", 2, 2, "passed", "SQUARE: correct"),
            question("scale", 0, 3, "failed", long_line + "\nsecond line"),
        ),
        sha256="f" * 64,
    )
    mistakes = common_mistakes(class_gradebook.latest(CLASS_ASSIGNMENT))
    assert ("scale", long_line[:160], 1) in mistakes


def test_the_dashboard_summarises_the_class(class_gradebook):
    records = class_gradebook.latest(CLASS_ASSIGNMENT)
    page = dashboard(CLASS_ASSIGNMENT, records)
    assert len(images(page)) == 1
    assert "<p>4 students; graded: 3, not_gradable: 1; mean 2.00 / 5</p>" in page
    assert f"<tr><td>scale</td><td>2</td><td>{html.escape(SHAPE_MISTAKE)}</td></tr>" in page
    links = re.findall(r"<a href='([^']*)'>", page)
    assert links == ["alice.html", "bob.html", "dave.html", page_name(OBRIEN)]
    assert re.fullmatch(r"o_brien_3-[0-9a-f]{16}\.html", page_name(OBRIEN))
    assert "&lt;script&gt;" in page and "<script>" not in page
    assert (
        "<p>Per-question means are over the 3 graded submissions; 1 not graded (their zeros say "
        "nothing about a question) are left out.</p>" in page
    )


def test_per_question_means_leave_out_submissions_that_were_not_graded(class_gradebook):
    means = dict(question_means(class_gradebook.latest(CLASS_ASSIGNMENT)))
    # alice, bob and o'brien<3; dave's import error is no evidence about either question
    assert means == pytest.approx({"square": (1 + 1 + 0.5) / 3, "scale": 1 / 3})
    assert question_means([]) == []


def unanswered_feedback() -> tuple[str, str, str]:
    """What the check kinds say about a question left as released."""
    choice = judge_choice(
        ChoiceCheck(answer="Q1", options=("a", "b"), correct=("a",)), None
    ).feedback
    problem = call_problem(
        CallResult(id="c0", ok=False, error="NotImplementedError: scale"), "scale"
    )
    assert problem is not None
    function = f"scale(): 0/4 checks passed. First problem: case 'x': {problem[1]}"
    with pytest.raises(AnswerParseError) as caught:
        answer_text(None, "SQUARE")
    return choice, function, str(caught.value)


def test_unanswered_questions_are_not_common_mistakes(class_gradebook):
    choice, function, symbolic = unanswered_feedback()
    for student in ("fay", "gus"):
        record_grade(
            class_gradebook,
            student,
            "graded",
            (
                question("square", 0, 2, "failed", symbolic + "\n" + choice),
                question("scale", 0, 3, "failed", function),
            ),
            sha256="9" * 64,
        )
    records = class_gradebook.latest(CLASS_ASSIGNMENT)
    assert sum(unanswered(q) for r in records for q in r.questions) == 4
    mistakes = common_mistakes(records)
    assert mistakes[0] == ("scale", SHAPE_MISTAKE, 2)
    assert all(student_text not in (symbolic, choice, function) for _, student_text, _ in mistakes)
    page = dashboard(CLASS_ASSIGNMENT, records)
    assert "Unanswered questions (left as released) are not counted here: 4." in page


def test_a_partly_answered_question_is_still_a_mistake():
    choice, _, symbolic = unanswered_feedback()
    assert not unanswered(question("square", 0, 2, "failed", symbolic + "\nQ2 = 'c' is wrong"))
    assert not unanswered(question("square", 1, 2, "partial", choice))
    assert not unanswered(question("square", 0, 2, "failed", ""))


def test_the_dashboard_of_an_empty_class_still_renders():
    page = dashboard("nobody", [])
    assert "<p>0 students; " in page and "<h2>Students</h2>" in page
    assert len(images(page)) == 1


def test_write_reports_writes_a_page_per_student_and_the_dashboard(class_gradebook, tmp_path):
    records = class_gradebook.latest(CLASS_ASSIGNMENT)
    written = write_reports(CLASS_ASSIGNMENT, records, tmp_path / "reports")
    folder = tmp_path / "reports" / CLASS_ASSIGNMENT
    assert written.folder == folder and written.open == folder / "index.html"
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        ["alice.html", "bob.html", "dave.html", "index.html", page_name(OBRIEN)]
    )
    assert written.pages == tuple((r.student, folder / page_name(r.student)) for r in records)
    assert written.failed == ()
    assert "<h1>kl_demo — alice</h1>" in (folder / "alice.html").read_text()
    assert "<h1>kl_demo — o&#x27;brien&lt;3</h1>" in (folder / page_name(OBRIEN)).read_text()
    assert "class dashboard" in (folder / "index.html").read_text()
    assert str(written) == f"HTML reports in {folder}/ (open {folder / 'index.html'})"


def test_write_reports_for_one_student_skips_the_dashboard_and_names_the_page(
    class_gradebook, tmp_path
):
    records = [r for r in class_gradebook.latest(CLASS_ASSIGNMENT) if r.student == OBRIEN]
    written = write_reports(CLASS_ASSIGNMENT, records, tmp_path, with_dashboard=False)
    page = tmp_path / CLASS_ASSIGNMENT / page_name(OBRIEN)
    assert [p.name for p in written.folder.iterdir()] == [page.name]
    assert written.open == page
    assert f"(open {page})" in str(written)


def test_a_page_that_cannot_be_written_costs_no_other_page_nor_the_index(class_gradebook, tmp_path):
    records = class_gradebook.latest(CLASS_ASSIGNMENT)
    folder = tmp_path / CLASS_ASSIGNMENT
    (folder / "bob.html").mkdir(parents=True)  # in the way of bob's page
    written = write_reports(CLASS_ASSIGNMENT, records, tmp_path)
    assert [student for student, _ in written.pages] == ["alice", "dave", OBRIEN]
    [(student, reason)] = written.failed
    assert student == "bob" and reason.startswith("IsADirectoryError: ")
    index = (folder / "index.html").read_text()
    assert f"<tr><td>bob <em>(page not written: {html.escape(reason)})</em></td>" in index
    assert "href='bob.html'" not in index and "href='alice.html'" in index
    assert str(written).splitlines()[1] == (
        f"the page of bob was not written (listed on the index): {reason}"
    )


def test_a_page_name_that_would_leave_the_folder_is_refused_not_written(class_gradebook, tmp_path):
    folder = tmp_path / "reports" / CLASS_ASSIGNMENT
    folder.mkdir(parents=True)
    (tmp_path / "elsewhere").mkdir()
    (folder / "alice.html").symlink_to(tmp_path / "elsewhere" / "alice.html")
    written = write_reports(
        CLASS_ASSIGNMENT, class_gradebook.latest(CLASS_ASSIGNMENT), folder.parent
    )
    assert [s for s, _ in written.failed] == ["alice"]
    assert "outside" in written.failed[0][1]
    assert list((tmp_path / "elsewhere").iterdir()) == []


def test_an_id_with_a_terminal_escape_is_printed_spelled_out(tmp_path, class_gradebook):
    bob = next(r for r in class_gradebook.latest(CLASS_ASSIGNMENT) if r.student == "bob")
    hostile = dataclasses.replace(bob, student="bob\x1b]0;owned\x07")
    (tmp_path / CLASS_ASSIGNMENT / page_name(hostile.student)).mkdir(parents=True)
    written = write_reports(CLASS_ASSIGNMENT, [hostile], tmp_path, with_dashboard=False)
    assert [s for s, _ in written.failed] == [hostile.student]
    assert "the page of bob\\x1b]0;owned\\x07 was not written: IsADirectoryError" in str(written)
    assert "\x1b" not in str(written) and "\x07" not in str(written)
