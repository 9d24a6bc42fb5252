"""`grade --submitted-at times.csv`: submission times from the LMS or a server, which override any
other."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from autograder.errors import UsageError
from autograder.submission.core import Submission, student_id


def override_submitted_at(subs: Sequence[Submission], csv_path: Path) -> list[Submission]:
    """`grade --submitted-at times.csv`: each listed student's time, from a CSV whose header names
    `student` and `submitted_at` (ISO 8601 with a time zone), replaces whatever intake found."""
    times = read_submitted_at(csv_path)
    return [
        replace(s, submitted_at=times[s.student], time_source=csv_path.name)
        if s.student in times
        else s
        for s in subs
    ]


def read_submitted_at(path: Path) -> dict[str, datetime]:
    """student → submitted time (UTC) from a CSV; a UsageError naming the line for a bad row."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(
            f"cannot read {path}: {exc}", hint="give a UTF-8 CSV with columns student,submitted_at"
        ) from None
    reader = csv.DictReader(io.StringIO(text))
    if not {"student", "submitted_at"} <= set(reader.fieldnames or ()):
        raise UsageError(
            f"{path} needs the columns student and submitted_at",
            hint="its first line should be: student,submitted_at",
        )
    times: dict[str, datetime] = {}
    for row in reader:
        where = f"{path}:{reader.line_num}"
        student = student_id((row["student"] or "").strip())
        value = (row["submitted_at"] or "").strip()
        try:
            when = datetime.fromisoformat(value)
        except ValueError:
            raise UsageError(
                f"{where}: {value!r} is not an ISO 8601 time",
                hint="write times like 2026-12-04T23:59:00+00:00",
            ) from None
        if when.tzinfo is None:
            raise UsageError(
                f"{where}: {value!r} has no time zone", hint="add one, e.g. +00:00 or Z"
            )
        if student in times and times[student] != when.astimezone(UTC):
            raise UsageError(f"{where}: {student} is given two different times")
        times[student] = when.astimezone(UTC)
    return times
