"""The gradebook: SQLite by default, any SQLAlchemy URL; one transaction per graded submission."""

from __future__ import annotations

import json
import platform
import socket
import threading
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event

from autograder.errors import GradebookError
from autograder.models import GradeReport, QuestionResult, RunRecord

DEFAULT_PATH = Path("gradebook") / "gradebook.db"

metadata = sa.MetaData()
students = sa.Table(
    "students",
    metadata,
    sa.Column("id", sa.String(100), primary_key=True),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
)
assignments = sa.Table(
    "assignments",
    metadata,
    sa.Column("name", sa.String(100), primary_key=True),
    sa.Column("title", sa.String(300), nullable=False),
    sa.Column("max_score", sa.Float, nullable=False),
    sa.Column("spec_hash", sa.String(64), nullable=False),
)
submissions = sa.Table(
    "submissions",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("student", sa.String(100), sa.ForeignKey("students.id"), nullable=False),
    sa.Column("assignment", sa.String(100), sa.ForeignKey("assignments.name"), nullable=False),
    sa.Column("sha256", sa.String(64), nullable=False),
    sa.Column("filename", sa.String(200), nullable=False),
    sa.Column("submitted_at", sa.DateTime(timezone=True)),
    sa.Column("late_days", sa.Float, nullable=False, default=0.0),
    sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
    sa.UniqueConstraint("student", "assignment", "sha256", name="uq_submission_content"),
)
runs = sa.Table(
    "runs",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column(
        "submission_id", sa.Integer, sa.ForeignKey("submissions.id"), nullable=False, index=True
    ),
    sa.Column("spec_hash", sa.String(64), nullable=False),
    sa.Column("versions", sa.Text, nullable=False),
    sa.Column("seeds", sa.Text, nullable=False),
    sa.Column("tier", sa.String(20), nullable=False),
    sa.Column("host", sa.String(200), nullable=False),
    sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("finished_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("score", sa.Float, nullable=False),
    sa.Column("max_score", sa.Float, nullable=False),
    sa.Column("penalty", sa.Float, nullable=False, default=0.0),
    sa.Column("feedback", sa.Text, nullable=False),
    sa.Column("reason", sa.String(200), nullable=False, default="graded"),
)
results = sa.Table(
    "results",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("run_id", sa.Integer, sa.ForeignKey("runs.id"), nullable=False, index=True),
    sa.Column("question", sa.String(100), nullable=False),
    sa.Column("score", sa.Float, nullable=False),
    sa.Column("max_score", sa.Float, nullable=False),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("feedback", sa.Text, nullable=False),
    sa.Column("evidence", sa.Text, nullable=False),
)


def url_for(value: str | None) -> str:
    """A SQLAlchemy URL from a URL or a file path (default gradebook/gradebook.db)."""
    if value and "://" in value:
        return value
    path = Path(value) if value else DEFAULT_PATH
    path.parent.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{path}"


def clean_text(value: str) -> str:
    """`value` as valid UTF-8 without NUL, which SQLite, PostgreSQL and every reader can hold: a lone
    surrogate or a NUL becomes a visible escape rather than an error that stops the batch."""
    if "\x00" in value:
        value = value.replace("\x00", "\\x00")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        value = value.encode("utf-8", "backslashreplace").decode("utf-8")
    return value


def _clean_report(report: GradeReport) -> GradeReport:
    """The report with every free-text string cleaned (statuses are literals; evidence is JSON)."""
    questions = tuple(
        replace(q, id=clean_text(q.id), feedback=clean_text(q.feedback)) for q in report.questions
    )
    return replace(
        report,
        student=clean_text(report.student),
        assignment=clean_text(report.assignment),
        feedback=clean_text(report.feedback),
        sha256=clean_text(report.sha256),
        tier=clean_text(report.tier),
        questions=questions,
    )


def _versions() -> str:
    import numpy
    import sympy
    import torch

    from autograder import __version__

    return json.dumps(
        {
            "autograder": __version__,
            "python": platform.python_version(),
            "torch": torch.__version__,
            "numpy": numpy.__version__,
            "sympy": sympy.__version__,
        }
    )


class Gradebook:
    """All reads and writes of grades. Nothing else opens the database."""

    def __init__(self, url: str | None = None) -> None:
        self.url = url_for(url)
        try:
            self.engine = sa.create_engine(self.url)
            if self.engine.dialect.name == "sqlite":
                event.listen(self.engine, "connect", _sqlite_pragmas)
            metadata.create_all(self.engine)
        except ImportError as exc:
            raise GradebookError(
                f"cannot open the gradebook at {self.url}: the database driver is missing ({exc})",
                hint="for PostgreSQL: pip install 'autograder[postgres]'",
            ) from None
        except sa.exc.SQLAlchemyError as exc:
            raise GradebookError(
                f"cannot open the gradebook at {self.url}: {exc.__class__.__name__}: {exc}",
                hint="check the path or URL given with --gradebook",
            ) from None
        self._versions = ""  # found at the first write: reading grades must not import torch
        self._lock = threading.Lock()
        self._host = socket.gethostname()

    def _found_versions(self) -> str:
        self._versions = _versions()
        return self._versions

    def close(self) -> None:
        self.engine.dispose()

    def has_result(self, student: str, assignment: str, sha256: str, spec_hash: str) -> bool:
        """True when this content was already graded under this spec (not counting grader errors)."""
        student = clean_text(student)  # as `record` wrote it
        query = (
            sa.select(runs.c.id)
            .join(submissions, runs.c.submission_id == submissions.c.id)
            .where(
                submissions.c.student == student,
                submissions.c.assignment == assignment,
                submissions.c.sha256 == sha256,
                runs.c.spec_hash == spec_hash,
                runs.c.status != "grader_error",
            )
            .limit(1)
        )
        with self.engine.connect() as conn:
            return conn.execute(query).first() is not None

    def record(
        self,
        report: GradeReport,
        *,
        title: str,
        spec_hash: str,
        seeds: tuple[int, ...],
        filename: str,
        submitted_at: datetime | None,
        started_at: datetime,
        reason: str = "graded",
    ) -> int:
        """Write one graded submission (student, submission, run, results) in one transaction.

        Writers in this process take turns; a writer in another process that created the same
        student or submission first makes this transaction roll back and run once more.
        """
        # Every string is cleaned here too, whatever the layers above did: one bad character in
        # one report must not stop a batch.
        report = _clean_report(report)
        title, filename, reason = clean_text(title), clean_text(filename), clean_text(reason)
        with self._lock:
            try:
                return self._record(
                    report, title, spec_hash, seeds, filename, submitted_at, started_at, reason
                )
            except sa.exc.IntegrityError:
                return self._record(
                    report, title, spec_hash, seeds, filename, submitted_at, started_at, reason
                )

    def _record(
        self,
        report: GradeReport,
        title: str,
        spec_hash: str,
        seeds: tuple[int, ...],
        filename: str,
        submitted_at: datetime | None,
        started_at: datetime,
        reason: str,
    ) -> int:
        now = datetime.now(UTC)
        try:
            with self.engine.begin() as conn:
                if (
                    conn.execute(
                        sa.select(students.c.id).where(students.c.id == report.student)
                    ).first()
                    is None
                ):
                    conn.execute(students.insert().values(id=report.student, created_at=now))
                row = conn.execute(
                    sa.select(assignments.c.name).where(assignments.c.name == report.assignment)
                ).first()
                values = dict(title=title, max_score=report.max_score, spec_hash=spec_hash)
                if row is None:
                    conn.execute(assignments.insert().values(name=report.assignment, **values))
                else:
                    conn.execute(
                        assignments.update()
                        .where(assignments.c.name == report.assignment)
                        .values(**values)
                    )
                sub = conn.execute(
                    sa.select(submissions.c.id).where(
                        submissions.c.student == report.student,
                        submissions.c.assignment == report.assignment,
                        submissions.c.sha256 == report.sha256,
                    )
                ).first()
                if sub is None:
                    sub_id = _new_id(
                        conn.execute(
                            submissions.insert().values(
                                student=report.student,
                                assignment=report.assignment,
                                sha256=report.sha256,
                                filename=filename,
                                submitted_at=submitted_at,
                                late_days=report.late_days,
                                received_at=now,
                            )
                        )
                    )
                else:
                    sub_id = sub[0]
                run_id = _new_id(
                    conn.execute(
                        runs.insert().values(
                            submission_id=sub_id,
                            spec_hash=spec_hash,
                            versions=self._versions or self._found_versions(),
                            seeds=json.dumps(list(seeds)),
                            tier=report.tier or "none",
                            host=self._host,
                            started_at=started_at,
                            finished_at=now,
                            status=report.status,
                            score=report.score,
                            max_score=report.max_score,
                            penalty=report.penalty,
                            feedback=report.feedback,
                            reason=reason,
                        )
                    )
                )
                if report.questions:
                    conn.execute(
                        results.insert(),
                        [
                            dict(
                                run_id=run_id,
                                question=q.id,
                                score=q.score,
                                max_score=q.max_score,
                                status=q.status,
                                feedback=q.feedback,
                                evidence=clean_text(json.dumps(q.evidence, default=str)),
                            )
                            for q in report.questions
                        ],
                    )
                return int(run_id)
        except sa.exc.IntegrityError:
            raise
        except sa.exc.SQLAlchemyError as exc:
            raise GradebookError(f"could not write the grade of {report.student}: {exc}") from None

    def history(self, assignment: str, student: str | None = None) -> list[RunRecord]:
        """Every run, oldest first."""
        query = (
            sa.select(
                runs,
                submissions.c.student,
                submissions.c.assignment,
                submissions.c.sha256,
                submissions.c.filename,
                submissions.c.submitted_at,
            )
            .join(submissions, runs.c.submission_id == submissions.c.id)
            .where(submissions.c.assignment == assignment)
            .order_by(runs.c.id)
        )
        if student is not None:
            query = query.where(submissions.c.student == student)
        with self.engine.connect() as conn:
            rows = conn.execute(query).mappings().all()
            ids = [r["id"] for r in rows]
            per_run: dict[int, list[QuestionResult]] = {i: [] for i in ids}
            if ids:
                for r in conn.execute(
                    sa.select(results).where(results.c.run_id.in_(ids)).order_by(results.c.id)
                ).mappings():
                    per_run[r["run_id"]].append(
                        QuestionResult(
                            id=r["question"],
                            score=r["score"],
                            max_score=r["max_score"],
                            status=r["status"],
                            feedback=r["feedback"],
                            evidence=json.loads(r["evidence"]),
                        )
                    )
        return [
            RunRecord(
                run_id=r["id"],
                student=r["student"],
                assignment=r["assignment"],
                sha256=r["sha256"],
                filename=r["filename"],
                submitted_at=r["submitted_at"],
                started_at=r["started_at"],
                status=r["status"],
                score=r["score"],
                max_score=r["max_score"],
                penalty=r["penalty"],
                feedback=r["feedback"],
                tier=r["tier"],
                spec_hash=r["spec_hash"],
                reason=r["reason"],
                questions=tuple(per_run[r["id"]]),
            )
            for r in rows
        ]

    def latest(self, assignment: str) -> list[RunRecord]:
        """The current grade of each student: their latest run."""
        current: dict[str, RunRecord] = {}
        for record in self.history(assignment):
            current[record.student] = record
        return [current[k] for k in sorted(current)]

    def assignments(self) -> Iterator[str]:
        with self.engine.connect() as conn:
            yield from (
                r[0]
                for r in conn.execute(sa.select(assignments.c.name).order_by(assignments.c.name))
            )


def _new_id(result: sa.CursorResult[Any]) -> Any:
    """The primary key of the row a single-row INSERT just wrote."""
    key = result.inserted_primary_key
    if key is None:  # typed optional for statements that are not one-row INSERTs
        raise GradebookError("the database did not return the id of the row just written")
    return key[0]


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()
