"""Submissions: `submit` writes one as a zip; every supported layout is read back into the code to grade."""

from __future__ import annotations

import difflib
import hashlib
import io
import json
import re
import zipfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from autograder.errors import UsageError

MAX_FILE_BYTES = 2 * 2**20
STUDENT_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.@-]{0,99}$")
MANIFEST = "manifest.json"


@dataclass(frozen=True, slots=True, kw_only=True)
class Submission:
    """One student's file as bytes (or the reason there is none)."""

    student: str
    filename: str
    data: bytes | None
    submitted_at: datetime | None = None
    problem: str = ""

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data or b"").hexdigest()


def notebook_to_source(data: bytes) -> str:
    """The code cells of a notebook as one module; magics and shell lines become comments."""
    import nbformat  # imported here: its schema validator costs seconds at start-up

    notebook = nbformat.reads(data.decode("utf-8"), as_version=4)
    chunks = []
    for cell in notebook.cells:
        if cell.get("cell_type") != "code":
            continue
        lines = [
            f"# {line}" if line.lstrip().startswith(("%", "!")) else line
            for line in str(cell.get("source", "")).splitlines()
        ]
        chunks.append("\n".join(lines))
    return "\n\n".join(chunks) + "\n"


def source_of(sub: Submission, module_file: str) -> tuple[bytes | None, str]:
    """(python source, problem): the problem explains why there is nothing to grade."""
    if sub.data is None:
        return None, sub.problem or f"no {module_file} (or notebook) was found in the submission"
    if len(sub.data) > MAX_FILE_BYTES:
        return (
            None,
            f"{sub.filename} is {len(sub.data)} bytes, over the {MAX_FILE_BYTES}-byte limit",
        )
    if sub.filename.endswith(".ipynb"):
        try:
            code = notebook_to_source(sub.data)
        except Exception as exc:  # nbformat raises many kinds on broken JSON
            return None, (
                f"the notebook {sub.filename} could not be read ({type(exc).__name__}: "
                f"{str(exc)[:200]}); re-save it from Jupyter or submit a .py file"
            )
        data = code.encode()
    else:
        data = sub.data
    if not data.strip():
        return None, f"{sub.filename} is empty"
    return data, ""


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
    sha256) that `_from_zip` verifies when the zip is graded. Returns the zip's path."""
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
    data = path.read_bytes()
    if len(data) > MAX_FILE_BYTES:
        raise UsageError(
            f"{path} is {len(data)} bytes, over the {MAX_FILE_BYTES}-byte limit",
            hint="remove large outputs or embedded data (clear the notebook's outputs)",
        )
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


def _from_zip(data: bytes, student: str, hw: str, name: str) -> Submission:
    """A zip made by `autograder submit` (manifest.json + the file), or a plain zip holding HW.py."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        names = archive.namelist()
        if MANIFEST in names:
            manifest = json.loads(archive.read(MANIFEST))
            if not isinstance(manifest, dict):
                return _unreadable(student, name, f"its {MANIFEST} is not a JSON object")
            student = str(manifest.get("student", student))
            submitted_at = None
            if manifest.get("submitted_at"):
                submitted_at = datetime.fromisoformat(manifest["submitted_at"])
            return _from_manifest(archive, manifest, student, hw, name, submitted_at)
        for candidate in (f"{hw}.py", f"{hw}.ipynb"):
            if candidate in names:
                info = archive.getinfo(candidate)
                if info.file_size > MAX_FILE_BYTES:
                    break
                return Submission(student=student, filename=candidate, data=archive.read(candidate))
    except (zipfile.BadZipFile, ValueError, KeyError, TypeError) as exc:
        return Submission(
            student=student, filename=name, data=None, problem=f"{name} is not a valid zip ({exc})"
        )
    return Submission(
        student=student, filename=name, data=None, problem=f"{name} holds no {hw}.py or {hw}.ipynb"
    )


def _from_manifest(
    archive: zipfile.ZipFile,
    manifest: dict[str, Any],
    student: str,
    hw: str,
    name: str,
    submitted_at: datetime | None,
) -> Submission:
    """The file the manifest names, only if it is there and its bytes have the manifest's sha256: a zip
    edited after `submit` is not graded rather than graded as something the student did not send."""
    file = manifest.get("file")
    if not isinstance(file, str) or file not in archive.namelist():
        return _unreadable(
            student, name, f"its {MANIFEST} names the file {file!r}, which the zip does not hold"
        )
    if file not in (f"{hw}.py", f"{hw}.ipynb"):
        return _unreadable(
            student,
            name,
            f"its {MANIFEST} names {file}, not {hw}.py or {hw}.ipynb "
            "(a zip for another assignment?)",
        )
    if archive.getinfo(file).file_size > MAX_FILE_BYTES:
        return _unreadable(student, name, f"{file} is over the {MAX_FILE_BYTES}-byte limit")
    data = archive.read(file)
    digest = hashlib.sha256(data).hexdigest()
    if manifest.get("sha256") != digest:
        return _unreadable(
            student,
            name,
            f"{file} has sha256 {digest[:12]}…, but its {MANIFEST} says "
            f"{str(manifest.get('sha256'))[:12]}… (was it changed after "
            "`autograder submit`?)",
        )
    return Submission(student=student, filename=file, data=data, submitted_at=submitted_at)


def _unreadable(student: str, name: str, why: str) -> Submission:
    return Submission(
        student=student,
        filename=name,
        data=None,
        problem=f"{name} cannot be graded: {why}; make the zip again with `autograder submit`",
    )


def _from_folder(folder: Path, hw: str) -> Submission:
    student = folder.name
    for base in (folder, folder / hw):
        for candidate in (f"{hw}.py", f"{hw}.ipynb"):
            path = base / candidate
            if path.is_file():
                return Submission(
                    student=student,
                    filename=candidate,
                    data=path.read_bytes(),
                    submitted_at=_mtime(path) if base != folder else None,
                )
    return Submission(
        student=student,
        filename=f"{hw}.py",
        data=None,
        problem=f"no {hw}.py or {hw}.ipynb in {folder.name}/",
    )


def _mtime(path: Path) -> datetime:
    return datetime.fromtimestamp(path.stat().st_mtime, tz=UTC)


def discover(path: Path, hw: str) -> list[Submission]:
    """Every submission under `path`: student folders, STUDENT.{py,ipynb,zip} files, an LMS zip,
    or an nbgrader `submitted/` folder. Sorted by student."""
    if not path.exists():
        raise UsageError(
            f"{path} does not exist", hint="give the folder or zip of submissions to grade"
        )
    if path.is_file() and path.suffix == ".zip":
        return _discover_zip(path, hw)
    if path.is_file():
        student = path.stem if path.stem != hw else "student"
        return [Submission(student=student, filename=f"{hw}{path.suffix}", data=path.read_bytes())]
    found: dict[str, Submission] = {}
    for entry in sorted(path.iterdir()):
        if entry.name.startswith("."):
            continue
        if entry.is_dir():
            sub = _from_folder(entry, hw)
        elif entry.suffix in (".py", ".ipynb"):
            sub = Submission(
                student=entry.stem,
                filename=f"{hw}{entry.suffix}",
                data=entry.read_bytes(),
                submitted_at=None,
            )
        elif entry.suffix == ".zip":
            sub = _from_zip(entry.read_bytes(), entry.stem, hw, entry.name)
        else:
            continue
        if not STUDENT_PATTERN.match(sub.student):
            continue
        found[sub.student] = sub
    if not found:
        raise UsageError(
            f"{path} holds no submissions",
            hint=f"expected STUDENT/{hw}.py folders, STUDENT.py/.ipynb/.zip files, or an LMS zip",
        )
    return [found[k] for k in sorted(found)]


def _discover_zip(path: Path, hw: str) -> list[Submission]:
    """An LMS bulk download: members named STUDENT/HW.py, STUDENT_*.py or STUDENT.zip."""
    try:
        archive = zipfile.ZipFile(path)
    except zipfile.BadZipFile:
        raise UsageError(f"{path} is not a valid zip file") from None
    if MANIFEST in archive.namelist():
        return [_from_zip(path.read_bytes(), path.stem, hw, path.name)]
    found: dict[str, Submission] = {}
    for info in archive.infolist():
        if info.is_dir() or info.file_size > MAX_FILE_BYTES * 4:
            continue
        parts = Path(info.filename).parts
        name = parts[-1]
        if len(parts) >= 2 and name in (f"{hw}.py", f"{hw}.ipynb"):
            student = parts[-2] if parts[-2] != hw else parts[-3] if len(parts) >= 3 else parts[-2]
            found[student] = Submission(student=student, filename=name, data=archive.read(info))
        elif name.endswith((".py", ".ipynb")):
            student = re.split(r"[_\s]", Path(name).stem)[0]
            found[student] = Submission(
                student=student, filename=f"{hw}{Path(name).suffix}", data=archive.read(info)
            )
        elif name.endswith(".zip"):
            found[Path(name).stem] = _from_zip(archive.read(info), Path(name).stem, hw, name)
    return [found[k] for k in sorted(found) if STUDENT_PATTERN.match(k)]
