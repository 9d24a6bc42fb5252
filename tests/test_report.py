"""HTML feedback: a page per student with one plot, the class dashboard and its common mistakes."""

from __future__ import annotations

import base64
import html
import re

from autograder.report import common_mistakes, dashboard, student_page, write_reports
from tests.conftest import CLASS_ASSIGNMENT, SHAPE_MISTAKE, question, record_grade

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
    assert links == ["alice.html", "bob.html", "dave.html", "o&#x27;brien&lt;3.html"]
    assert "&lt;script&gt;" in page and "<script>" not in page


def test_the_dashboard_of_an_empty_class_still_renders():
    page = dashboard("nobody", [])
    assert "<p>0 students; " in page and "<h2>Students</h2>" in page
    assert len(images(page)) == 1


def test_write_reports_writes_a_page_per_student_and_the_dashboard(class_gradebook, tmp_path):
    records = class_gradebook.latest(CLASS_ASSIGNMENT)
    folder = write_reports(CLASS_ASSIGNMENT, records, tmp_path / "reports")
    assert folder == tmp_path / "reports" / CLASS_ASSIGNMENT
    assert sorted(p.name for p in folder.iterdir()) == [
        "alice.html",
        "bob.html",
        "dave.html",
        "index.html",
        "o'brien<3.html",
    ]
    assert "<h1>kl_demo — alice</h1>" in (folder / "alice.html").read_text()
    assert "class dashboard" in (folder / "index.html").read_text()


def test_write_reports_for_one_student_skips_the_dashboard(class_gradebook, tmp_path):
    records = [r for r in class_gradebook.latest(CLASS_ASSIGNMENT) if r.student == "alice"]
    folder = write_reports(CLASS_ASSIGNMENT, records, tmp_path, with_dashboard=False)
    assert [p.name for p in folder.iterdir()] == ["alice.html"]
