"""What an assignment declares: limits, late policy, inputs to generate, questions and the spec.

The check kinds' own spec types subclass `CheckSpec` in their modules under `autograder.checks`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import field
from datetime import datetime
from pathlib import Path
from typing import Any, ClassVar, Literal

from autograder.models.base import frozen

Visibility = Literal["public", "hidden"]


@frozen
class Limits:
    wall_seconds: float = 120.0
    cpu_seconds: float = 120.0
    memory_mb: int = 3072
    call_seconds: float = 10.0
    max_processes: int = 64
    max_file_mb: int = 64
    max_open_files: int = 256
    max_output_kb: int = 64
    max_result_mb: int = 8  # what one call may return; more fails that call, and is not re-run


@frozen
class LatePolicy:
    grace_minutes: float = 0.0
    penalty_per_day: float = 0.0
    max_late_days: float = 0.0


@frozen
class ArraySpec:
    """How to build one input array: `dist` in normal|uniform|zeros|ones|full|value."""

    shape: tuple[int, ...] = ()
    dist: str = "normal"
    dtype: str = "float64"
    scale: float = 1.0
    low: float = 0.0
    high: float = 1.0
    fill: float = 0.0
    value: Any = None


@frozen
class Case:
    """One set of inputs to call a function with, built from seeded array specs."""

    label: str
    args: tuple[ArraySpec, ...] = ()
    kwargs: Mapping[str, Any] = field(default_factory=dict)
    properties: tuple[str, ...] = ()


@frozen
class CheckSpec:
    """The part every check kind shares; `kind` names its module in the registry."""

    kind: ClassVar[str] = ""
    weight: float = 1.0


@frozen
class Question:
    id: str
    points: float
    visibility: Visibility
    checks: tuple[CheckSpec, ...]
    title: str = ""
    prompt: str = ""


@frozen
class AssignmentSpec:
    name: str
    title: str
    student_file: str
    root: Path
    questions: tuple[Question, ...]
    limits: Limits = Limits()
    late_policy: LatePolicy = LatePolicy()
    deadline: datetime | None = None
    extensions: Mapping[str, float] = field(default_factory=dict)
    seeds: tuple[int, ...] = (0,)
    spec_hash: str = ""

    @property
    def module_name(self) -> str:
        return Path(self.student_file).stem

    @property
    def max_score(self) -> float:
        return float(sum(q.points for q in self.questions))
