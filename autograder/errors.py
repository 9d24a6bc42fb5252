"""One exception hierarchy for the grader's own faults and for configuration errors."""

from __future__ import annotations


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


class AnswerParseError(Exception):
    """A student's expression could not be read; the message is shown to the student."""
