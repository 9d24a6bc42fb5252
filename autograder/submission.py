"""Find submissions in any supported layout and turn each into the source code to grade."""

from __future__ import annotations

import hashlib
import io
import json
import re
import zipfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from autograder.errors import UsageError

MAX_FILE_BYTES = 2 * 2**20
STUDENT_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.@-]{0,99}$")


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
        lines = [f"# {line}" if line.lstrip().startswith(("%", "!")) else line
                 for line in str(cell.get("source", "")).splitlines()]
        chunks.append("\n".join(lines))
    return "\n\n".join(chunks) + "\n"


def source_of(sub: Submission, module_file: str) -> tuple[bytes | None, str]:
    """(python source, problem): the problem explains why there is nothing to grade."""
    if sub.data is None:
        return None, sub.problem or f"no {module_file} (or notebook) was found in the submission"
    if len(sub.data) > MAX_FILE_BYTES:
        return None, f"{sub.filename} is {len(sub.data)} bytes, over the {MAX_FILE_BYTES}-byte limit"
    if sub.filename.endswith(".ipynb"):
        try:
            code = notebook_to_source(sub.data)
        except Exception as exc:  # nbformat raises many kinds on broken JSON
            return None, (f"the notebook {sub.filename} could not be read ({type(exc).__name__}: "
                          f"{str(exc)[:200]}); re-save it from Jupyter or submit a .py file")
        data = code.encode()
    else:
        data = sub.data
    if not data.strip():
        return None, f"{sub.filename} is empty"
    return data, ""


def _from_zip(data: bytes, student: str, hw: str, name: str) -> Submission:
    """A zip made by `autograder submit` (manifest.json + the file)."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        names = archive.namelist()
        submitted_at = None
        if "manifest.json" in names:
            manifest = json.loads(archive.read("manifest.json"))
            student = str(manifest.get("student", student))
            if manifest.get("submitted_at"):
                submitted_at = datetime.fromisoformat(manifest["submitted_at"])
        for candidate in (f"{hw}.py", f"{hw}.ipynb"):
            if candidate in names:
                info = archive.getinfo(candidate)
                if info.file_size > MAX_FILE_BYTES:
                    break
                return Submission(student=student, filename=candidate, data=archive.read(candidate),
                                  submitted_at=submitted_at)
    except (zipfile.BadZipFile, ValueError, KeyError) as exc:
        return Submission(student=student, filename=name, data=None, problem=f"{name} is not a valid zip ({exc})")
    return Submission(student=student, filename=name, data=None, problem=f"{name} holds no {hw}.py or {hw}.ipynb")


def _from_folder(folder: Path, hw: str) -> Submission:
    student = folder.name
    for base in (folder, folder / hw):
        for candidate in (f"{hw}.py", f"{hw}.ipynb"):
            path = base / candidate
            if path.is_file():
                return Submission(student=student, filename=candidate, data=path.read_bytes(),
                                  submitted_at=_mtime(path) if base != folder else None)
    return Submission(student=student, filename=f"{hw}.py", data=None,
                      problem=f"no {hw}.py or {hw}.ipynb in {folder.name}/")


def _mtime(path: Path) -> datetime:
    return datetime.fromtimestamp(path.stat().st_mtime, tz=UTC)


def discover(path: Path, hw: str) -> list[Submission]:
    """Every submission under `path`: student folders, STUDENT.{py,ipynb,zip} files, an LMS zip,
    or an nbgrader `submitted/` folder. Sorted by student."""
    if not path.exists():
        raise UsageError(f"{path} does not exist", hint="give the folder or zip of submissions to grade")
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
            sub = Submission(student=entry.stem, filename=f"{hw}{entry.suffix}", data=entry.read_bytes(),
                             submitted_at=None)
        elif entry.suffix == ".zip":
            sub = _from_zip(entry.read_bytes(), entry.stem, hw, entry.name)
        else:
            continue
        if not STUDENT_PATTERN.match(sub.student):
            continue
        found[sub.student] = sub
    if not found:
        raise UsageError(f"{path} holds no submissions",
                         hint=f"expected STUDENT/{hw}.py folders, STUDENT.py/.ipynb/.zip files, or an LMS zip")
    return [found[k] for k in sorted(found)]


def _discover_zip(path: Path, hw: str) -> list[Submission]:
    """An LMS bulk download: members named STUDENT/HW.py, STUDENT_*.py or STUDENT.zip."""
    try:
        archive = zipfile.ZipFile(path)
    except zipfile.BadZipFile:
        raise UsageError(f"{path} is not a valid zip file") from None
    if "manifest.json" in archive.namelist():
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
            found[student] = Submission(student=student, filename=f"{hw}{Path(name).suffix}", data=archive.read(info))
        elif name.endswith(".zip"):
            found[Path(name).stem] = _from_zip(archive.read(info), Path(name).stem, hw, name)
    return [found[k] for k in sorted(found) if STUDENT_PATTERN.match(k)]
