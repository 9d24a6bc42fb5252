"""The tensor check kind: call a student function on seeded inputs and compare what it returns with
the reference, in order missing → type → shape → dtype → non-finite → values, then gradients; a
published case counts only when its hidden twin, drawn the same way from a secret seed, passes."""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from typing import Any

import numpy as np
import torch

from autograder.checks.kind import CaseInputs, CheckKind, Plan, Site, Trusted, is_public
from autograder.codec import decode_value, encode_value
from autograder.errors import SpecError
from autograder.models import (
    ArraySpec,
    ArrayValue,
    AssignmentSpec,
    Call,
    CallResult,
    Case,
    CheckOutcome,
    CheckSpec,
    GradProbe,
    OpaqueValue,
    QuestionStatus,
    frozen,
)
from autograder.schema import Reader, defaults

DISTS = ("normal", "uniform", "zeros", "ones", "full", "value")
DTYPES = ("float64", "float32", "int64")
PROPERTIES = ("finite", "nonnegative", "zero")


@frozen
class TensorCheck(CheckSpec):
    kind = "tensor"
    function: str
    cases: tuple[Case, ...] = ()
    generator: str | None = None
    rtol: float = 1e-8
    atol: float = 1e-8
    rtol32: float = 1e-5
    atol32: float = 1e-5
    gradcheck: bool = False


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


def compare_array(
    got: Any,
    expected: np.ndarray,
    expected_dtype: str,
    *,
    rtol: float,
    atol: float,
    properties: Sequence[str] = (),
    what: str = "the result",
) -> str | None:
    """None when `got` matches; otherwise one message, from the first problem found in order."""
    if got is None:
        return f"{what} is None: did you forget to return it?"
    if not isinstance(got, ArrayValue):
        if isinstance(got, (int, float)) and expected.shape == ():
            return f"{what} is a Python {type(got).__name__}; return a 0-d torch.Tensor (keep it a tensor, no .item())"
        return f"{what} is {describe(got)}, expected a torch.Tensor"
    if got.origin != "torch":
        return (
            f"{what} is a numpy.ndarray, expected a torch.Tensor (use torch operations throughout)"
        )
    if got.type_name != TORCH_TENSOR:
        return (
            f"{what} is a {got.type_name} (a subclass of torch.Tensor); return a plain torch.Tensor"
        )
    array = got.array
    if array.shape != expected.shape:
        return (
            f"{what} has shape {tuple(array.shape)}, expected {tuple(expected.shape)}"
            + _shape_hint(array.shape, expected.shape)
        )
    if got.dtype != expected_dtype:
        return (
            f"{what} has dtype {got.dtype}, expected {expected_dtype}: keep the dtype of the inputs "
            f"(do not create tensors with a fixed dtype)"
        )
    finite_expected = np.isfinite(expected)
    bad = ~np.isfinite(array) & finite_expected
    if bad.any():
        where = _index(int(np.argmax(bad)), array.shape)
        kind = "NaN" if np.isnan(array[where]) else "infinity"
        extreme = (
            " on extreme inputs (use a numerically stable formula)"
            if "finite" in properties
            else ""
        )
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
    message = (
        f"{what} differs from the expected values: max abs error {err.max():.3g}, relative "
        f"{rel:.3g} at index {worst} (got {a[worst]:.6g}, expected {b[worst]:.6g})"
    )
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


def compare_output(
    got: Any,
    expected: Any,
    dtypes: Any,
    *,
    rtol: float,
    atol: float,
    properties: Sequence[str] = (),
) -> str | None:
    """Compare a tensor or a tuple of tensors."""
    if isinstance(expected, tuple):
        if not isinstance(got, tuple) or len(got) != len(expected):
            return f"expected a tuple of {len(expected)} tensors, got {describe(got)}"
        for i, (g, e, d) in enumerate(zip(got, expected, dtypes)):
            problem = compare_array(
                g,
                e,
                d,
                rtol=rtol,
                atol=atol,
                properties=properties,
                what=f"element {i} of the returned tuple",
            )
            if problem:
                return problem
        return None
    return compare_array(got, expected, dtypes, rtol=rtol, atol=atol, properties=properties)


def call_problem(result: CallResult | None, function: str) -> tuple[QuestionStatus, str] | None:
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
        return (
            "error",
            f"{function}() did not finish within its time limit (an infinite loop, or far too slow?)",
        )
    detail = result.traceback.strip() or result.error
    return "error", f"{function}() raised an error: {result.error}" + (
        f"\n{detail}" if detail and detail != result.error else ""
    )


def compare_gradients(
    result: CallResult,
    expected_grads: Sequence[np.ndarray | None],
    arg_names: Sequence[str],
    *,
    rtol: float = 1e-6,
    atol: float = 1e-8,
) -> str | None:
    """The student's vector-Jacobian products against the reference's, argument by argument."""
    if result.grad is None:
        return "gradients could not be computed"
    for i, (got, want) in enumerate(zip(result.grad, expected_grads)):
        if want is None:
            continue
        name = arg_names[i] if i < len(arg_names) else f"argument {i + 1}"
        if got is None:
            return (
                f"no gradient flows back to {name}: avoid .detach(), .item(), .numpy() and "
                f"in-place tricks that cut the autograd graph"
            )
        problem = compare_array(
            got,
            want,
            got.dtype if isinstance(got, ArrayValue) else "",
            rtol=rtol,
            atol=atol,
            what=f"the gradient with respect to {name}",
        )
        if problem:
            return problem
    return None


# ------------------------------------------------------------------ the kind: schema, plan, judge, public


def _array_spec(r: Reader) -> ArraySpec:
    d = defaults(ArraySpec)
    r.check_keys(("shape", "dist", "dtype", "scale", "low", "high", "fill", "value"))
    shape = r.get("shape", list, list(d["shape"]))
    if not all(isinstance(n, int) and n >= 0 for n in shape):
        r.fail(r.key("shape"), f"must be a list of non-negative integers, got {shape!r:.60}")
    dist = r.get("dist", str, d["dist"])
    if dist not in DISTS:
        r.fail(r.key("dist"), f"must be one of {', '.join(DISTS)}, got {dist!r}")
    dtype = r.get("dtype", str, d["dtype"])
    if dtype not in DTYPES:
        r.fail(r.key("dtype"), f"must be one of {', '.join(DTYPES)}, got {dtype!r}")
    if dist == "value" and "value" not in r.data:
        r.fail(r.key("value"), "is required when dist is 'value'")
    return ArraySpec(
        shape=tuple(shape),
        dist=dist,
        dtype=dtype,
        scale=r.get("scale", float, d["scale"]),
        low=r.get("low", float, d["low"]),
        high=r.get("high", float, d["high"]),
        fill=r.get("fill", float, d["fill"]),
        value=r.data.get("value"),
    )


def parse(r: Reader) -> TensorCheck:
    d = defaults(TensorCheck)
    cases = []
    for i, raw in enumerate(r.get("cases", list, [])):
        c = r.sub(f"cases[{i}]", raw)
        c.check_keys(("label", "args", "kwargs", "properties"))
        props = tuple(c.get("properties", list, []))
        for p in props:
            if p not in PROPERTIES:
                c.fail(
                    c.key("properties"), f"has unknown property {p!r}; use {', '.join(PROPERTIES)}"
                )
        args = tuple(
            _array_spec(c.sub(f"args[{j}]", a)) for j, a in enumerate(c.get("args", list, []))
        )
        cases.append(
            Case(
                label=c.get("label", str, f"case {i + 1}"),
                args=args,
                kwargs=c.get("kwargs", dict, {}),
                properties=props,
            )
        )
    generator = r.get("generator", str, d["generator"])
    if not cases and generator is None:
        r.fail(r.key("cases"), "are required (or name a generator in checks.py)")
    tols = {k: r.get(k, float, d[k]) for k in ("rtol", "atol", "rtol32", "atol32")}
    return TensorCheck(
        function=r.name("function"),
        cases=tuple(cases),
        generator=generator,
        gradcheck=r.get("gradcheck", bool, d["gradcheck"]),
        weight=r.get("weight", float, d["weight"]),
        **tols,
    )


@frozen
class Expected:
    """What one case must return: the reference outputs, their dtypes, tolerances and gradients.

    A published case (drawn from the spec's seed) is paired with a hidden twin, built the same way
    from the hidden seed, and counts only when its twin passes too; a case whose inputs do not
    depend on the seed (`fixed`) has no twin. A public bundle holds published cases alone.
    """

    label: str
    properties: tuple[str, ...]
    output: Any  # an array, or a tuple of arrays for tuple outputs
    dtypes: Any  # a dtype name, or a tuple of them
    rtol: float
    atol: float
    grads: tuple[np.ndarray | None, ...] | None = None  # vector-Jacobian products per argument
    hidden: bool = False  # a hidden twin: graded, never published
    twin: int | None = None  # a published case's hidden twin: its index in Expectations.cases
    fixed: bool = False  # a published case whose inputs are the same for every seed


@frozen
class Expectations:
    function: str
    arg_names: tuple[str, ...]
    cases: tuple[Expected, ...]  # the published cases first, in spec order, then hidden twins


REPLAYED = (
    "passes the published case '{label}' but not a fresh case drawn the same way: the function "
    "must compute the result, not look it up (on the fresh case: {problem})"
)
FIXED_UNCOUNTED = (
    "not counted: its inputs are the same for every seed, so it cannot tell a computed result "
    "from a looked-up one, and a fresh case failed"
)


def _to_numpy(out: Any, where: str) -> tuple[Any, Any]:
    """(expected arrays, expected dtypes) for a tensor or a tuple of tensors."""
    if isinstance(out, torch.Tensor):
        return out.detach().numpy().copy(), str(out.dtype)
    if isinstance(out, tuple) and all(isinstance(o, torch.Tensor) for o in out):
        return tuple(o.detach().numpy().copy() for o in out), tuple(str(o.dtype) for o in out)
    raise SpecError(
        f"{where}: the reference must return a tensor or a tuple of tensors, got {type(out).__name__}"
    )


def _gradient_probe(
    function: Callable[..., Any], case: CaseInputs, out: Any, seed: int
) -> tuple[GradProbe, tuple[np.ndarray | None, ...]]:
    """A seeded cotangent for the output, and the reference's vector-Jacobian product for it."""
    gen = torch.Generator().manual_seed(seed)
    outs = out if isinstance(out, tuple) else (out,)
    cotangents = tuple(torch.randn(o.shape, generator=gen, dtype=o.dtype) for o in outs)
    v = cotangents if isinstance(out, tuple) else cotangents[0]
    leaves = [
        a.clone().requires_grad_(True)
        if isinstance(a, torch.Tensor) and a.is_floating_point()
        else a
        for a in case.args
    ]
    ref_out = function(*leaves, **case.kwargs)
    ref_outs = ref_out if isinstance(ref_out, tuple) else (ref_out,)
    total = sum((o * c).sum() for o, c in zip(ref_outs, cotangents))
    inputs = [a for a in leaves if isinstance(a, torch.Tensor) and a.requires_grad]
    found = iter(torch.autograd.grad(total, inputs, allow_unused=True))
    grads = [
        None if not (isinstance(a, torch.Tensor) and a.requires_grad) else next(found)
        for a in leaves
    ]
    return GradProbe(v=v), tuple(g.numpy().copy() if g is not None else None for g in grads)


def _gradient_eligible(case: CaseInputs, out: Any) -> bool:
    """A float64 case without properties, with floating outputs, can carry the gradient check."""
    floats = [a for a in case.args if isinstance(a, torch.Tensor) and a.is_floating_point()]
    outs = out if isinstance(out, tuple) else (out,)
    return (
        not case.properties
        and bool(floats)
        and all(a.dtype == torch.float64 for a in floats)
        and all(o.is_floating_point() for o in outs)
    )


def _same_inputs(a: CaseInputs, b: CaseInputs) -> bool:
    if len(a.args) != len(b.args) or dict(a.kwargs) != dict(b.kwargs):
        return False
    for x, y in zip(a.args, b.args):
        if isinstance(x, torch.Tensor) or isinstance(y, torch.Tensor):
            same = (
                isinstance(x, torch.Tensor)
                and isinstance(y, torch.Tensor)
                and x.dtype == y.dtype
                and x.shape == y.shape
                and bool(torch.equal(x, y))
            )
        else:
            same = bool(x == y)
        if not same:
            return False
    return True


def _hidden_twins(
    check: TensorCheck, trusted: Trusted, site: Site, published: list[CaseInputs]
) -> tuple[int, list[CaseInputs]]:
    """The hidden seed and the cases built from it exactly as the published ones were."""
    seed = trusted.hidden_seed(f"tensor:{site.prefix}")
    twins = trusted.inputs(check.cases, check.generator, site.where, seed=seed)
    if [c.label for c in twins] != [c.label for c in published]:
        raise SpecError(
            f"{site.where}: the generator {check.generator}() made the cases "
            f"{[c.label for c in published]} for one seed and {[c.label for c in twins]} for "
            "another",
            hint="a generator must make the same cases (the same labels) for every seed; "
            "only the values may depend on it",
        )
    return seed, twins


def plan(spec: AssignmentSpec, check: TensorCheck, trusted: Trusted, site: Site) -> Plan:
    function = trusted.reference_function(check.function, site.where)
    arg_names = tuple(inspect.signature(function).parameters)
    published = trusted.inputs(check.cases, check.generator, site.where)
    hidden_seed, twins = (
        _hidden_twins(check, trusted, site, published) if is_public(spec, site) else (0, [])
    )
    calls: list[Call] = []
    expected: list[Expected] = []
    grad_case: int | None = None

    def add(case: CaseInputs, grad_seed: int | None, hidden: bool) -> bool:
        """Plan one case; with a `grad_seed`, also its gradient check if the case can carry one."""
        out = trusted.run_reference(function, case, f"{site.where} ({case.label})")
        output, dtypes = _to_numpy(out, site.where)
        float32 = any(isinstance(a, torch.Tensor) and a.dtype == torch.float32 for a in case.args)
        rtol, atol = (check.rtol32, check.atol32) if float32 else (check.rtol, check.atol)
        probe, grads = None, None
        if grad_seed is not None and _gradient_eligible(case, out):
            probe, grads = _gradient_probe(function, case, out, grad_seed)
        calls.append(
            Call(
                id=f"{site.prefix}.{len(calls)}",
                kind="call",
                name=check.function,
                args=case.args,
                kwargs=case.kwargs,
                seconds=trusted.limits.call_seconds,
                grad=probe,
            )
        )
        expected.append(
            Expected(
                label=case.label,
                properties=case.properties,
                output=output,
                dtypes=dtypes,
                rtol=rtol,
                atol=atol,
                grads=grads,
                hidden=hidden,
            )
        )
        return probe is not None

    # One gradient check per tensor check: on the first float64 case without properties, and on
    # its hidden twin.
    for i, case in enumerate(published):
        wants_grad = check.gradcheck and grad_case is None
        if add(case, trusted.seed + i if wants_grad else None, hidden=False):
            grad_case = i
    for i, twin in enumerate(twins):
        if _same_inputs(published[i], twin):
            expected[i] = replace(expected[i], fixed=True)
            continue
        expected[i] = replace(expected[i], twin=len(calls))
        add(twin, hidden_seed + i if i == grad_case else None, hidden=True)
    return Plan(
        question=site.question,
        kind=TensorCheck.kind,
        calls=tuple(calls),
        weight=check.weight,
        expected=Expectations(function=check.function, arg_names=arg_names, cases=tuple(expected)),
        check=check,
    )


@frozen
class _Returned:
    """One case's call as judged: the call's own problem, the first value problem, the result."""

    problem: tuple[QuestionStatus, str] | None
    message: str | None
    result: CallResult | None


def _judge_case(case: Expected, result: CallResult | None, function: str) -> _Returned:
    problem = call_problem(result, function)
    if problem:
        return _Returned(problem=problem, message=problem[1], result=result)
    assert result is not None
    message = compare_output(
        result.value,
        case.output,
        case.dtypes,
        rtol=case.rtol,
        atol=case.atol,
        properties=case.properties,
    )
    return _Returned(problem=None, message=message, result=result)


def _gradient_problem(
    case: Expected,
    judged: _Returned,
    twin_case: Expected | None,
    twin: _Returned | None,
    arg_names: Sequence[str],
    values_problem: str | None,
) -> str | None:
    """The gradient check of a published case: on its own gradients, then on its twin's."""
    if values_problem is not None:
        return "not checked: the values are wrong"
    assert judged.result is not None and case.grads is not None
    problem = compare_gradients(judged.result, case.grads, arg_names)
    if problem is None and twin is not None and twin_case is not None and twin_case.grads:
        # The twin's values passed (else values_problem would be set), so it has a result.
        assert twin.result is not None
        fresh = compare_gradients(twin.result, twin_case.grads, arg_names)
        if fresh is not None:
            problem = (
                f"right on the published case but not on a fresh case drawn the same way ({fresh})"
            )
    return problem


def judge(plan: Plan, returned: Mapping[str, CallResult]) -> CheckOutcome:
    expectations = plan.expected
    assert isinstance(expectations, Expectations)
    function, cases = expectations.function, expectations.cases
    judged = [
        _judge_case(case, returned.get(call.id), function) for call, case in zip(plan.calls, cases)
    ]
    status: QuestionStatus = "failed"
    for j in judged:
        if j.problem:
            status = j.problem[0] if status != "error" else status
    # One row per counted check: (its name in the evidence, the problem line or None, fixed?).
    rows: list[tuple[str, str | None, bool]] = []
    replayed = False
    for case, j in zip(cases, judged):
        if case.hidden:
            continue
        line = None if j.message is None else f"case '{case.label}': {j.message}"
        twin = judged[case.twin] if case.twin is not None else None
        if line is None and twin is not None and twin.message is not None:
            replayed = True
            line = REPLAYED.format(label=case.label, problem=twin.message)
        rows.append((case.label, line, case.fixed))
        if case.grads is None or j.problem is not None:
            continue
        twin_case = cases[case.twin] if case.twin is not None else None
        grad = _gradient_problem(case, j, twin_case, twin, expectations.arg_names, line)
        rows.append(
            (
                f"gradient: {case.label}",
                None if grad is None else f"gradient check on '{case.label}': {grad}",
                False,
            )
        )
    if replayed:
        rows = [
            (name, f"case '{name}': {FIXED_UNCOUNTED}" if fixed and line is None else line, fixed)
            for name, line, fixed in rows
        ]
    total = len(rows)
    passed = sum(line is None for _, line, _ in rows)
    details = [{"case": name, "ok": line is None} for name, line, _ in rows]
    if total and passed == total:
        return CheckOutcome(
            credit=1.0,
            status="passed",
            feedback=f"{function}(): all {total} checks passed",
            evidence={"cases": details},
        )
    first_problem = next((line for _, line, _ in rows if line is not None), "")
    final_status: QuestionStatus = (
        "error" if status == "error" and passed == 0 else ("partial" if passed else "failed")
    )
    feedback = f"{function}(): {passed}/{total} checks passed. First problem: {first_problem}"
    return CheckOutcome(
        credit=passed / total if total else 0.0,
        status=final_status,
        feedback=feedback,
        evidence={"cases": details},
    )


def to_public(plan: Plan) -> dict[str, Any]:
    """The published cases: inputs and reference outputs, as data. Never a hidden twin, and no
    gradients: those are graded after submission only."""
    expectations = plan.expected
    assert isinstance(expectations, Expectations)
    cases = []
    for call, case in zip(plan.calls, expectations.cases):
        if case.hidden:
            continue
        output = case.output
        cases.append(
            {
                "label": case.label,
                "properties": list(case.properties),
                "kwargs": dict(call.kwargs),
                "args": [encode_value(a) for a in call.args],
                "expected": encode_value(list(output) if isinstance(output, tuple) else output),
                "tuple": isinstance(output, tuple),
                "dtypes": case.dtypes,
                "tol": [case.rtol, case.atol],
                "seconds": call.seconds,
            }
        )
    return {
        "kind": TensorCheck.kind,
        "function": expectations.function,
        "arg_names": list(expectations.arg_names),
        "cases": cases,
    }


def _tensors(decoded: Any) -> Any:
    if isinstance(decoded, ArrayValue):
        return torch.from_numpy(np.array(decoded.array))
    if isinstance(decoded, tuple):
        return tuple(_tensors(d) for d in decoded)
    return decoded


def from_public(data: Mapping[str, Any], site: Site) -> Plan:
    function = str(data["function"])
    calls, cases = [], []
    for i, case in enumerate(data["cases"]):
        args = tuple(_tensors(decode_value(a)) for a in case["args"])
        calls.append(
            Call(
                id=f"{site.prefix}.{i}",
                kind="call",
                name=function,
                args=args,
                kwargs=case["kwargs"],
                seconds=case["seconds"],
            )
        )
        decoded = decode_value(case["expected"])
        output = tuple(e.array for e in decoded) if case["tuple"] else decoded.array
        dtypes = tuple(case["dtypes"]) if case["tuple"] else case["dtypes"]
        rtol, atol = case["tol"]
        cases.append(
            Expected(
                label=case["label"],
                properties=tuple(case["properties"]),
                output=output,
                dtypes=dtypes,
                rtol=rtol,
                atol=atol,
            )
        )
    expected = Expectations(
        function=function, arg_names=tuple(data["arg_names"]), cases=tuple(cases)
    )
    return Plan(
        question=site.question,
        kind=TensorCheck.kind,
        calls=tuple(calls),
        weight=float(data["weight"]),
        expected=expected,
    )


KIND = CheckKind(
    name=TensorCheck.kind,
    spec=TensorCheck,
    keys=("function", "cases", "generator", "rtol", "atol", "rtol32", "atol32", "gradcheck"),
    parse=parse,
    plan=plan,
    judge=judge,
    to_public=to_public,
    from_public=from_public,
)
