"""Scale-out on a Dask cluster: the same per-submission task, results written by this process alone."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from autograder.batch import (
    BatchSummary,
    grader_error_report,
    raise_unrecorded,
    record_report,
    still_to_grade,
    with_intake_notes,
)
from autograder.errors import SchedulerError
from autograder.gradebook import Gradebook
from autograder.models import GradeReport, QuestionResult
from autograder.prepare import PreparedAssignment
from autograder.sandbox.pool import UID_BASE

# Dask's own default is 30 s; an unreachable address should be reported well before a TA gives up.
CONNECT_SECONDS = 10.0

_local = threading.local()


def grade_task(
    spec_dir: str,
    spec_hash: str,
    student: str,
    filename: str,
    data: bytes | None,
    submitted_at: str | None,
    problem: str,
    secret: bytes | None = None,
) -> dict[str, Any]:
    """Runs on a worker: bytes in, report data out. Each worker thread keeps one warm sandbox and
    prepares each assignment once. `secret` is the client's course secret, so that every worker
    draws the same hidden cases as the client would."""
    from autograder.grader import grade_submission
    from autograder.prepare import prepare
    from autograder.sandbox import Sandbox
    from autograder.spec import load_spec
    from autograder.submission import Submission

    cache = getattr(_local, "prepared", None)
    if cache is None:
        cache = _local.prepared = {}
        _local.sandbox = Sandbox(uid=UID_BASE + 200 + threading.get_ident() % 500)
    prepared = cache.get((spec_hash, secret))
    if prepared is None:
        prepared = cache[spec_hash, secret] = prepare(load_spec(Path(spec_dir)), secret=secret)
    if prepared.spec.spec_hash != spec_hash:
        raise SchedulerError(
            f"a Dask worker sees a different {spec_dir}/assignment.yaml than the client",
            hint="sync the course folder to every worker (same path, same commit), then grade again",
        )
    sub = Submission(
        student=student,
        filename=filename,
        data=data,
        problem=problem,
        submitted_at=datetime.fromisoformat(submitted_at) if submitted_at else None,
    )
    return asdict(grade_submission(prepared, sub, _local.sandbox))


def _report(data: dict[str, Any]) -> GradeReport:
    questions = tuple(QuestionResult(**q) for q in data.pop("questions"))
    return GradeReport(questions=questions, **data)


def connect(address: str, *, timeout: float = CONNECT_SECONDS) -> Any:
    """A dask Client for the scheduler at `address`; a SchedulerError when it cannot be reached."""
    from dask.distributed import Client

    try:
        return Client(address, timeout=timeout)
    except (OSError, TimeoutError, ValueError) as exc:
        raise SchedulerError(
            f"cannot reach the Dask scheduler at {address}: {exc}",
            hint="start it with `dask scheduler` (and workers with `dask worker ADDRESS`), "
            "check the address and port, or grade without --scheduler",
        ) from None


def grade_on_cluster(
    prepared: PreparedAssignment,
    subs: Sequence,
    gradebook: Gradebook,
    *,
    address: Any,
    force: bool = False,
    on_report: Callable[[GradeReport], None] | None = None,
    console: Console | None = None,
    timeout: float = CONNECT_SECONDS,
) -> BatchSummary:
    """Like `grade_batch`, with the grading sent to the Dask scheduler at `address` (or a Client)."""
    from dask.distributed import Client, as_completed

    spec = prepared.spec
    summary = BatchSummary()
    todo = still_to_grade(prepared, subs, gradebook, force=force, skipped=summary.skipped)
    client = address if isinstance(address, Client) else connect(address, timeout=timeout)
    reason = "regrade (--force)" if force else "graded"
    try:
        by_key = {}
        futures = []
        for sub in todo:
            future = client.submit(
                grade_task,
                str(spec.root),
                spec.spec_hash,
                sub.student,
                sub.filename,
                sub.data,
                sub.submitted_at.isoformat() if sub.submitted_at else None,
                sub.problem,
                prepared.secret,
                pure=False,
                key=f"grade-{spec.name}-{sub.student}-{sub.sha256[:12]}",
            )
            by_key[future.key] = sub
            futures.append(future)
        with Progress(
            TextColumn("[bold]{task.description:<24}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeRemainingColumn(),
            console=console or Console(stderr=True),
            disable=not todo,
        ) as progress:
            task = progress.add_task(f"grading {spec.name} on dask", total=len(todo))
            for future in as_completed(futures):
                sub = by_key[future.key]
                started = datetime.now(UTC)
                try:
                    report = _report(future.result())
                except SchedulerError:  # the workers see another assignment: stop, with the hint
                    raise
                except Exception as exc:  # this submission's task failed: its grader_error
                    report = grader_error_report(prepared, sub, exc)
                report, failure = record_report(
                    gradebook,
                    prepared,
                    sub,
                    with_intake_notes(report, sub),
                    started=started,
                    reason=reason,
                )
                if failure:
                    summary.unrecorded.append(f"{sub.student} ({failure})")
                summary.graded.append(report)
                summary.tier = report.tier or summary.tier
                if on_report is not None:
                    on_report(report)
                progress.update(task, advance=1, description=f"graded {sub.student}")
    finally:
        if client is not address:
            client.close()
    summary.graded.sort(key=lambda r: r.student)
    raise_unrecorded(summary)
    return summary
