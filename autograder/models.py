"""Frozen data passed between layers: specs, sandbox results, check outcomes and reports."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

import numpy as np

Visibility = Literal["public", "hidden"]
QuestionStatus = Literal["passed", "partial", "failed", "error"]
ReportStatus = Literal["graded", "not_gradable", "grader_error"]


def frozen(cls):
    return dataclass(frozen=True, slots=True, kw_only=True)(cls)


# ---------------------------------------------------------------- spec


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
    label: str
    args: tuple[ArraySpec, ...] = ()
    kwargs: Mapping[str, Any] = field(default_factory=dict)
    properties: tuple[str, ...] = ()


@frozen
class Mistake:
    expr: str
    feedback: str
    credit: float = 0.0


@frozen
class SymbolicCheck:
    answer: str
    expected: str
    symbols: Mapping[str, str]
    domain: Mapping[str, tuple[float, float]] = field(default_factory=dict)
    mistakes: tuple[Mistake, ...] = ()
    undecided_credit: float = 1.0
    weight: float = 1.0
    kind: str = "symbolic"


@frozen
class TensorCheck:
    function: str
    cases: tuple[Case, ...] = ()
    generator: str | None = None
    rtol: float = 1e-8
    atol: float = 1e-8
    rtol32: float = 1e-5
    atol32: float = 1e-5
    gradcheck: bool = False
    weight: float = 1.0
    kind: str = "tensor"


@frozen
class Band:
    low: float | None = None
    high: float | None = None


@frozen
class MetricCheck:
    entry: str
    evaluate: str
    data: str | None = None
    kwargs: Mapping[str, Any] = field(default_factory=dict)
    bands: Mapping[str, Band] = field(default_factory=dict)
    seconds: float = 60.0
    scoring: str = "fraction"
    derivation: str = ""
    weight: float = 1.0
    kind: str = "metric"


@frozen
class ChoiceCheck:
    answer: str
    options: tuple[str, ...]
    correct: tuple[str, ...]
    feedback: Mapping[str, str] = field(default_factory=dict)
    weight: float = 1.0
    kind: str = "choice"


@frozen
class CustomCheck:
    function: str
    calls: tuple[str, ...] = ()
    weight: float = 1.0
    kind: str = "custom"


Check = SymbolicCheck | TensorCheck | MetricCheck | ChoiceCheck | CustomCheck


@frozen
class Question:
    id: str
    points: float
    visibility: Visibility
    checks: tuple[Check, ...]
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


# ---------------------------------------------------------------- sandbox data


@frozen
class ArrayValue:
    """An array returned by student code, decoded from header-checked .npy bytes."""

    array: np.ndarray = field(compare=False)
    origin: str  # "torch" or "numpy"
    dtype: str  # e.g. "torch.float64" or "float64"
    type_name: str = "torch.Tensor"


@frozen
class OpaqueValue:
    """Something that is not data (a function, a custom object); only its type name comes back."""

    type_name: str
    detail: str = ""


Value = Any  # None | bool | int | float | str | ArrayValue | OpaqueValue | tuple | Mapping[str, Value]


@frozen
class GradProbe:
    """Data for a gradient check: a cotangent `v` for the output (a vector-Jacobian product)."""

    v: np.ndarray = field(compare=False)


@frozen
class Call:
    """One thing to ask of the student module: read a name, call a function, or train."""

    id: str
    kind: Literal["get", "call"]
    name: str
    args: tuple[Any, ...] = ()
    kwargs: Mapping[str, Any] = field(default_factory=dict)
    seconds: float = 10.0
    grad: GradProbe | None = None


@frozen
class CallResult:
    id: str
    ok: bool
    value: Value = None
    error: str = ""
    traceback: str = ""
    seconds: float = 0.0
    grad: tuple[Value, ...] | None = None


@frozen
class RunResult:
    """What came back from one sandboxed run: data only, never a verdict."""

    tier: str
    imported: bool
    import_error: str = ""
    results: Mapping[str, CallResult] = field(default_factory=dict)
    stdout: str = ""
    stderr: str = ""
    exit_code: int | None = None
    timed_out: bool = False
    wall_seconds: float = 0.0
    cpu_seconds: float = 0.0
    crashed_in: str | None = None


# ---------------------------------------------------------------- verdicts


@frozen
class CheckOutcome:
    credit: float
    status: QuestionStatus
    feedback: str
    evidence: Mapping[str, Any] = field(default_factory=dict)


@frozen
class QuestionResult:
    id: str
    score: float
    max_score: float
    status: QuestionStatus
    feedback: str
    evidence: Mapping[str, Any] = field(default_factory=dict)


@frozen
class GradeReport:
    student: str
    assignment: str
    status: ReportStatus
    score: float
    max_score: float
    questions: tuple[QuestionResult, ...] = ()
    feedback: str = ""
    sha256: str = ""
    tier: str = ""
    seconds: float = 0.0
    late_days: float = 0.0
    penalty: float = 0.0

    def to_json(self) -> dict[str, Any]:
        return {
            "student": self.student,
            "assignment": self.assignment,
            "status": self.status,
            "score": round(self.score, 6),
            "max_score": self.max_score,
            "questions": [
                {
                    "id": q.id,
                    "score": round(q.score, 6),
                    "max_score": q.max_score,
                    "status": q.status,
                    "feedback": q.feedback,
                }
                for q in self.questions
            ],
            "feedback": self.feedback,
        }
