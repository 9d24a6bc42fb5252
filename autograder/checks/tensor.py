"""Verdicts on returned tensors: missing → type → shape → dtype → non-finite → values, and gradients."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from autograder.models import ArrayValue, CallResult, OpaqueValue

TORCH_TENSOR = "torch.Tensor"


def describe(value: Any) -> str:
    if isinstance(value, ArrayValue):
        return value.type_name if value.origin == "torch" else "numpy.ndarray"
    if isinstance(value, OpaqueValue):
        return value.type_name
    if isinstance(value, tuple):
        return f"a tuple of {len(value)}"
    return type(value).__name__


def _index(flat: int, shape: tuple[int, ...]) -> tuple[int, ...]:
    return tuple(int(i) for i in np.unravel_index(flat, shape)) if shape else ()


def compare_array(got: Any, expected: np.ndarray, expected_dtype: str, *, rtol: float, atol: float,
                  properties: Sequence[str] = (), what: str = "the result") -> str | None:
    """None when `got` matches; otherwise one message, from the first problem found in order."""
    if got is None:
        return f"{what} is None: did you forget to return it?"
    if not isinstance(got, ArrayValue):
        if isinstance(got, (int, float)) and expected.shape == ():
            return f"{what} is a Python {type(got).__name__}; return a 0-d torch.Tensor (keep it a tensor, no .item())"
        return f"{what} is {describe(got)}, expected a torch.Tensor"
    if got.origin != "torch":
        return f"{what} is a numpy.ndarray, expected a torch.Tensor (use torch operations throughout)"
    if got.type_name != TORCH_TENSOR:
        return f"{what} is a {got.type_name} (a subclass of torch.Tensor); return a plain torch.Tensor"
    array = got.array
    if array.shape != expected.shape:
        return f"{what} has shape {tuple(array.shape)}, expected {tuple(expected.shape)}" + _shape_hint(
            array.shape, expected.shape)
    if got.dtype != expected_dtype:
        return (f"{what} has dtype {got.dtype}, expected {expected_dtype}: keep the dtype of the inputs "
                f"(do not create tensors with a fixed dtype)")
    finite_expected = np.isfinite(expected)
    bad = ~np.isfinite(array) & finite_expected
    if bad.any():
        where = _index(int(np.argmax(bad)), array.shape)
        kind = "NaN" if np.isnan(array[where]) else "infinity"
        extreme = " on extreme inputs (use a numerically stable formula)" if "finite" in properties else ""
        return f"{what} contains {kind} at index {where}{extreme}"
    if "zero" in properties and np.abs(array).max(initial=0.0) > atol:
        return f"{what} must be 0 for these inputs, got max |value| {np.abs(array).max():.3g}"
    if "nonnegative" in properties and (array < -atol).any():
        return f"{what} must be non-negative, got {array.min():.6g}"
    a = array.astype(np.complex128 if array.dtype.kind == "c" else np.float64)
    b = expected.astype(a.dtype)
    with np.errstate(all="ignore"):
        ok = np.isclose(a, b, rtol=rtol, atol=atol) | (~finite_expected & (a == b))
    if ok.all():
        return None
    err = np.where(finite_expected, np.abs(a - b), 0.0)
    worst = _index(int(np.argmax(err)), a.shape)
    rel = err[worst] / max(abs(b[worst]), 1e-300)
    message = (f"{what} differs from the expected values: max abs error {err.max():.3g}, relative "
               f"{rel:.3g} at index {worst} (got {a[worst]:.6g}, expected {b[worst]:.6g})")
    return message + _value_hint(a, b, rtol, atol)


def _shape_hint(got: tuple[int, ...], expected: tuple[int, ...]) -> str:
    if len(got) == len(expected) and tuple(reversed(got)) == tuple(expected):
        return " (transposed?)"
    if len(got) < len(expected):
        return " (did you reduce over a dimension that should be kept, e.g. the batch?)"
    if len(got) > len(expected):
        return " (a dimension was not reduced, or broadcasting added one)"
    return ""


def _value_hint(a: np.ndarray, b: np.ndarray, rtol: float, atol: float) -> str:
    with np.errstate(all="ignore"):
        if np.allclose(a, -b, rtol=rtol, atol=atol):
            return "; the sign is flipped"
        nonzero = np.abs(b) > 1e-12
        if nonzero.any():
            ratio = a[nonzero] / b[nonzero]
            if np.allclose(ratio, ratio.flat[0], rtol=1e-6) and abs(ratio.flat[0] - 1) > 1e-6:
                return f"; it is off by a constant factor of {ratio.flat[0].real:.4g}"
        if a.ndim == 2 and a.shape[0] == a.shape[1] and np.allclose(a, b.T, rtol=rtol, atol=atol):
            return "; it equals the transpose of the expected matrix"
        if b.size > 1 and a.size == b.size and np.allclose(a.sum(), b.sum(), rtol=1e-9):
            return "; the total matches, so the reduction or the ordering is off"
    return ""


def compare_output(got: Any, expected: Any, dtypes: Any, *, rtol: float, atol: float,
                   properties: Sequence[str] = ()) -> str | None:
    """Compare a tensor or a tuple of tensors."""
    if isinstance(expected, tuple):
        if not isinstance(got, tuple) or len(got) != len(expected):
            return f"expected a tuple of {len(expected)} tensors, got {describe(got)}"
        for i, (g, e, d) in enumerate(zip(got, expected, dtypes)):
            problem = compare_array(g, e, d, rtol=rtol, atol=atol, properties=properties,
                                    what=f"element {i} of the returned tuple")
            if problem:
                return problem
        return None
    return compare_array(got, expected, dtypes, rtol=rtol, atol=atol, properties=properties)


def call_problem(result: CallResult | None, function: str) -> tuple[str, str] | None:
    """(status, message) when the call itself did not produce a value."""
    if result is None:
        return "error", f"{function}() produced no result"
    if result.ok:
        return None
    if "NotImplementedError" in result.error:
        return "failed", f"{function}() is not implemented yet"
    if result.error.endswith("is not defined"):
        return "error", f"{function}() is not defined in your file: define it with this exact name"
    if result.error == "timed out":
        return "error", f"{function}() did not finish within its time limit (an infinite loop, or far too slow?)"
    detail = result.traceback.strip() or result.error
    return "error", f"{function}() raised an error: {result.error}" + (
        f"\n{detail}" if detail and detail != result.error else "")


def compare_gradients(result: CallResult, expected_grads: Sequence[np.ndarray | None],
                      arg_names: Sequence[str], *, rtol: float = 1e-6, atol: float = 1e-8) -> str | None:
    """The student's vector-Jacobian products against the reference's, argument by argument."""
    if result.grad is None:
        return "gradients could not be computed"
    for i, (got, want) in enumerate(zip(result.grad, expected_grads)):
        if want is None:
            continue
        name = arg_names[i] if i < len(arg_names) else f"argument {i + 1}"
        if got is None:
            return (f"no gradient flows back to {name}: avoid .detach(), .item(), .numpy() and "
                    f"in-place tricks that cut the autograd graph")
        problem = compare_array(got, want, got.dtype if isinstance(got, ArrayValue) else "", rtol=rtol,
                                atol=atol, what=f"the gradient with respect to {name}")
        if problem:
            return problem
    return None
