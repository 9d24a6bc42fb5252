"""Prove the grader right on an assignment: reference full marks, skeleton 0, each mistake as declared."""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field
from pathlib import Path

from autograder.errors import SpecError
from autograder.grader import grade_submission
from autograder.mistake import splice
from autograder.models import GradeReport
from autograder.prepare import PreparedAssignment
from autograder.release import strip_solutions
from autograder.sandbox import Sandbox
from autograder.sandbox.pool import UID_BASE, run_pool
from autograder.submission import Submission

HEADER = re.compile(r"^#\s*expect-(score|status|feedback)\s*:\s*(.*?)\s*$")


@dataclass(frozen=True, slots=True, kw_only=True)
class Expectation:
    score: float
    status: str = "graded"
    feedback: tuple[tuple[str, str], ...] = ()


@dataclass(slots=True, kw_only=True)
class Verdict:
    name: str
    expected: Expectation
    report: GradeReport
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def read_expectation(path: Path) -> Expectation:
    score, status, feedback = None, "graded", []
    for line in path.read_text().splitlines():
        if not line.startswith("#"):
            if line.strip():
                break
            continue
        match = HEADER.match(line)
        if not match:
            continue
        key, value = match.groups()
        if key == "score":
            try:
                score = float(value)
            except ValueError:
                raise SpecError(f"{path}: expect-score must be a number, got {value!r}") from None
        elif key == "status":
            status = value
        else:
            qid, _, text = value.partition(":")
            feedback.append((qid.strip(), text.strip()))
    if score is None:
        raise SpecError(f"{path}: the header must declare '# expect-score: N'")
    return Expectation(score=score, status=status, feedback=tuple(feedback))


def check_report(name: str, report: GradeReport, expected: Expectation) -> Verdict:
    verdict = Verdict(name=name, expected=expected, report=report)
    if report.status != expected.status:
        verdict.problems.append(f"status {report.status}, expected {expected.status}")
    if abs(report.score - expected.score) > 1e-6:
        verdict.problems.append(f"score {report.score:g}, expected {expected.score:g}")
    questions = {q.id: q for q in report.questions}
    for qid, text in expected.feedback:
        q = questions.get(qid)
        if q is None:
            verdict.problems.append(f"no question '{qid}'")
        elif text.lower() not in q.feedback.lower():
            verdict.problems.append(f"{qid}: feedback lacks {text!r} (got {q.feedback[:300]!r})")
    return verdict


def validate(prepared: PreparedAssignment, *, jobs: int = 1, progress=None) -> list[Verdict]:
    """Grade the reference, the skeleton and every mistake spliced into the reference (in `jobs`
    parallel sandboxes)."""
    spec = prepared.spec
    reference = (spec.root / spec.student_file).read_bytes()
    skeleton = strip_solutions(reference.decode(), spec.student_file).encode()
    cases = [
        ("reference", reference, Expectation(score=spec.max_score)),
        ("skeleton", skeleton, Expectation(score=0.0)),
    ]
    for path in sorted((spec.root / "mistakes").glob("*.py")):
        source = splice(reference.decode(), path.read_text(), where=str(path)).encode()
        cases.append((f"mistakes/{path.name}", source, read_expectation(path)))
    lock = threading.Lock()
    verdicts: dict[str, Verdict] = {}

    def handle(sandbox: Sandbox, case: tuple[str, bytes, Expectation]) -> None:
        name, data, expected = case
        sub = Submission(student=name, filename=spec.student_file, data=data)
        verdict = check_report(name, grade_submission(prepared, sub, sandbox), expected)
        with lock:
            verdicts[name] = verdict
            if progress is not None:
                progress(verdict)

    run_pool(cases, handle, jobs=jobs, uid_base=UID_BASE + 300)
    return [verdicts[name] for name, _, _ in cases]
