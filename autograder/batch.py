"""Many submissions: a pool of warm sandboxes, resume from the gradebook, progress on stderr; a
fault in grading or recording one submission is that submission's grader_error, never the batch's."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from autograder.errors import GradebookError
from autograder.gradebook import Gradebook, clean_text
from autograder.grader import grade_submission
from autograder.models import GradeReport, QuestionResult
from autograder.prepare import PreparedAssignment
from autograder.sandbox import Sandbox
from autograder.sandbox.pool import run_pool
from autograder.submission import Submission


@dataclass(slots=True)
class BatchSummary:
    graded: list[GradeReport] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    tier: str = ""
    unrecorded: list[str] = field(default_factory=list)  # "student (why)": not even a grader_error


def grader_error_report(
    prepared: PreparedAssignment, sub: Submission, exc: BaseException, *, while_: str = ""
) -> GradeReport:
    """A submission the grader failed on: never a silent 0; `grade` retries it next time. The
    message is cleaned and bounded here: it may hold what made the gradebook refuse the report."""
    spec = prepared.spec
    detail = clean_text(f"{type(exc).__name__}: {exc}")[:500]
    reason = (
        f"grader error{f' while {while_}' if while_ else ''} ({detail}); "
        "this is not your fault and will be regraded"
    )
    questions = tuple(
        QuestionResult(id=q.id, score=0.0, max_score=q.points, status="error", feedback=reason)
        for q in spec.questions
    )
    return GradeReport(
        student=sub.student,
        assignment=spec.name,
        status="grader_error",
        score=0.0,
        max_score=spec.max_score,
        questions=questions,
        feedback=reason,
        sha256=sub.sha256,
    )


def with_intake_notes(report: GradeReport, sub: Submission) -> GradeReport:
    """The report with what intake noted (a manifest that disagrees with the layout, duplicates)
    at the head of its feedback, for the student and the TA to see."""
    if not sub.notes:
        return report
    notes = "\n".join(f"intake: {note}" for note in sub.notes)
    return replace(report, feedback=notes + (f"\n{report.feedback}" if report.feedback else ""))


def record_report(
    gradebook: Gradebook,
    prepared: PreparedAssignment,
    sub: Submission,
    report: GradeReport,
    *,
    started: datetime,
    reason: str,
) -> tuple[GradeReport, str]:
    """Write one submission's report, never raising for it: when the gradebook refuses the report,
    a minimal grader_error is written in its place (graded again next run). Returns the report
    written, and why nothing could be written when even that failed (else "")."""
    spec = prepared.spec

    def write(written: GradeReport) -> None:
        gradebook.record(
            written,
            title=spec.title,
            spec_hash=spec.spec_hash,
            seeds=spec.seeds,
            filename=sub.filename,
            submitted_at=sub.submitted_at,
            started_at=started,
            reason=reason,
        )

    try:
        write(report)
        return report, ""
    except Exception as exc:  # one report's fault; the next submission is still graded
        fallback = grader_error_report(prepared, sub, exc, while_="recording the grade")
    try:
        write(fallback)
        return fallback, ""
    except Exception as exc:
        return fallback, clean_text(f"{type(exc).__name__}: {exc}")[:300]


def raise_unrecorded(summary: BatchSummary) -> None:
    """After a batch: a GradebookError naming the submissions whose grades could not be written at
    all (the rest are written), so that the command does not report success."""
    if summary.unrecorded:
        raise GradebookError(
            f"the grades of {len(summary.unrecorded)} submission(s) could not be written, not even "
            f"as a grader error: {'; '.join(summary.unrecorded[:10])}",
            hint="the other grades are written; fix the gradebook (disk space, permissions, the "
            "--gradebook URL) and run the same command: it grades only what is missing",
        )


def default_jobs() -> int:
    return max(
        1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    )


def still_to_grade(
    prepared: PreparedAssignment,
    subs: Sequence[Submission],
    gradebook: Gradebook,
    *,
    force: bool,
    skipped: list[str],
) -> list[Submission]:
    """The submissions to grade now: all with --force, else those without a result under this spec."""
    spec = prepared.spec
    todo = []
    for sub in subs:
        if not force and gradebook.has_result(sub.student, spec.name, sub.sha256, spec.spec_hash):
            skipped.append(sub.student)
        else:
            todo.append(sub)
    return todo


def grade_batch(
    prepared: PreparedAssignment,
    subs: Sequence[Submission],
    gradebook: Gradebook,
    *,
    jobs: int = 1,
    force: bool = False,
    on_report: Callable[[GradeReport], None] | None = None,
    console: Console | None = None,
) -> BatchSummary:
    """Grade each submission not yet graded under this spec, writing each in its own transaction."""
    spec = prepared.spec
    summary = BatchSummary()
    todo = still_to_grade(prepared, subs, gradebook, force=force, skipped=summary.skipped)
    lock = threading.Lock()
    reason = "regrade (--force)" if force else "graded"

    with Progress(
        TextColumn("[bold]{task.description:<24}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=console or Console(stderr=True),
        transient=False,
        disable=not todo,
    ) as progress:
        task = progress.add_task(f"grading {spec.name}", total=len(todo))

        def handle(sandbox: Sandbox, sub: Submission) -> None:
            started = datetime.now(UTC)
            try:
                report = grade_submission(prepared, sub, sandbox)
            except Exception as exc:  # our fault: record it, so it is seen and retried, and go on
                report = grader_error_report(prepared, sub, exc)
            report, failure = record_report(
                gradebook,
                prepared,
                sub,
                with_intake_notes(report, sub),
                started=started,
                reason=reason,
            )
            with lock:
                if failure:
                    summary.unrecorded.append(f"{sub.student} ({failure})")
                summary.graded.append(report)
                summary.tier = report.tier or summary.tier
                if on_report is not None:
                    on_report(report)
                progress.update(task, advance=1, description=f"graded {sub.student}")

        run_pool(todo, handle, jobs=jobs)
    summary.graded.sort(key=lambda r: r.student)
    raise_unrecorded(summary)
    return summary
