"""HTML feedback per student (with a plot) and a class dashboard (histograms, common mistakes)."""

from __future__ import annotations

import base64
import html
import io
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

from autograder.models import RunRecord

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


def student_page(record: RunRecord) -> str:
    rows = "".join(
        f"<tr><td>{html.escape(q.id)}</td><td>{q.score:g}/{q.max_score:g}</td>"
        f"<td class='{q.status}'>{q.status}</td><td><pre>{html.escape(q.feedback)}</pre></td></tr>"
        for q in record.questions
    )
    extra = f"<h2>Notes</h2><pre>{html.escape(record.feedback)}</pre>" if record.feedback else ""
    return (
        f"<!doctype html><meta charset='utf-8'><title>{html.escape(record.assignment)}: "
        f"{html.escape(record.student)}</title><style>{STYLE}</style>"
        f"<h1>{html.escape(record.assignment)} — {html.escape(record.student)}</h1>"
        f"<p><b>{record.status}</b>: {record.score:g} / {record.max_score:g} points "
        f"(file sha256 {record.sha256[:12]}, graded {record.started_at:%Y-%m-%d %H:%M} UTC)</p>"
        f"<img alt='points per question' src='{student_plot(record)}'>"
        f"<table><tr><th>question</th><th>points</th><th>status</th><th>feedback</th></tr>{rows}</table>{extra}"
    )


def common_mistakes(records: Sequence[RunRecord], top: int = 10) -> list[tuple[str, str, int]]:
    """(question, first line of feedback, count) for the most frequent non-passing feedback."""
    counter: Counter[tuple[str, str]] = Counter()
    for r in records:
        for q in r.questions:
            if q.status != "passed" and q.feedback:
                counter[(q.id, q.feedback.splitlines()[0][:160])] += 1
    return [(qid, text, n) for (qid, text), n in counter.most_common(top)]


def dashboard(assignment: str, records: Sequence[RunRecord]) -> str:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 3.4))
    scores = [r.score for r in records]
    max_score = max((r.max_score for r in records), default=1.0)
    left.hist(scores, bins=min(20, max(5, len(scores))), range=(0, max_score), color="#3f51b5")
    left.set_xlabel("score")
    left.set_ylabel("students")
    left.set_title("total scores")
    qids = [q.id for q in records[0].questions] if records else []
    means = [
        sum(
            next((q.score / q.max_score for q in r.questions if q.id == qid and q.max_score), 0.0)
            for r in records
        )
        / len(records)
        for qid in qids
    ]
    right.barh(qids[::-1], means[::-1], color="#009688")
    right.set_xlim(0, 1)
    right.set_xlabel("mean fraction of points")
    right.set_title("per question")
    image = _png(fig)
    statuses = Counter(r.status for r in records)
    mistakes = "".join(
        f"<tr><td>{html.escape(q)}</td><td>{n}</td><td>{html.escape(t)}</td></tr>"
        for q, t, n in common_mistakes(records)
    )
    students = "".join(
        f"<tr><td><a href='{html.escape(r.student)}.html'>{html.escape(r.student)}</a></td>"
        f"<td class='{r.status}'>{r.status}</td><td>{r.score:g}/{r.max_score:g}</td></tr>"
        for r in records
    )
    return (
        f"<!doctype html><meta charset='utf-8'><title>{html.escape(assignment)} dashboard</title>"
        f"<style>{STYLE}</style><h1>{html.escape(assignment)}: class dashboard</h1>"
        f"<p>{len(records)} students; "
        + ", ".join(f"{k}: {v}" for k, v in sorted(statuses.items()))
        + f"; mean {sum(scores) / max(len(scores), 1):.2f} / {max_score:g}</p>"
        f"<img alt='score histograms' src='{image}'><h2>Most common mistakes</h2>"
        f"<table><tr><th>question</th><th>students</th><th>feedback</th></tr>{mistakes}</table>"
        f"<h2>Students</h2><table><tr><th>student</th><th>status</th><th>score</th></tr>{students}</table>"
    )


def write_reports(
    assignment: str, records: Sequence[RunRecord], folder: Path, *, with_dashboard: bool = True
) -> Path:
    target = folder / assignment
    target.mkdir(parents=True, exist_ok=True)
    for record in records:
        (target / f"{record.student}.html").write_text(student_page(record))
    if with_dashboard:
        (target / "index.html").write_text(dashboard(assignment, records))
    return target
