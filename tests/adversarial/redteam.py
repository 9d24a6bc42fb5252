"""Grading a hostile class: attacks mixed with an honest and a skeleton control, graded into a real
gradebook; what each test asserts about every student, and that nothing outside the work changed."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from autograder.batch import grade_batch
from autograder.gradebook import Gradebook
from autograder.models import RunRecord
from autograder.prepare import PreparedAssignment, prepare
from autograder.release import strip_solutions
from autograder.spec import load_spec
from autograder.submission import discover
from tests.conftest import FIXTURES, ROOT

TINY = FIXTURES / "solutions" / "tiny"
HONEST = (FIXTURES / "class_tiny" / "good" / "tiny.py").read_bytes()
SKELETON = strip_solutions((TINY / "tiny.py").read_text(), "tiny.py").encode()
WATCHED = (
    ROOT / "solutions",
    ROOT / "assignments",
    ROOT / "tests" / "fixtures",
    ROOT / "autograder",
)


def tiny() -> PreparedAssignment:
    return prepare(load_spec(TINY))


def fingerprint(folders: Iterable[Path] = WATCHED) -> dict[str, str]:
    """sha256 of every file under the folders (symlinks by their target), to prove nothing changed."""
    found: dict[str, str] = {}
    for folder in folders:
        for path in sorted(folder.rglob("*")):
            if "__pycache__" in path.parts:
                continue
            if path.is_symlink():
                found[str(path)] = "link:" + os.readlink(path)
            elif path.is_file():
                found[str(path)] = hashlib.sha256(path.read_bytes()).hexdigest()
    return found


@dataclass
class Graded:
    records: dict[str, RunRecord]
    gradebook: Gradebook


def grade_folder(prepared: PreparedAssignment, folder: Path, db: Path, *, jobs: int = 2) -> Graded:
    gradebook = Gradebook(str(db))
    grade_batch(prepared, discover(folder, prepared.spec.module_name), gradebook, jobs=jobs)
    return Graded(
        records={r.student: r for r in gradebook.latest(prepared.spec.name)}, gradebook=gradebook
    )


def write_class(folder: Path, files: Mapping[str, bytes], *, controls: bool = True) -> Path:
    """STUDENT.py files in a folder, with the honest and skeleton controls unless told otherwise."""
    folder.mkdir(parents=True, exist_ok=True)
    entries = dict(files)
    if controls:
        entries.setdefault("control_honest", HONEST)
        entries.setdefault("control_skeleton", SKELETON)
    for name, data in entries.items():
        (folder / f"{name}.py").write_bytes(data)
    return folder


def assert_controls(graded: Graded, max_score: float) -> None:
    """The honest control gets full marks and the skeleton 0, whatever the attacks did."""
    honest, skeleton = graded.records["control_honest"], graded.records["control_skeleton"]
    assert honest.status == "graded" and honest.score == max_score, [
        (q.id, q.feedback) for q in honest.questions
    ]
    assert skeleton.status == "graded" and skeleton.score == 0


def score_of(record: RunRecord, question: str) -> float:
    return next(q.score for q in record.questions if q.id == question)
