"""The `submit` verb: the student's file and a manifest in a zip to upload, after checking the
assignment's name against those visible from here."""

from __future__ import annotations

import difflib
import hashlib
import io
import json
import zipfile
from datetime import UTC, datetime
from pathlib import Path

from autograder.errors import UsageError
from autograder.submission.core import MANIFEST, MAX_FILE_BYTES, STUDENT_PATTERN


def known_assignments(solutions: Path, assignments: Path | None = None) -> list[str]:
    """The assignment names visible from here: solutions/HW/ and released assignments/HW/ folders.
    Empty on a student's machine outside the course repository, where no name can be checked."""
    names = {p.parent.name for p in solutions.glob("*/assignment.yaml")}
    if assignments is not None and assignments.is_dir():
        names.update(
            p.name for p in assignments.iterdir() if p.is_dir() and not p.name.startswith(".")
        )
    return sorted(names)


def unknown_assignment(hw: str, known: list[str], why: str = "") -> UsageError:
    """The error for a name that is not among `known`, with the closest one suggested."""
    close = difflib.get_close_matches(
        hw, known, n=1, cutoff=0.5
    )  # 0.6 misses a swapped pair of letters
    return UsageError(
        f"no assignment '{hw}'"
        + (f": {why}" if why else "")
        + (f"; did you mean '{close[0]}'?" if close else ""),
        hint=f"known assignments: {', '.join(known) or 'none'} (run from the course folder)",
    )


def check_assignment_name(hw: str, solutions: Path, assignments: Path) -> None:
    """A UsageError naming the known assignments when `hw` is not one of them (and some are visible)."""
    known = known_assignments(solutions, assignments)
    if known and hw not in known:
        raise unknown_assignment(hw, known)


def write_submission_zip(
    hw: str,
    path: Path | None,
    student: str,
    out: Path | None = None,
    *,
    solutions: Path = Path("solutions"),
    assignments: Path = Path("assignments"),
) -> Path:
    """The `submit` verb: a zip of the student's file and a manifest (student, assignment, file, time,
    sha256) that `from_manifest` verifies when the zip is graded. Returns the zip's path."""
    check_assignment_name(hw, solutions, assignments)
    if not STUDENT_PATTERN.match(student):
        raise UsageError(
            f"student id {student!r} is not allowed",
            hint="use letters, digits and _ . @ - only (at most 100), starting with a letter or digit",
        )
    if path is None:
        path = next(
            (p for p in (Path(f"{hw}.py"), Path(f"{hw}.ipynb")) if p.is_file()), Path(f"{hw}.py")
        )
    if not path.is_file():
        raise UsageError(f"{path} not found", hint=f"give the path of your {hw}.py or {hw}.ipynb")
    if path.suffix not in (".py", ".ipynb"):
        raise UsageError(
            f"{path} must be a .py or .ipynb file", hint=f"submit your {hw}.py or {hw}.ipynb"
        )
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise UsageError(
            f"{path} is {size} bytes, over the {MAX_FILE_BYTES}-byte limit",
            hint="remove large outputs or embedded data (clear the notebook's outputs)",
        )
    data = path.read_bytes()
    if not data.strip():
        raise UsageError(f"{path} is empty", hint="save your work, then submit again")
    manifest = {
        "student": student,
        "assignment": hw,
        "file": f"{hw}{path.suffix}",
        "submitted_at": datetime.now(UTC).isoformat(),
        "sha256": hashlib.sha256(data).hexdigest(),
    }
    target = out or Path(f"{student}_{hw}.zip")
    target.parent.mkdir(parents=True, exist_ok=True)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(MANIFEST, json.dumps(manifest, indent=2))
        archive.writestr(manifest["file"], data)
    target.write_bytes(buffer.getvalue())
    return target
