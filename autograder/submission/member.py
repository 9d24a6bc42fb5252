"""One student's entry, read from a tree: a .py or .ipynb, a zip (with `submit`'s manifest checked,
and its student and time never believed), or a folder (nbgrader's STUDENT/HW/ and timestamp.txt)."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from autograder.submission.core import (
    MANIFEST,
    MAX_FILE_BYTES,
    MAX_ID_CHARS,
    Submission,
    student_id,
)
from autograder.submission.reader import Budget, Refused, Tree, ZipTree, refuse_node

MAX_ZIP_BYTES = 4 * MAX_FILE_BYTES  # a student's zip, as stored
MAX_ZIP_MEMBERS = 1_000  # in a student's zip
MAX_MANIFEST_BYTES = 64 * 2**10
NBGRADER_TIMESTAMP = "timestamp.txt"


@dataclass(frozen=True, slots=True)
class Found:
    """An entry as its layout found it, before one per student is chosen."""

    sub: Submission
    order: int = 0  # the LMS's own order (a submission id), to break ties between duplicates


def refused(student: str, origin: str, why: str) -> Submission:
    """A not-gradable entry: recorded with its reason, never dropped."""
    name = origin.rsplit("/", 1)[-1] or origin
    return Submission(student=student, filename=name[:200], data=None, problem=why, origin=origin)


def from_file(tree: Tree, path: tuple[str, ...], student: str, hw: str, name: str) -> Submission:
    """A student's .py, .ipynb or zip, whatever the layout around it called it."""
    origin = "/".join(path)
    suffix = Path(name).suffix.lower()
    try:
        if suffix == ".zip":
            return from_zip(tree.read(path, MAX_ZIP_BYTES), student, hw, origin, tree.budget)
        if suffix in (".py", ".ipynb"):
            data = tree.read(path, MAX_FILE_BYTES)
            return Submission(student=student, filename=f"{hw}{suffix}", data=data, origin=origin)
    except Refused as exc:
        return refused(student, origin, str(exc))
    return refused(
        student, origin, f"{origin} holds {name}, not {hw}.py, {hw}.ipynb or a zip of one"
    )


def from_zip(data: bytes, student: str, hw: str, origin: str, budget: Budget) -> Submission:
    """A zip made by `autograder submit` (manifest.json + the file), or a plain zip holding HW.py."""
    # ZipFile parses the whole central directory at once: count its entries before it does.
    if data.count(b"PK\x01\x02") > MAX_ZIP_MEMBERS:
        why = f"{origin} holds more than {MAX_ZIP_MEMBERS} members, the limit for one student"
        return refused(student, origin, why)
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        return refused(student, origin, f"{origin} is not a valid zip ({exc})")
    with archive:
        try:
            tree = ZipTree(archive, budget, origin, MAX_ZIP_MEMBERS)
            top = {node.name for node in tree.children(())}
            if MANIFEST in top:
                return from_manifest(tree, student, hw, origin, top)
            for candidate in (f"{hw}.py", f"{hw}.ipynb"):
                if candidate in top:
                    data = tree.read((candidate,), MAX_FILE_BYTES)
                    return Submission(student=student, filename=candidate, data=data, origin=origin)
        except Refused as exc:
            return refused(student, origin, f"{origin} cannot be graded: {exc}")
    return refused(student, origin, f"{origin} holds no {hw}.py or {hw}.ipynb")


def from_manifest(tree: ZipTree, student: str, hw: str, origin: str, top: set[str]) -> Submission:
    """The file the manifest names, only if it is there and its bytes have the manifest's sha256: a zip
    edited after `submit` is not graded rather than graded as something the student did not send.
    Who and when come from the layout: a manifest's student that differs is noted, its time unused."""

    def unreadable(why: str) -> Submission:
        return refused(
            student,
            origin,
            f"{origin} cannot be graded: {why}; make the zip again with `autograder submit`",
        )

    try:
        manifest = json.loads(tree.read((MANIFEST,), MAX_MANIFEST_BYTES))
    except ValueError as exc:  # JSON and UTF-8 errors alike
        return unreadable(f"its {MANIFEST} is not JSON ({str(exc)[:100]})")
    if not isinstance(manifest, dict):
        return unreadable(f"its {MANIFEST} is not a JSON object")
    file = manifest.get("file")
    if not isinstance(file, str) or file not in top:
        return unreadable(f"its {MANIFEST} names the file {file!r}, which the zip does not hold")
    if file not in (f"{hw}.py", f"{hw}.ipynb"):
        return unreadable(
            f"its {MANIFEST} names {file}, not {hw}.py or {hw}.ipynb (a zip for another assignment?)"
        )
    data = tree.read((file,), MAX_FILE_BYTES)
    digest = hashlib.sha256(data).hexdigest()
    if manifest.get("sha256") != digest:
        return unreadable(
            f"{file} has sha256 {digest[:12]}…, but its {MANIFEST} says "
            f"{str(manifest.get('sha256'))[:12]}… (was it changed after `autograder submit`?)"
        )
    notes = []
    claimed = manifest.get("student")
    if not isinstance(claimed, str) or student_id(claimed) != student:
        shown = repr(claimed)[:MAX_ID_CHARS]
        notes.append(
            f"the {MANIFEST} in {origin} names student {shown}, but the submission came as "
            f"{student!r}: it is graded as {student!r}"
        )
    if manifest.get("assignment") != hw:
        shown = repr(manifest.get("assignment"))[:MAX_ID_CHARS]
        notes.append(f"the {MANIFEST} in {origin} names assignment {shown}, not {hw!r}")
    return Submission(student=student, filename=file, data=data, origin=origin, notes=tuple(notes))


def from_folder(
    tree: Tree, path: tuple[str, ...], student: str, hw: str, *, trust_timestamp: bool
) -> Submission:
    """STUDENT/HW.py (or .ipynb), or nbgrader's STUDENT/HW/ with the timestamp.txt that `nbgrader
    collect` wrote; that time is trusted only under nbgrader's own `submitted/` folder."""
    origin = "/".join(path)
    try:
        children = {node.name: node for node in tree.children(path)}
        base = path
        if hw in children and children[hw].kind != "file":
            refuse_node(children[hw], f"{origin}/{hw}")
            base = (*path, hw)
            children = {node.name: node for node in tree.children(base)}
        names = [n for n in (f"{hw}.py", f"{hw}.ipynb") if n in children]
        if not names:
            return refused(student, origin, f"no {hw}.py or {hw}.ipynb in {origin}/")
        data = tree.read((*base, names[0]), MAX_FILE_BYTES)
        notes = tuple(
            f"{origin}/ also holds {name}, which was not graded ({names[0]} counts)"
            for name in names[1:]
        )
        submitted_at = None
        if base != path and NBGRADER_TIMESTAMP in children:
            stamp = tree.read((*base, NBGRADER_TIMESTAMP), 200)
            submitted_at = _nbgrader_time(stamp) if trust_timestamp else None
    except Refused as exc:
        return refused(student, origin, str(exc))
    return Submission(
        student=student,
        filename=names[0],
        data=data,
        origin="/".join((*base, names[0])),
        submitted_at=submitted_at,
        time_source="nbgrader" if submitted_at else "",
        notes=notes,
    )


def _nbgrader_time(stamp: bytes) -> datetime | None:
    """nbgrader's `2026-12-01 10:00:00.000000 UTC`, in UTC; None when it has no time zone."""
    text = stamp.decode("utf-8", "replace").strip()
    if text.endswith(" UTC"):
        text = text[:-4] + "+00:00"
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        return None
    return when.astimezone(UTC) if when.tzinfo else None


def id_from_stem(stem: str, hw: str) -> str:
    """STUDENT from STUDENT.py or from STUDENT_HW.zip, the name `submit` gives by default."""
    if stem.endswith(f"_{hw}") and len(stem) > len(hw) + 1:
        stem = stem[: -len(hw) - 1]
    return student_id(stem)
