"""Load and validate assignment.yaml into frozen dataclasses; every error names file, key and fix."""

from __future__ import annotations

import hashlib
import re
from datetime import datetime
from pathlib import Path

import yaml

from autograder.errors import SpecError, UsageError
from autograder.models import AssignmentSpec, CheckSpec, LatePolicy, Limits, Question
from autograder.schema import Reader, show

ID_PATTERN = re.compile(r"^[a-z][a-z0-9_]*$")


def find_assignment(name: str, solutions: Path = Path("solutions")) -> Path:
    folder = solutions / name
    if not (folder / "assignment.yaml").is_file():
        known = sorted(p.name for p in solutions.glob("*") if (p / "assignment.yaml").is_file())
        raise UsageError(
            f"no assignment '{name}': {folder / 'assignment.yaml'} does not exist",
            hint=f"known assignments: {', '.join(known) or 'none'} (run from the course folder)",
        )
    return folder


def load_spec(folder: Path) -> AssignmentSpec:
    """Read solutions/HW/assignment.yaml and check everything a grader will rely on."""
    file = folder / "assignment.yaml"
    try:
        text = file.read_text()
        data = yaml.safe_load(text)
    except OSError as exc:
        raise SpecError(f"{file}: cannot be read ({exc.strerror})") from None
    except yaml.YAMLError as exc:
        raise SpecError(f"{file}: is not valid YAML: {exc}") from None
    top = Reader(file, data, "")
    top.check_keys(
        (
            "title",
            "student_file",
            "deadline",
            "late_policy",
            "extensions",
            "limits",
            "seeds",
            "questions",
            "equivalent_mutants",  # read by `autograder mutate` (mutate.equivalent_mutants)
        )
    )
    name = folder.name
    student_file = top.get("student_file", str, f"{name}.py")
    if Path(student_file).stem != name or not student_file.endswith(".py"):
        top.fail("student_file", f"must be '{name}.py' (the folder's name), got {student_file!r}")
    questions_raw = top.get(
        "questions", list, fix="list the questions, each with id, points and checks"
    )
    if not questions_raw:
        top.fail("questions", "must list at least one question")
    questions = tuple(_question(top.sub(f"questions[{i}]", q)) for i, q in enumerate(questions_raw))
    ids = [q.id for q in questions]
    for qid in ids:
        if ids.count(qid) > 1:
            top.fail("questions", f"has the id '{qid}' twice: ids must be unique")
    _check_answer_names(top, questions)
    seeds = top.get("seeds", list, [0])
    if not seeds or not all(isinstance(s, int) and not isinstance(s, bool) for s in seeds):
        top.fail("seeds", f"must be a non-empty list of integers, got {show(seeds)}")
    digest = hashlib.sha256(text.encode())
    for extra in sorted(folder.glob("*.py")):
        digest.update(extra.name.encode() + extra.read_bytes())
    return AssignmentSpec(
        name=name,
        title=top.get("title", str, name),
        student_file=student_file,
        root=folder.resolve(),
        questions=questions,
        limits=_limits(top),
        late_policy=_late_policy(top),
        deadline=_deadline(top),
        extensions=_extensions(top),
        seeds=tuple(seeds),
        spec_hash=digest.hexdigest(),
    )


def _check_answer_names(top: Reader, questions: tuple[Question, ...]) -> None:
    seen: dict[str, str] = {}
    for q in questions:
        for check in q.checks:
            name = getattr(check, "answer", None)
            if name is None:
                continue
            if name in seen and seen[name] != q.id:
                top.fail(
                    "questions", f"use the answer name {name} in both '{seen[name]}' and '{q.id}'"
                )
            seen[name] = q.id


def _limits(top: Reader) -> Limits:
    if "limits" not in top.data:
        return Limits()
    r = top.sub("limits", top.data["limits"])
    allowed = ("wall_seconds", "cpu_seconds", "memory_mb", "call_seconds")
    r.check_keys(allowed)
    values = {k: r.get(k, float) for k in allowed if k in r.data}
    for k, v in values.items():
        if v <= 0:
            r.fail(r.key(k), f"must be positive, got {v}")
    if "memory_mb" in values:
        values["memory_mb"] = int(values["memory_mb"])
        if values["memory_mb"] < 1024:
            r.fail(r.key("memory_mb"), "must be at least 1024: torch alone needs about 650 MB")
    return Limits(**values)


def _late_policy(top: Reader) -> LatePolicy:
    if "late_policy" not in top.data:
        return LatePolicy()
    r = top.sub("late_policy", top.data["late_policy"])
    r.check_keys(("grace_minutes", "penalty_per_day", "max_late_days"))
    policy = LatePolicy(
        grace_minutes=r.get("grace_minutes", float, 0.0),
        penalty_per_day=r.get("penalty_per_day", float, 0.0),
        max_late_days=r.get("max_late_days", float, 0.0),
    )
    if not 0 <= policy.penalty_per_day <= 1:
        r.fail(r.key("penalty_per_day"), "must be a fraction between 0 and 1")
    return policy


def _deadline(top: Reader) -> datetime | None:
    value = top.data.get("deadline")
    if value is None:
        return None
    if isinstance(value, datetime):
        deadline = value
    else:
        try:
            deadline = datetime.fromisoformat(str(value))
        except ValueError:
            top.fail(
                "deadline",
                f"must be an ISO 8601 time such as 2026-12-04T23:59:00+00:00, got {show(value)}",
            )
    if deadline.tzinfo is None:
        top.fail("deadline", "needs a time zone, e.g. 2026-12-04T23:59:00+00:00")
    return deadline


def _extensions(top: Reader) -> dict[str, float]:
    raw = top.get("extensions", dict, {})
    out = {}
    for student, days in raw.items():
        if not isinstance(days, (int, float)) or isinstance(days, bool) or days < 0:
            top.fail(f"extensions.{student}", f"must be a number of days, got {show(days)}")
        out[str(student)] = float(days)
    return out


def _question(r: Reader) -> Question:
    r.check_keys(("id", "title", "prompt", "points", "visibility", "checks"))
    qid = r.get("id", str)
    if not ID_PATTERN.match(qid):
        r.fail(r.key("id"), f"must be lower-case letters, digits and _, got {qid!r}")
    points = r.get("points", float, fix="give the question's points, e.g. points: 2")
    if points < 0:
        r.fail(r.key("points"), f"must not be negative, got {points}")
    visibility = r.get("visibility", str, "hidden")
    if visibility not in ("public", "hidden"):
        r.fail(r.key("visibility"), f"must be 'public' or 'hidden', got {visibility!r}")
    checks_raw = r.get(
        "checks", list, fix="add at least one check (symbolic, tensor, metric, choice or custom)"
    )
    if not checks_raw:
        r.fail(r.key("checks"), "must list at least one check")
    checks = tuple(_check(r.sub(f"checks[{i}]", c)) for i, c in enumerate(checks_raw))
    return Question(
        id=qid,
        points=points,
        visibility=visibility,
        checks=checks,
        title=r.get("title", str, ""),
        prompt=r.get("prompt", str, ""),
    )


def _check(r: Reader) -> CheckSpec:
    # Imported here: the kinds import torch, and finding an assignment (a CLI's first step) must not.
    from autograder.checks import registry

    known = ", ".join(registry.names())
    name = r.get("kind", str, fix=f"one of {known}")
    kind = registry.get(name)
    if kind is None:
        r.fail(r.key("kind"), f"must be one of {known}, got {name!r}")
    r.check_keys(("kind", *kind.keys, "weight"))
    check = kind.parse(r)
    if check.weight <= 0:
        r.fail(r.key("weight"), "must be positive")
    return check
