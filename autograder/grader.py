"""One submission: source bytes → sandbox (data) → trusted checks → GradeReport."""

from __future__ import annotations

import math
import time
import traceback
from collections.abc import Collection
from datetime import datetime, timedelta
from typing import Any

from autograder.checks import registry
from autograder.models import (
    AssignmentSpec,
    CheckOutcome,
    GradeReport,
    QuestionResult,
    QuestionStatus,
    ReportStatus,
)
from autograder.prepare import PreparedAssignment
from autograder.sandbox import Sandbox
from autograder.submission import Submission, source_of

ALL = ("public", "hidden")


def late_days(spec: AssignmentSpec, student: str, submitted_at: datetime | None) -> float:
    """Whole days late after the grace period and any extension (0 when on time or undated)."""
    if spec.deadline is None or submitted_at is None:
        return 0.0
    due = spec.deadline + timedelta(
        days=spec.extensions.get(student, 0.0), minutes=spec.late_policy.grace_minutes
    )
    late = (submitted_at - due).total_seconds()
    return float(math.ceil(late / 86400)) if late > 0 else 0.0


def late_penalty(spec: AssignmentSpec, days: float) -> float:
    """The fraction of the score lost."""
    policy = spec.late_policy
    if days <= 0:
        return 0.0
    if policy.max_late_days and days > policy.max_late_days:
        return 1.0
    return min(1.0, policy.penalty_per_day * days)


def _question_result(
    qid: str, points: float, outcomes: list[tuple[CheckOutcome, float]]
) -> QuestionResult:
    total_weight = sum(w for _, w in outcomes)
    credit = sum(o.credit * w for o, w in outcomes) / total_weight
    score = points * credit
    status: QuestionStatus
    if any(o.status == "error" for o, _ in outcomes) and credit < 1:
        status = "error"
    elif credit >= 1 - 1e-12:
        status, score = "passed", points
    elif credit > 0:
        status = "partial"
    else:
        status = "failed"
    feedback = "\n".join(o.feedback for o, _ in outcomes)
    evidence = {"checks": [dict(o.evidence, credit=o.credit, status=o.status) for o, _ in outcomes]}
    return QuestionResult(
        id=qid, score=score, max_score=points, status=status, feedback=feedback, evidence=evidence
    )


def grade_submission(
    prepared: PreparedAssignment,
    submission: Submission,
    sandbox: Sandbox,
    *,
    visibility: Collection[str] = ALL,
) -> GradeReport:
    """Grade one submission. Student failures are data in the report; only our own faults raise."""
    spec = prepared.spec
    started = time.perf_counter()
    questions = [q for q in spec.questions if q.visibility in visibility]
    max_score = float(sum(q.points for q in questions))
    days = late_days(spec, submission.student, submission.submitted_at)
    penalty = late_penalty(spec, days)
    base: dict[str, Any] = dict(
        student=submission.student,
        assignment=spec.name,
        max_score=max_score,
        sha256=submission.sha256,
        late_days=days,
        penalty=penalty,
    )
    source, problem = source_of(submission, spec.student_file)
    if source is None:
        return _not_gradable(base, questions, problem, "", time.perf_counter() - started)
    calls = [c for q in questions for plan in prepared.plans[q.id] for c in plan.calls]
    calls.sort(key=lambda c: (c.kind != "get", c.seconds > spec.limits.call_seconds))
    run = sandbox.run(source, spec.student_file, calls, spec.limits, seed=spec.seeds[0])
    if not run.imported:
        return _not_gradable(
            base,
            questions,
            f"your file could not be imported: {run.import_error}",
            run.tier,
            time.perf_counter() - started,
        )
    results, grader_faults = [], []
    for q in questions:
        outcomes = []
        for plan in prepared.plans[q.id]:
            try:
                outcome = registry.judge(plan, run.results)
            except Exception as exc:  # our fault: say so, keep grading the rest
                grader_faults.append(f"{q.id}: {type(exc).__name__}: {exc}")
                detail = "".join(traceback.format_exception_only(type(exc), exc)).strip()
                outcome = CheckOutcome(
                    credit=0.0,
                    status="error",
                    feedback=f"grader error while checking this part ({detail}); "
                    f"this is not your fault and will be regraded",
                )
            outcomes.append((outcome, plan.weight))
        results.append(_question_result(q.id, q.points, outcomes))
    raw = sum(r.score for r in results)
    feedback = _overall_feedback(run, penalty, days)
    status: ReportStatus = "grader_error" if grader_faults else "graded"
    if grader_faults:
        feedback = (
            "grader errors: " + "; ".join(grader_faults) + ("\n" + feedback if feedback else "")
        )
    return GradeReport(
        status=status,
        score=raw * (1 - penalty),
        questions=tuple(results),
        feedback=feedback,
        tier=run.tier,
        seconds=time.perf_counter() - started,
        **base,
    )


def _overall_feedback(run, penalty: float, days: float) -> str:
    parts = []
    if penalty:
        parts.append(f"submitted {days:g} day(s) late: {penalty:.0%} late penalty applied")
    if run.stderr.strip():
        tail = run.stderr.strip()[-600:]
        parts.append(
            f"your code wrote to stderr (shown for information; warnings do not cost points):\n{tail}"
        )
    return "\n".join(parts)


def _not_gradable(base, questions, reason: str, tier: str, seconds: float) -> GradeReport:
    results = tuple(
        QuestionResult(
            id=q.id,
            score=0.0,
            max_score=q.points,
            status="error",
            feedback=f"not graded: {reason.splitlines()[0]}",
        )
        for q in questions
    )
    return GradeReport(
        status="not_gradable",
        score=0.0,
        questions=results,
        feedback=reason,
        tier=tier,
        seconds=seconds,
        **base,
    )
