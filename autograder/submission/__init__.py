"""Submissions: `submit` writes one as a zip; intake reads every supported layout back, taking who
and when from the container only, never following a link, capping every read, and losing no one."""

from __future__ import annotations

from autograder.submission.core import (
    MANIFEST,
    MAX_FILE_BYTES,
    STUDENT_PATTERN,
    Submission,
    notebook_to_source,
    source_of,
    student_id,
)
from autograder.submission.layout import discover, intake_summary
from autograder.submission.submit import (
    check_assignment_name,
    known_assignments,
    unknown_assignment,
    write_submission_zip,
)
from autograder.submission.times import override_submitted_at, read_submitted_at

__all__ = [
    "MANIFEST",
    "MAX_FILE_BYTES",
    "STUDENT_PATTERN",
    "Submission",
    "check_assignment_name",
    "discover",
    "intake_summary",
    "known_assignments",
    "notebook_to_source",
    "override_submitted_at",
    "read_submitted_at",
    "source_of",
    "student_id",
    "unknown_assignment",
    "write_submission_zip",
]
