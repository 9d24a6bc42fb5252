"""Many submissions: a pool of warm sandboxes, resume from the gradebook, progress on stderr."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from autograder.gradebook import Gradebook
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


def grader_error_report(
    prepared: PreparedAssignment, sub: Submission, exc: BaseException
) -> GradeReport:
    """A submission the grader failed on: never a silent 0; `grade` retries it next time."""
    spec = prepared.spec
    reason = (
        f"grader error ({type(exc).__name__}: {exc}); this is not your fault and will be regraded"
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
            # A gradebook failure propagates and stops the batch; what is written stays.
            gradebook.record(
                report,
                title=spec.title,
                spec_hash=spec.spec_hash,
                seeds=spec.seeds,
                filename=sub.filename,
                submitted_at=sub.submitted_at,
                started_at=started,
                reason=reason,
            )
            with lock:
                summary.graded.append(report)
                summary.tier = report.tier or summary.tier
                if on_report is not None:
                    on_report(report)
                progress.update(task, advance=1, description=f"graded {sub.student}")

        run_pool(todo, handle, jobs=jobs)
    summary.graded.sort(key=lambda r: r.student)
    return summary
