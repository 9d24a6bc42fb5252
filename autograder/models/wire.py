"""What crosses the sandbox boundary: the calls asked of student code and the data that comes back."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import field
from typing import Any, Literal

import numpy as np

from autograder.models.base import frozen


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


Value = (
    Any  # None | bool | int | float | str | ArrayValue | OpaqueValue | tuple | Mapping[str, Value]
)


@frozen
class GradProbe:
    """Data for a gradient check: a cotangent `v` for the output (a vector-Jacobian product)."""

    v: Any = field(compare=False)  # a tensor, or a tuple of tensors for tuple outputs


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
