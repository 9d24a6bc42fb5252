"""One exception hierarchy for the errors a user can cause, each with its exit code and a hint."""

from __future__ import annotations

# The one list of exit statuses; README.md ("Exit codes") and `autograder --help` show the same table.
EXIT_CODES: dict[int, str] = {
    0: "success: the command did its job (even when students failed)",
    1: "failure: `validate` found submissions not graded as declared, or an internal error (a traceback: please report it)",
    2: "usage: a bad argument, path or assignment name",
    3: "spec: an invalid assignment.yaml, checks.py or public_checks.json",
    4: "sandbox: the sandbox itself failed, not the student's code",
    5: "gradebook: the gradebook cannot be opened or written",
    6: "release: a reference solution cannot be released (e.g. an unbalanced # BEGIN SOLUTION)",
    7: "scheduler: the Dask scheduler is unreachable, or its workers see a different assignment",
    130: "interrupted (Ctrl-C): grades written so far are kept; the same command resumes",
}


class AutograderError(Exception):
    """Base class: says what happened, where, and what to do next."""

    exit_code = 1

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def format(self) -> str:
        text = f"error: {self.message}"
        if self.hint:
            text += f"\nhint: {self.hint}"
        return text


class UsageError(AutograderError):
    """The user asked for something that cannot be done (bad path, unknown assignment)."""

    exit_code = 2


class SpecError(AutograderError):
    """An assignment.yaml (or its checks.py) is invalid; the message names file, key and fix."""

    exit_code = 3


class SandboxError(AutograderError):
    """The sandbox itself failed (not the student's code): the grader's fault."""

    exit_code = 4


class GradebookError(AutograderError):
    """The gradebook could not be opened or written."""

    exit_code = 5


class ReleaseError(AutograderError):
    """A reference solution cannot be turned into a skeleton; the message names file:line and the fix."""

    exit_code = 6


class SchedulerError(AutograderError):
    """The Dask scheduler cannot be reached, or a worker sees a different assignment than the client."""

    exit_code = 7


class AnswerParseError(Exception):
    """A student's expression could not be read; the message is shown to the student."""
