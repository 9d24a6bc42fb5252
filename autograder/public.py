"""The public checks a release carries, so that `check` works with only assignments/HW/.

Each kind decides what of its plan may be shipped (expected values at points, never an
expression; public cases and reference outputs, never a hidden case or a gradient) and reads it
back; hidden kinds ship nothing.
"""

from __future__ import annotations

import json
from pathlib import Path

from autograder.checks import registry
from autograder.checks.kind import Site
from autograder.errors import SpecError
from autograder.models import AssignmentSpec, Limits, Question
from autograder.prepare import PreparedAssignment

FILE = "public_checks.json"
# The bundle's format version: a student's autograder refuses one it cannot read. Format 2 ships
# no gradients (format 1 did).
FORMAT = 2


def write_public(prepared: PreparedAssignment, folder: Path) -> Path:
    spec = prepared.spec
    questions = []
    for q in spec.questions:
        if q.visibility != "public":
            continue
        checks = [
            data for plan in prepared.plans[q.id] if (data := registry.to_public(plan)) is not None
        ]
        if checks:
            questions.append({"id": q.id, "title": q.title, "points": q.points, "checks": checks})
    bundle = {
        "format": FORMAT,
        "assignment": spec.name,
        "title": spec.title,
        "student_file": spec.student_file,
        "limits": {
            "wall_seconds": spec.limits.wall_seconds,
            "call_seconds": spec.limits.call_seconds,
            "memory_mb": spec.limits.memory_mb,
            "cpu_seconds": spec.limits.cpu_seconds,
        },
        "questions": questions,
    }
    path = folder / FILE
    path.write_text(json.dumps(bundle, indent=1, sort_keys=True) + "\n")
    return path


def load_public(folder: Path) -> PreparedAssignment:
    path = folder / FILE
    try:
        bundle = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise SpecError(
            f"{path}: cannot be read ({exc})", hint="release the assignment again"
        ) from None
    if not isinstance(bundle, dict) or bundle.get("format") != FORMAT:
        found = bundle.get("format", "none") if isinstance(bundle, dict) else "none"
        raise SpecError(
            f"{path}: public checks of format {found}, this autograder reads format {FORMAT}",
            hint="download the assignment again, or update autograder to the course's version",
        )
    questions, plans = [], {}
    for q in bundle["questions"]:
        built = []
        for ci, data in enumerate(q["checks"]):
            kind = registry.get(str(data.get("kind")))
            if kind is None:
                raise SpecError(
                    f"{path}: question {q['id']} has a check of unknown kind {data.get('kind')!r}",
                    hint="update autograder to the course's version",
                )
            built.append(
                kind.from_public(
                    data, Site(question=q["id"], prefix=f"{q['id']}.{ci}", where=str(path))
                )
            )
        plans[q["id"]] = tuple(built)
        questions.append(
            Question(
                id=q["id"], points=q["points"], visibility="public", checks=(), title=q["title"]
            )
        )
    spec = AssignmentSpec(
        name=bundle["assignment"],
        title=bundle["title"],
        student_file=bundle["student_file"],
        root=folder.resolve(),
        questions=tuple(questions),
        limits=Limits(**bundle["limits"]),
    )
    return PreparedAssignment(spec=spec, plans=plans, reference=None)
