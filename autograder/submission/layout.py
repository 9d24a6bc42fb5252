"""Which layout SUBMISSIONS is (student folders, STUDENT.{py,ipynb,zip} files, a Canvas download, a
Gradescope export, nbgrader's submitted/), one submission per student from it, and what the TA
should know about what was found."""

from __future__ import annotations

import os
import re
import zipfile
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from pathlib import Path

from autograder.errors import UsageError
from autograder.submission.core import MANIFEST, MAX_FILE_BYTES, Submission, student_id
from autograder.submission.gradescope import GRADESCOPE_METADATA, from_gradescope
from autograder.submission.member import (
    MAX_ZIP_BYTES,
    Found,
    from_file,
    from_folder,
    from_zip,
    id_from_stem,
    refused,
)
from autograder.submission.reader import (
    Budget,
    FolderTree,
    Node,
    Refused,
    Tree,
    ZipTree,
    refuse_node,
)

MAX_LMS_MEMBERS = 200_000  # in an LMS download
# Canvas's bulk download: lastnamefirstname_[late_]userid_submissionid_originalname
CANVAS_NAME = re.compile(
    r"^(?P<name>[^_]+)_(?:(?P<late>late)_)?(?P<user>\d+)_(?P<order>\d+)_(?P<file>.+)$", re.I
)
SUFFIXES = (".py", ".ipynb", ".zip")


def discover(path: Path, hw: str) -> list[Submission]:
    """Every submission under `path`, one per student, sorted by student: student folders,
    STUDENT.{py,ipynb,zip} files, a Canvas bulk download (zip or folder), a Gradescope export
    (zip or folder), or an nbgrader `submitted/` folder. What cannot be graded is kept, with why."""
    if not path.exists():
        raise UsageError(
            f"{path} does not exist", hint="give the folder or zip of submissions to grade"
        )
    budget = Budget()
    if path.is_file() and path.suffix.lower() == ".zip":
        found = _from_zip_file(path, hw, budget)
    elif path.is_file():
        student = path.stem if path.stem != hw else "student"
        real = path.resolve()  # the TA named this file: a link to it is their choice
        try:
            data = FolderTree(real.parent, budget).read((real.name,), MAX_FILE_BYTES)
            found = [Found(Submission(student=student, filename=f"{hw}{path.suffix}", data=data))]
        except Refused as exc:
            found = [Found(refused(student, path.name, str(exc)))]
    elif path.is_dir():
        tree = FolderTree(path, budget)
        found = _from_layout(tree, hw, trust_timestamp=path.resolve().name == "submitted")
    else:
        raise UsageError(f"{path} is not a folder, a zip or a file")
    if not found:
        raise UsageError(
            f"{path} holds no submissions",
            hint=f"expected STUDENT/{hw}.py folders, STUDENT.py/.ipynb/.zip files, an LMS download "
            "(Canvas, Gradescope) or nbgrader's submitted/",
        )
    return _one_each(found)


def _from_zip_file(path: Path, hw: str, budget: Budget) -> list[Found]:
    """An LMS download as one zip, or one student's zip (made by `submit`) given directly."""
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError):
        raise UsageError(f"{path} is not a valid zip file") from None
    with archive:
        try:
            tree = ZipTree(archive, budget, path.name, MAX_LMS_MEMBERS)
            if MANIFEST in {node.name for node in tree.children(())}:
                student = id_from_stem(path.stem, hw)
                real = path.resolve()
                try:
                    data = FolderTree(real.parent, budget).read((real.name,), MAX_ZIP_BYTES)
                except Refused as exc:
                    return [Found(refused(student, path.name, str(exc)))]
                return [Found(from_zip(data, student, hw, path.name, budget))]
            return _from_layout(tree, hw, trust_timestamp=False)
        except Refused as exc:
            raise UsageError(f"{path} cannot be read: {exc}") from None


def _one_each(found: list[Found]) -> list[Submission]:
    """One submission per student. Of several, the newest trusted time counts; without one to tell
    them apart, the later in the LMS's order, then the last by name. The others are listed."""
    groups: dict[str, list[Found]] = {}
    for entry in found:
        groups.setdefault(entry.sub.student, []).append(entry)
    chosen = []
    for student in sorted(groups):
        group = sorted(groups[student], key=_rank)
        counted = group[-1].sub
        if len(group) > 1:
            others = tuple(entry.sub.origin for entry in group[:-1])
            times = [entry.sub.submitted_at for entry in group[:-1]]
            newest = counted.submitted_at is not None and all(
                t is None or t < counted.submitted_at for t in times
            )
            why = (
                "the newest trusted time"
                if newest
                else "no trusted time tells them apart: the later in the LMS's order, then by name"
            )
            note = (
                f"{len(group)} submissions were found for {student} "
                f"({', '.join((*others, counted.origin))}); {counted.origin} counts ({why})"
            )
            counted = replace(counted, duplicates=others, notes=(*counted.notes, note))
        chosen.append(counted)
    return chosen


def _rank(entry: Found) -> tuple[bool, float, int, str]:
    when = entry.sub.submitted_at
    return (when is not None, when.timestamp() if when else 0.0, entry.order, entry.sub.origin)


def _from_entry(tree: Tree, node: Node, hw: str, *, trust_timestamp: bool) -> list[Found]:
    """One entry at the top of a layout: a Canvas file, a student folder, STUDENT.{py,ipynb,zip}."""
    canvas = CANVAS_NAME.match(node.name) if node.kind != "dir" else None
    if canvas:
        student = student_id(canvas["user"])
        sub = from_file(tree, (node.name,), student, hw, canvas["file"])
        return [Found(replace(sub, marked_late=bool(canvas["late"])), int(canvas["order"]))]
    if node.kind == "dir":
        sub = from_folder(
            tree, (node.name,), student_id(node.name), hw, trust_timestamp=trust_timestamp
        )
        return [Found(sub)]
    stem, suffix = os.path.splitext(node.name)
    if suffix.lower() in SUFFIXES:
        return [Found(from_file(tree, (node.name,), id_from_stem(stem, hw), hw, node.name))]
    if node.kind == "link" and not suffix:  # a link that may stand for a student's folder
        try:
            refuse_node(node, node.name)
        except Refused as exc:
            return [Found(refused(student_id(node.name), node.name, str(exc)))]
    return []  # not a submission: a README, a grades.csv


def _skipped(name: str) -> bool:
    return name.startswith(".") or name == "__MACOSX" or name == GRADESCOPE_METADATA


def _from_layout(tree: Tree, hw: str, *, trust_timestamp: bool) -> list[Found]:
    top = tree.children(())
    names = {node.name for node in top}
    if GRADESCOPE_METADATA in names:
        return from_gradescope(tree, (), hw)
    folders = [node for node in top if not _skipped(node.name)]
    if len(folders) == 1 and folders[0].kind == "dir":  # Gradescope's export, one folder down
        inner = (folders[0].name,)
        if GRADESCOPE_METADATA in {node.name for node in tree.children(inner)}:
            return from_gradescope(tree, inner, hw)
    found: list[Found] = []
    for node in top:
        if not _skipped(node.name):
            found.extend(_from_entry(tree, node, hw, trust_timestamp=trust_timestamp))
    return found


def intake_summary(subs: Sequence[Submission], deadline: datetime | None) -> list[str]:
    """Lines for the TA: what intake noted (duplicates, a manifest that disagrees with the layout),
    and, when there is a deadline, who has no trusted time and so no late penalty."""
    lines: list[str] = []
    for sub in subs:
        lines.extend(f"{sub.student}: {note}" for note in getattr(sub, "notes", ()))
    untimed = [s.student for s in subs if getattr(s, "submitted_at", None) is None]
    if deadline is not None and untimed:
        shown = ", ".join(untimed[:20]) + (
            f" and {len(untimed) - 20} more" if len(untimed) > 20 else ""
        )
        lines.append(
            f"no trusted time for {len(untimed)} submission(s), so no late penalty: {shown}; "
            "give the LMS's times with --submitted-at times.csv (student,submitted_at)"
        )
    late = [s.student for s in subs if getattr(s, "marked_late", False) and not s.time_source]
    if late:
        lines.append(
            f"the LMS marks {', '.join(late)} late but gives no time: no penalty was applied; "
            "give the times with --submitted-at times.csv"
        )
    return lines
