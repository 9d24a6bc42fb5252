"""Grades out of the gradebook: CSV, Canvas import CSV, Gradescope results.json, nbgrader, JSON lines.

Student ids are untrusted: a per-student file is named by `names.safe_name` inside its folder, and a
CSV text cell that a spreadsheet would read as a formula is quoted. JSON and nbgrader keep the real
id, as data."""

from __future__ import annotations

import csv
import json
import os
import sys
from pathlib import Path
from typing import Any

from autograder.errors import UsageError
from autograder.gradebook import Gradebook, RunRecord
from autograder.models import GradeReport
from autograder.names import path_inside, safe_name

# The one list of formats: `export --format` offers exactly these.
FORMATS = ("csv", "canvas", "gradescope", "nbgrader", "json")
# How a spreadsheet recognises a formula (or a DDE command) in a cell (OWASP, "CSV Injection").
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def check_format(fmt: str) -> None:
    """A UsageError unless `fmt` is one of FORMATS."""
    if fmt not in FORMATS:
        raise UsageError(f"unknown export format {fmt!r}", hint=f"use one of {', '.join(FORMATS)}")


def as_json(record: GradeReport | RunRecord) -> dict[str, Any]:
    """The machine-readable result: what `grade --json` and `check --json` print for a report just made,
    and `--format json` writes for a stored run."""
    return {
        "student": record.student,
        "assignment": record.assignment,
        "status": record.status,
        "score": round(record.score, 6),
        "max_score": record.max_score,
        "questions": [
            {
                "id": q.id,
                "score": round(q.score, 6),
                "max_score": q.max_score,
                "status": q.status,
                "feedback": q.feedback,
            }
            for q in record.questions
        ],
        "feedback": record.feedback,
    }


def gradescope_results(record: RunRecord) -> dict:
    """Gradescope's results.json for one student."""
    return {
        "score": round(record.score, 6),
        "output": record.feedback or f"status: {record.status}",
        "tests": [
            {
                "name": q.id,
                "score": round(q.score, 6),
                "max_score": q.max_score,
                "status": "passed" if q.status == "passed" else "failed",
                "output": q.feedback,
                "visibility": "visible",
            }
            for q in record.questions
        ],
    }


def csv_cell(value: str | float) -> str:
    """A number as written (`5`, `2.5`), text as itself, or with a leading `'` when a spreadsheet
    would run it: `=HYPERLINK(…)` is then shown, not followed."""
    if not isinstance(value, str):
        return f"{value:g}"
    return "'" + value if value.startswith(FORMULA_START) else value


def results_name(student: str) -> str:
    """The file of a student's Gradescope results in the export folder."""
    return safe_name(student) + ".json"


def _write_csv(path: Path, header: list[str], rows: list[list[str | float]]) -> None:
    # utf-8 whatever the locale: Canvas reads it, and an id in any script fits.
    with path.open("w", newline="", encoding="utf-8", errors="backslashreplace") as handle:
        writer = csv.writer(handle)
        writer.writerow([csv_cell(c) for c in header])
        writer.writerows([csv_cell(c) for c in row] for row in rows)


def export(
    gradebook: Gradebook, assignment: str, fmt: str, target: Path | None, *, solutions: Path
) -> Path:
    """The `export` verb: the current grades of `assignment` in format `fmt`; returns what was written."""
    check_format(fmt)
    records = gradebook.latest(assignment)
    if not records:
        graded = ", ".join(gradebook.assignments()) or "none yet"
        raise UsageError(
            f"the gradebook has no grades for {assignment}",
            hint=f"run `autograder grade {assignment} SUBMISSIONS` first "
            f"(graded assignments: {graded})",
        )
    base = Path("gradebook") / "exports"
    stem = safe_name(assignment)
    qids = [q.id for q in records[0].questions]
    if fmt == "csv":
        path = target or path_inside(base, f"{stem}.csv")
        path.parent.mkdir(parents=True, exist_ok=True)
        _write_csv(
            path,
            ["student", "status", "score", "max_score", *qids],
            [
                [r.student, r.status, r.score, r.max_score, *(q.score for q in r.questions)]
                for r in records
            ],
        )
    elif fmt == "canvas":
        path = target or path_inside(base, f"{stem}_canvas.csv")
        path.parent.mkdir(parents=True, exist_ok=True)
        column = f"{assignment} ({records[0].max_score:g} pts)"
        _write_csv(
            path,
            ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", column],
            [["", "", r.student, r.student, "", r.score] for r in records],
        )
    elif fmt == "json":
        path = target or path_inside(base, f"{stem}.jsonl")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("".join(json.dumps(as_json(r)) + "\n" for r in records))
    elif fmt == "gradescope":
        path = target or path_inside(base, f"{stem}_gradescope")
        path.mkdir(parents=True, exist_ok=True)
        for r in records:
            results = path_inside(path, results_name(r.student))
            results.write_text(json.dumps(gradescope_results(r), indent=2))
    elif fmt == "nbgrader":
        # The real id goes into the database: there it is data, never a path.
        path = target or base / "nbgrader_gradebook.db"
        path.parent.mkdir(parents=True, exist_ok=True)
        _to_nbgrader(records, assignment, path)
    else:  # FORMATS names a format that has no writer here
        raise AssertionError(f"export format {fmt!r} has no writer")
    return path


def _to_nbgrader(records: list[RunRecord], assignment: str, path: Path) -> None:
    """Write into an nbgrader gradebook: one notebook, one grade cell per question, scores as auto_score."""
    try:
        from nbgrader.api import Gradebook as NbGradebook
    except ImportError:
        raise UsageError(
            "the nbgrader export needs nbgrader", hint="pip install 'autograder[nbgrader]'"
        ) from None
    url = path if "://" in str(path) else f"sqlite:///{path}"
    # nbgrader creates its schema by running `alembic`, installed beside this interpreter.
    scripts = os.path.dirname(sys.executable)
    if scripts not in os.environ.get("PATH", "").split(os.pathsep):
        os.environ["PATH"] = scripts + os.pathsep + os.environ.get("PATH", "")
    with NbGradebook(str(url)) as gb:
        gb.update_or_create_assignment(assignment)
        gb.update_or_create_notebook(assignment, assignment)
        for q in records[0].questions:
            gb.update_or_create_grade_cell(
                q.id, assignment, assignment, max_score=q.max_score, cell_type="code"
            )
        for r in records:
            gb.update_or_create_student(r.student)
            try:
                gb.find_submission(assignment, r.student)
            except Exception:
                gb.add_submission(assignment, r.student)
            for q in r.questions:
                grade = gb.find_grade(q.id, assignment, assignment, r.student)
                grade.auto_score = q.score
            gb.db.commit()
