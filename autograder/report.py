"""HTML feedback per student (with a plot) and a class dashboard (histograms, common mistakes).

Student ids and feedback are untrusted: every one is escaped, every file is named by
`names.safe_name` inside the report folder, and every link is that name, URL-quoted."""

from __future__ import annotations

import base64
import html
import io
from collections import Counter
from collections.abc import Mapping, Sequence
from pathlib import Path
from urllib.parse import quote

from autograder.errors import AutograderError
from autograder.models import QuestionResult, RunRecord, frozen
from autograder.names import path_inside, printable, safe_name

INDEX = "index.html"
# What the check kinds write for a question left as released: an answer still None, a choice not
# made, a function still raising NotImplementedError. Not a mistake, and it would crowd them out.
UNANSWERED = ("is not answered", "is not implemented yet", "is not defined (or is None)")

STYLE = """body{font-family:system-ui,sans-serif;max-width:980px;margin:2em auto;color:#222}
table{border-collapse:collapse;width:100%}td,th{border:1px solid #ccc;padding:.4em;vertical-align:top;text-align:left}
.passed{color:#176f2c}.partial{color:#8a6d00}.failed{color:#b00020}.error{color:#7b1fa2}
pre{white-space:pre-wrap;margin:0;font-size:.9em}"""


def _png(figure) -> str:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=110, bbox_inches="tight")
    import matplotlib.pyplot as plt

    plt.close(figure)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


def _figure(width: float = 7, height: float = 3):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt.subplots(figsize=(width, height))


def student_plot(record: RunRecord) -> str:
    fig, ax = _figure(7, 0.5 + 0.35 * max(1, len(record.questions)))
    names = [q.id for q in record.questions][::-1]
    ax.barh(names, [q.max_score for q in record.questions][::-1], color="#e0e0e0", label="points")
    colors = {"passed": "#2e7d32", "partial": "#f9a825", "failed": "#c62828", "error": "#7b1fa2"}
    ax.barh(
        names,
        [q.score for q in record.questions][::-1],
        color=[colors.get(q.status, "#777") for q in record.questions][::-1],
        label="earned",
    )
    ax.set_xlabel("points")
    ax.legend(loc="lower right")
    return _png(fig)


def page_name(student: str) -> str:
    """The file of a student's page in a report folder: never the dashboard's, never a path."""
    return safe_name(student, reserved=(INDEX.removesuffix(".html"),)) + ".html"


def _href(student: str) -> str:
    # A safe name has no ':' or '/', and quoting makes that hold for the browser too: the link is
    # always a file beside the page, never `javascript:` or another scheme.
    return html.escape(quote(page_name(student), safe=""))


def student_page(record: RunRecord) -> str:
    rows = "".join(
        f"<tr><td>{html.escape(q.id)}</td><td>{q.score:g}/{q.max_score:g}</td>"
        f"<td class='{html.escape(q.status)}'>{html.escape(q.status)}</td>"
        f"<td><pre>{html.escape(q.feedback)}</pre></td></tr>"
        for q in record.questions
    )
    extra = f"<h2>Notes</h2><pre>{html.escape(record.feedback)}</pre>" if record.feedback else ""
    return (
        f"<!doctype html><meta charset='utf-8'><title>{html.escape(record.assignment)}: "
        f"{html.escape(record.student)}</title><style>{STYLE}</style>"
        f"<h1>{html.escape(record.assignment)} — {html.escape(record.student)}</h1>"
        f"<p><b>{html.escape(record.status)}</b>: {record.score:g} / {record.max_score:g} points "
        f"(file sha256 {html.escape(record.sha256[:12])}, graded {record.started_at:%Y-%m-%d %H:%M} UTC)</p>"
        f"<img alt='points per question' src='{student_plot(record)}'>"
        f"<table><tr><th>question</th><th>points</th><th>status</th><th>feedback</th></tr>{rows}</table>{extra}"
    )


def unanswered(question: QuestionResult) -> bool:
    """Whether a question scored nothing because it was left as released (every line of its
    feedback says so)."""
    lines = [line for line in question.feedback.splitlines() if line.strip()]
    return (
        question.score == 0
        and bool(lines)
        and all(any(phrase in line for phrase in UNANSWERED) for line in lines)
    )


def common_mistakes(records: Sequence[RunRecord], top: int = 10) -> list[tuple[str, str, int]]:
    """(question, first line of feedback, count) for the most frequent non-passing feedback, leaving
    out unanswered questions."""
    counter: Counter[tuple[str, str]] = Counter()
    for r in records:
        for q in r.questions:
            if q.status != "passed" and q.feedback and not unanswered(q):
                counter[(q.id, q.feedback.splitlines()[0][:160])] += 1
    return [(qid, text, n) for (qid, text), n in counter.most_common(top)]


def question_means(records: Sequence[RunRecord]) -> list[tuple[str, float]]:
    """(question, mean fraction of its points) over the graded submissions: a submission that could
    not be graded scored nothing on any question, which says nothing about the question."""
    graded = [r for r in records if r.status == "graded"]
    qids = [q.id for q in records[0].questions] if records else []
    return [
        (
            qid,
            sum(
                next(
                    (q.score / q.max_score for q in r.questions if q.id == qid and q.max_score), 0.0
                )
                for r in graded
            )
            / max(len(graded), 1),
        )
        for qid in qids
    ]


def dashboard(
    assignment: str, records: Sequence[RunRecord], *, failed: Mapping[str, str] | None = None
) -> str:
    """The class page; a student in `failed` (id → reason) is listed with the reason, unlinked."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    failed = failed or {}
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 3.4))
    scores = [r.score for r in records]
    max_score = max((r.max_score for r in records), default=1.0)
    left.hist(scores, bins=min(20, max(5, len(scores))), range=(0, max_score), color="#3f51b5")
    left.set_xlabel("score")
    left.set_ylabel("students")
    left.set_title("total scores")
    means = question_means(records)
    right.barh([q for q, _ in means][::-1], [m for _, m in means][::-1], color="#009688")
    right.set_xlim(0, 1)
    right.set_xlabel("mean fraction of points")
    right.set_title("per question (graded submissions)")
    image = _png(fig)
    statuses = Counter(r.status for r in records)
    graded = statuses.get("graded", 0)
    left_out = len(records) - graded
    means_note = f"Per-question means are over the {graded} graded submissions" + (
        f"; {left_out} not graded (their zeros say nothing about a question) are left out."
        if left_out
        else "."
    )
    skipped = sum(unanswered(q) for r in records for q in r.questions)
    mistakes = "".join(
        f"<tr><td>{html.escape(q)}</td><td>{n}</td><td>{html.escape(t)}</td></tr>"
        for q, t, n in common_mistakes(records)
    )
    students = "".join(
        (
            f"<tr><td>{html.escape(r.student)} <em>(page not written: "
            f"{html.escape(failed[r.student])})</em></td>"
            if r.student in failed
            else f"<tr><td><a href='{_href(r.student)}'>{html.escape(r.student)}</a></td>"
        )
        + f"<td class='{html.escape(r.status)}'>{html.escape(r.status)}</td>"
        f"<td>{r.score:g}/{r.max_score:g}</td></tr>"
        for r in records
    )
    return (
        f"<!doctype html><meta charset='utf-8'><title>{html.escape(assignment)} dashboard</title>"
        f"<style>{STYLE}</style><h1>{html.escape(assignment)}: class dashboard</h1>"
        f"<p>{len(records)} students; "
        + ", ".join(f"{html.escape(k)}: {v}" for k, v in sorted(statuses.items()))
        + f"; mean {sum(scores) / max(len(scores), 1):.2f} / {max_score:g}</p>"
        f"<img alt='score histograms' src='{image}'><p>{means_note}</p>"
        f"<h2>Most common mistakes</h2>"
        f"<p>Unanswered questions (left as released) are not counted here: {skipped}.</p>"
        f"<table><tr><th>question</th><th>students</th><th>feedback</th></tr>{mistakes}</table>"
        f"<h2>Students</h2><table><tr><th>student</th><th>status</th><th>score</th></tr>{students}</table>"
    )


@frozen
class Reports:
    """What `write_reports` wrote: the folder, the file to open (the dashboard, else the one page
    written), each student's page, and the students whose page could not be written, with why."""

    folder: Path
    open: Path
    pages: tuple[tuple[str, Path], ...]
    failed: tuple[tuple[str, str], ...] = ()

    def __str__(self) -> str:
        # What `report` prints; ids are shown through `printable`, never obeyed by the terminal.
        listed = " (listed on the index)" if self.open.name == INDEX else ""
        return "\n".join(
            [f"HTML reports in {self.folder}/ (open {self.open})"]
            + [
                f"the page of {printable(student)} was not written{listed}: {printable(reason)}"
                for student, reason in self.failed
            ]
        )


def _reason(exc: Exception) -> str:
    return exc.message if isinstance(exc, AutograderError) else f"{type(exc).__name__}: {exc}"


def _write_page(path: Path, page: str) -> None:
    # The pages declare utf-8; the locale's encoding (cp1252 on Windows) may not hold an id.
    path.write_text(page, encoding="utf-8", errors="xmlcharrefreplace")


def write_reports(
    assignment: str, records: Sequence[RunRecord], folder: Path, *, with_dashboard: bool = True
) -> Reports:
    """A page per student and the dashboard in `folder/ASSIGNMENT/`. A page that cannot be written
    costs no other page, nor the dashboard, which lists it with the reason."""
    target = path_inside(folder, safe_name(assignment))
    target.mkdir(parents=True, exist_ok=True)
    pages: list[tuple[str, Path]] = []
    failed: list[tuple[str, str]] = []
    for record in records:
        try:
            path = path_inside(target, page_name(record.student))
            _write_page(path, student_page(record))
        except Exception as exc:  # whatever went wrong, it stays this student's
            failed.append((record.student, _reason(exc)))
        else:
            pages.append((record.student, path))
    opened = pages[0][1] if len(pages) == 1 else target
    if with_dashboard:
        opened = path_inside(target, INDEX)
        _write_page(opened, dashboard(assignment, records, failed=dict(failed)))
    return Reports(folder=target, open=opened, pages=tuple(pages), failed=tuple(failed))
