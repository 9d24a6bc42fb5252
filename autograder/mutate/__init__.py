"""Mutants of the reference's student-written code and answers, graded to prove that the checks
notice: a mutant the checks give full marks to is a wrong answer they would let through.

`operators` makes the mutants (each one top-level statement of the reference changed once and
spliced back, with an id NAME:operator:index that stays while the code around it changes); this
module grades them in the pool, on the questions that reach what each one changes.
"""

from __future__ import annotations

import ast
import dataclasses
import threading
from collections.abc import Callable, Sequence

import yaml

from autograder.errors import SpecError
from autograder.grader import grade_submission
from autograder.models import AssignmentSpec, GradeReport, frozen
from autograder.mutate.operators import OPERATORS, Mutant, bound_names, generate
from autograder.prepare import PreparedAssignment
from autograder.sandbox import Sandbox
from autograder.sandbox.pool import UID_BASE, run_pool
from autograder.schema import Reader, show
from autograder.submission import Submission

__all__ = [
    "OPERATORS",
    "Mutant",
    "MutantResult",
    "MutationReport",
    "equivalent_mutants",
    "generate",
    "mutate",
    "reaching_questions",
    "sample",
]

UID_OFFSET = 700  # sandbox uids apart from grade's, validate's and the Dask workers'


@frozen
class MutantResult:
    mutant: Mutant
    score: float
    max_score: float
    status: str  # the report's status, or "unchecked" when no check reaches the name
    questions: tuple[str, ...]  # the questions graded: those whose calls reach the name
    equivalent: str | None = None  # the reason given in assignment.yaml, when listed there

    @property
    def killed(self) -> bool:
        """It lost points. A grader error kills nothing: it is our fault, and shown as a survivor."""
        if self.status == "not_gradable":
            return True
        return self.status == "graded" and self.score < self.max_score - 1e-9


@frozen
class MutationReport:
    assignment: str
    results: tuple[MutantResult, ...]
    stale: tuple[str, ...] = ()  # ids listed as equivalent that no mutant has any more

    @property
    def killed(self) -> tuple[MutantResult, ...]:
        return tuple(r for r in self.results if r.killed)

    @property
    def equivalent(self) -> tuple[MutantResult, ...]:
        return tuple(r for r in self.results if not r.killed and r.equivalent is not None)

    @property
    def survivors(self) -> tuple[MutantResult, ...]:
        return tuple(r for r in self.results if not r.killed and r.equivalent is None)

    @property
    def score(self) -> float:
        """The share of mutants that lose points, among those not listed as equivalent."""
        judged = len(self.results) - len(self.equivalent)
        return len(self.killed) / judged if judged else 1.0


# ---------------------------------------------------------------- which checks reach a name


def reaching_questions(prepared: PreparedAssignment, reference: str) -> dict[str, tuple[str, ...]]:
    """For each top-level name of the reference, the questions whose calls reach it: they call
    or read it, or a name whose code refers to it (the reference's own call graph)."""
    uses: dict[str, set[str]] = {}
    for statement in ast.parse(reference).body:
        for name in bound_names(statement):
            uses[name] = {n.id for n in ast.walk(statement) if isinstance(n, ast.Name)}
    reached: dict[str, set[str]] = {name: set() for name in uses}
    for question in prepared.spec.questions:
        for plan in prepared.plans[question.id]:
            for call in plan.calls:
                stack, seen = [call.name], set()
                while stack:
                    name = stack.pop()
                    if name in seen or name not in uses:
                        continue
                    seen.add(name)
                    reached[name].add(question.id)
                    stack.extend(uses[name])
    order = [q.id for q in prepared.spec.questions]
    return {name: tuple(q for q in order if q in qs) for name, qs in reached.items()}


# ---------------------------------------------------------------- equivalent mutants, from the spec


def equivalent_mutants(spec: AssignmentSpec) -> dict[str, str]:
    """`equivalent_mutants` of assignment.yaml: mutant id → why no check can tell it apart."""
    file = spec.root / "assignment.yaml"
    data = yaml.safe_load(file.read_text()) or {}
    raw = Reader(file, data, "").get("equivalent_mutants", list, [])
    found: dict[str, str] = {}
    for i, item in enumerate(raw):
        r = Reader(file, item, f"equivalent_mutants[{i}]")
        r.check_keys(("id", "reason"))
        mutant_id = r.get("id", str, fix="the mutant's id as `autograder mutate` prints it")
        reason = r.get("reason", str, fix="say why no check can tell it from the reference")
        if not reason.strip():
            r.fail(r.key("reason"), "must say why the mutant is equivalent")
        if mutant_id in found:
            r.fail(r.key("id"), f"lists {show(mutant_id)} twice")
        found[mutant_id] = reason
    return found


def choices_of(spec: AssignmentSpec) -> dict[str, tuple[str, ...]]:
    """Each choice answer's name and its options."""
    return {
        check.answer: tuple(check.options)
        for q in spec.questions
        for check in q.checks
        if check.kind == "choice" and hasattr(check, "options") and hasattr(check, "answer")
    }


# ---------------------------------------------------------------- grading them


def sample(mutants: Sequence[Mutant], count: int | None) -> list[Mutant]:
    """`count` mutants spread evenly over the list (all of them for None), the same every time."""
    if count is None or count >= len(mutants):
        return list(mutants)
    return [mutants[i * len(mutants) // count] for i in range(count)]


def mutate(
    prepared: PreparedAssignment,
    *,
    count: int | None = None,
    only: Sequence[str] = (),
    jobs: int = 1,
    progress: Callable[[MutantResult], None] | None = None,
) -> MutationReport:
    """Generate the reference's mutants (a sample of `count`, or the ids in `only`), grade each
    in one of `jobs` warm sandboxes on the questions that reach what it changes, and judge."""
    spec = prepared.spec
    reference = (spec.root / spec.student_file).read_text()
    mutants = generate(reference, choices=choices_of(spec))
    equivalent = equivalent_mutants(spec)
    ids = {m.id for m in mutants}
    stale = tuple(i for i in equivalent if i not in ids)
    if only:
        unknown = [i for i in only if i not in ids]
        if unknown:
            raise SpecError(
                f"{spec.name}: no mutant {', '.join(unknown)}",
                hint=f"`autograder mutate {spec.name}` lists the mutants it makes",
            )
        mutants = [m for m in mutants if m.id in only]
    mutants = sample(mutants, count)
    reaching = reaching_questions(prepared, reference)
    results: dict[str, MutantResult] = {}
    control: list[GradeReport] = []
    lock = threading.Lock()

    def record(result: MutantResult) -> None:
        with lock:
            results[result.mutant.id] = result
            if progress is not None:
                progress(result)

    def grade(sandbox: Sandbox, student: str, source: str, questions: Sequence[str]) -> GradeReport:
        subset = tuple(q for q in spec.questions if q.id in questions)
        return grade_submission(
            dataclasses.replace(prepared, spec=dataclasses.replace(spec, questions=subset)),
            Submission(student=student, filename=spec.student_file, data=source.encode()),
            sandbox,
        )

    def handle(sandbox: Sandbox, mutant: Mutant | None) -> None:
        if mutant is None:  # the control: the reference itself, on every question
            control.append(grade(sandbox, "reference", reference, [q.id for q in spec.questions]))
            return
        score = max_score = 0.0
        status, graded = "unchecked", list[str]()
        # The quick questions first: a mutant they catch need not train.
        for questions in _phases(prepared, reaching.get(mutant.name, ())):
            report = grade(sandbox, mutant.id, mutant.source, questions)
            score, max_score = score + report.score, max_score + report.max_score
            status = report.status if status in ("unchecked", "graded") else status
            graded.extend(questions)
            if report.status != "graded" or report.score < report.max_score - 1e-9:
                break
        record(
            MutantResult(
                mutant=mutant,
                score=score,
                max_score=max_score,
                status=status,
                questions=tuple(graded),
                equivalent=equivalent.get(mutant.id),
            )
        )

    run_pool([None, *mutants], handle, jobs=jobs, uid_base=UID_BASE + UID_OFFSET)
    reference_report = control[0]
    if reference_report.status != "graded" or reference_report.score < spec.max_score - 1e-9:
        raise SpecError(
            f"{spec.name}: the reference scores {reference_report.score:g}/{spec.max_score:g} "
            f"({reference_report.status}), so no mutant can be judged against it",
            hint=f"run `autograder validate {spec.name}` and make the reference pass first",
        )
    return MutationReport(
        assignment=spec.name,
        results=tuple(results[m.id] for m in mutants),
        stale=stale,
    )


def _phases(prepared: PreparedAssignment, questions: Sequence[str]) -> list[tuple[str, ...]]:
    """The questions in two groups: those whose calls are quick, then those that train (a call
    allowed longer than the spec's call_seconds)."""
    limit = prepared.spec.limits.call_seconds
    slow = {
        q
        for q in questions
        if any(c.seconds > limit for plan in prepared.plans[q] for c in plan.calls)
    }
    groups = [
        tuple(q for q in questions if q not in slow),
        tuple(q for q in questions if q in slow),
    ]
    return [g for g in groups if g]
