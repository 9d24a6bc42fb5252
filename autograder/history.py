"""A student's grading runs, each with what changed since the run before it, as data."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from autograder.errors import UsageError
from autograder.gradebook import Gradebook, RunRecord

# Scores are stored as floats; a difference below this is rounding, not a change of grade.
TOLERANCE = 1e-9


@dataclass(frozen=True, slots=True, kw_only=True)
class Change:
    """One difference between two consecutive runs: a new file, a new spec, or a question's score."""

    kind: Literal["file", "spec", "score"]
    question: str = ""
    before: float | None = None
    after: float | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Entry:
    """A run, and its changes from the previous run (`None` for the first run)."""

    record: RunRecord
    changes: tuple[Change, ...] | None


def changes(previous: RunRecord, current: RunRecord) -> list[Change]:
    """What differs from `previous` to `current`: the file, the spec, then each question's score in the
    order of `current` (questions new to the spec are covered by the spec change)."""
    found = []
    if previous.sha256 != current.sha256:
        found.append(Change(kind="file"))
    if previous.spec_hash != current.spec_hash:
        found.append(Change(kind="spec"))
    before = {q.id: q.score for q in previous.questions}
    for q in current.questions:
        if q.id in before and abs(before[q.id] - q.score) > TOLERANCE:
            found.append(Change(kind="score", question=q.id, before=before[q.id], after=q.score))
    return found


def history(gradebook: Gradebook, assignment: str, student: str) -> list[Entry]:
    """The `history` verb: every run of `student` on `assignment`, oldest first, with its changes."""
    records = gradebook.history(assignment, student)
    if not records:
        raise UsageError(
            f"no grading runs for {student} in {assignment}",
            hint=f"check the student id, or run `autograder grade {assignment} SUBMISSIONS` first",
        )
    entries = [Entry(record=records[0], changes=None)]
    for previous, current in zip(records, records[1:]):
        entries.append(Entry(record=current, changes=tuple(changes(previous, current))))
    return entries
