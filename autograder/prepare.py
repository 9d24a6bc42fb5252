"""The trusted side of an assignment, built once per batch: inputs, reference outputs, judges."""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import ModuleType
from typing import Any

import numpy as np
import torch

from autograder.checks.choice import judge_choice
from autograder.checks.content import load_module
from autograder.checks.metric import judge_metric
from autograder.checks.symbolic import judge_symbolic, prepare_symbolic
from autograder.checks.tensor import call_problem, compare_gradients, compare_output
from autograder.errors import SpecError
from autograder.models import (
    ArraySpec,
    AssignmentSpec,
    Call,
    CallResult,
    CheckOutcome,
    ChoiceCheck,
    CustomCheck,
    GradProbe,
    MetricCheck,
    OpaqueValue,
    SymbolicCheck,
    TensorCheck,
)

Judge = Callable[[Mapping[str, CallResult]], CheckOutcome]
TORCH_DTYPES = {"float64": torch.float64, "float32": torch.float32, "int64": torch.int64}


@dataclass(frozen=True, slots=True)
class Plan:
    """What one check asks of the sandbox, and how the answers are judged."""

    question: str
    calls: tuple[Call, ...]
    judge: Judge
    weight: float
    check: Any = None
    expectations: tuple[Any, ...] = ()  # tensor checks: what the public release may carry
    arg_names: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class PreparedAssignment:
    spec: AssignmentSpec
    plans: Mapping[str, tuple[Plan, ...]]  # question id → its checks' plans
    reference: ModuleType | None


def load_trusted(spec: AssignmentSpec) -> tuple[ModuleType, ModuleType | None]:
    ref_path = spec.root / spec.student_file
    if not ref_path.is_file():
        raise SpecError(f"{ref_path}: the reference solution is missing")
    reference = load_module(ref_path, f"_autograder_reference_{spec.name}")
    checks_path = spec.root / "checks.py"
    checks = load_module(checks_path, f"_autograder_checks_{spec.name}") if checks_path.is_file() else None
    return reference, checks


def prepare(spec: AssignmentSpec) -> PreparedAssignment:
    torch.set_num_threads(1)
    reference, checks = load_trusted(spec)
    plans: dict[str, tuple[Plan, ...]] = {}
    for qi, question in enumerate(spec.questions):
        built = []
        for ci, check in enumerate(question.checks):
            prefix = f"{question.id}.{ci}"
            where = f"{spec.root / 'assignment.yaml'}: questions[{qi}].checks[{ci}]"
            built.append(_plan(spec, check, prefix, where, reference, checks, question.id))
        plans[question.id] = tuple(built)
    return PreparedAssignment(spec=spec, plans=plans, reference=reference)


def _trusted_function(module: ModuleType | None, name: str, where: str, file: str) -> Callable[..., Any]:
    function = getattr(module, name, None) if module is not None else None
    if not callable(function):
        raise SpecError(f"{where}: names '{name}', which is not a function in {file}")
    return function


def _plan(spec, check, prefix, where, reference, checks, qid) -> Plan:
    seed = spec.seeds[0]
    if isinstance(check, SymbolicCheck):
        try:
            prepared = prepare_symbolic(check)
        except SpecError as exc:
            raise SpecError(f"{where}: {exc.message}") from None
        call = Call(id=prefix, kind="get", name=check.answer)
        return Plan(qid, (call,), lambda r, p=prepared, c=call: judge_symbolic(p, value_of(r, c)), check.weight,
                    check=check)
    if isinstance(check, ChoiceCheck):
        call = Call(id=prefix, kind="get", name=check.answer)
        return Plan(qid, (call,), lambda r, c=call: judge_choice(check, value_of(r, c)), check.weight)
    if isinstance(check, TensorCheck):
        return _tensor_plan(spec, check, prefix, where, reference, checks, qid)
    if isinstance(check, MetricCheck):
        evaluate = _trusted_function(checks, check.evaluate, where, "checks.py")
        kwargs = dict(check.kwargs)
        if check.data:
            data = _trusted_function(checks, check.data, where, "checks.py")(seed)
            kwargs.update({k: _as_arg(v) for k, v in dict(data).items()})
        call = Call(id=prefix, kind="call", name=check.entry, kwargs=kwargs, seconds=check.seconds)

        def judge(results, c=call):
            problem = call_problem(results.get(c.id), check.entry)
            if problem:
                return CheckOutcome(credit=0.0, status=problem[0], feedback=problem[1])
            return judge_metric(check, results[c.id].value, evaluate, seed)

        return Plan(qid, (call,), judge, check.weight)
    if isinstance(check, CustomCheck):
        function = _trusted_function(checks, check.function, where, "checks.py")
        calls = tuple(Call(id=f"{prefix}.{n}", kind="get", name=n) for n in check.calls)
        return Plan(qid, calls, lambda r: function({c.name: value_of(r, c) for c in calls}, seed), check.weight)
    raise SpecError(f"{where}: unsupported check {check!r}")


def value_of(results: Mapping[str, CallResult], call: Call) -> Any:
    result = results.get(call.id)
    if result is None or not result.ok:
        return OpaqueValue(type_name="missing", detail=result.error if result else "")
    return result.value


def _as_arg(value: Any) -> Any:
    if isinstance(value, np.ndarray):
        return torch.from_numpy(value)
    return value


def build_array(spec: ArraySpec, rng: np.random.Generator) -> torch.Tensor:
    shape = spec.shape
    if spec.dist == "normal":
        array = rng.standard_normal(shape) * spec.scale
    elif spec.dist == "uniform":
        array = rng.uniform(spec.low, spec.high, shape)
    elif spec.dist == "zeros":
        array = np.zeros(shape)
    elif spec.dist == "ones":
        array = np.ones(shape)
    elif spec.dist == "full":
        array = np.full(shape, spec.fill)
    else:
        array = np.asarray(spec.value, dtype=np.float64)
    return torch.from_numpy(np.asarray(array)).to(TORCH_DTYPES[spec.dtype])


def _cases(check: TensorCheck, checks: ModuleType | None, seed: int, where: str) -> list[dict[str, Any]]:
    cases: list[dict[str, Any]] = []
    for i, case in enumerate(check.cases):
        rng = np.random.default_rng([seed, i, 7919])
        cases.append({"label": case.label, "args": [build_array(a, rng) for a in case.args],
                      "kwargs": dict(case.kwargs), "properties": list(case.properties)})
    if check.generator:
        generated = _trusted_function(checks, check.generator, where, "checks.py")(seed)
        for case in generated:
            cases.append({"label": case.get("label", "generated case"),
                          "args": [_as_arg(a) for a in case["args"]],
                          "kwargs": dict(case.get("kwargs", {})),
                          "properties": list(case.get("properties", []))})
    return cases


def _run_reference(function: Callable[..., Any], args: list[Any], kwargs: dict[str, Any], where: str) -> Any:
    try:
        out = function(*[a.clone() if isinstance(a, torch.Tensor) else a for a in args], **kwargs)
    except Exception as exc:
        raise SpecError(f"{where}: the reference {function.__name__}() failed on these inputs: {exc}") from None
    return out


def _to_numpy(out: Any, where: str) -> tuple[Any, Any]:
    """(expected arrays, expected dtypes) for a tensor or a tuple of tensors."""
    if isinstance(out, torch.Tensor):
        return out.detach().numpy().copy(), str(out.dtype)
    if isinstance(out, tuple) and all(isinstance(o, torch.Tensor) for o in out):
        return tuple(o.detach().numpy().copy() for o in out), tuple(str(o.dtype) for o in out)
    raise SpecError(f"{where}: the reference must return a tensor or a tuple of tensors, got {type(out).__name__}")


def _tensor_plan(spec, check: TensorCheck, prefix, where, reference, checks, qid) -> Plan:
    function = _trusted_function(reference, check.function, where, spec.student_file)
    arg_names = list(inspect.signature(function).parameters)
    seed = spec.seeds[0]
    cases = _cases(check, checks, seed, where)
    calls, expectations = [], []
    grad_done = not check.gradcheck
    for i, case in enumerate(cases):
        out = _run_reference(function, case["args"], case["kwargs"], f"{where} ({case['label']})")
        expected, dtypes = _to_numpy(out, where)
        float32 = any(isinstance(a, torch.Tensor) and a.dtype == torch.float32 for a in case["args"])
        tol = (check.rtol32, check.atol32) if float32 else (check.rtol, check.atol)
        probe, grads = None, None
        floats = [a for a in case["args"] if isinstance(a, torch.Tensor) and a.is_floating_point()]
        outs = out if isinstance(out, tuple) else (out,)
        if (not grad_done and not case["properties"] and floats
                and all(a.dtype == torch.float64 for a in floats)
                and all(o.is_floating_point() for o in outs)):
            probe, grads = _gradient_probe(function, case, out, seed + i)
            grad_done = True
        call = Call(id=f"{prefix}.{i}", kind="call", name=check.function, args=tuple(case["args"]),
                    kwargs=case["kwargs"], seconds=spec.limits.call_seconds, grad=probe)
        calls.append(call)
        expectations.append((case, expected, dtypes, tol, grads))

    return tensor_plan(qid, check, tuple(calls), tuple(expectations), arg_names)


def tensor_plan(qid: str, check: TensorCheck, calls: tuple[Call, ...], expectations: tuple[Any, ...],
                arg_names: list[str]) -> Plan:
    """The plan of a tensor check from its calls and expected outputs (computed here or shipped)."""

    def judge(results: Mapping[str, CallResult]) -> CheckOutcome:
        return _judge_tensor(check, calls, expectations, results, arg_names)

    return Plan(qid, calls, judge, check.weight, check=check, expectations=expectations,
                arg_names=tuple(arg_names))


def _gradient_probe(function, case, out, seed):
    gen = torch.Generator().manual_seed(seed)
    outs = out if isinstance(out, tuple) else (out,)
    cotangents = tuple(torch.randn(o.shape, generator=gen, dtype=o.dtype) for o in outs)
    v = cotangents if isinstance(out, tuple) else cotangents[0]
    leaves = [a.clone().requires_grad_(True) if isinstance(a, torch.Tensor) and a.is_floating_point() else a
              for a in case["args"]]
    ref_out = function(*leaves, **case["kwargs"])
    ref_outs = ref_out if isinstance(ref_out, tuple) else (ref_out,)
    total = sum((o * c).sum() for o, c in zip(ref_outs, cotangents))
    inputs = [a for a in leaves if isinstance(a, torch.Tensor) and a.requires_grad]
    found = iter(torch.autograd.grad(total, inputs, allow_unused=True))
    grads = [None if not (isinstance(a, torch.Tensor) and a.requires_grad) else next(found) for a in leaves]
    grads = [g.numpy().copy() if g is not None else None for g in grads]
    return GradProbe(v=v), grads


def _judge_tensor(check, calls, expectations, results, arg_names) -> CheckOutcome:
    passed, total, first_problem, status = 0, 0, "", "failed"
    details = []
    for call, (case, expected, dtypes, (rtol, atol), grads) in zip(calls, expectations):
        total += 1
        result = results.get(call.id)
        problem = call_problem(result, check.function)
        if problem:
            status = problem[0] if status != "error" else status
            message = problem[1]
        else:
            message = compare_output(result.value, expected, dtypes, rtol=rtol, atol=atol,
                                     properties=case["properties"])
        if message is None:
            passed += 1
        elif not first_problem:
            first_problem = f"case '{case['label']}': {message}"
        details.append({"case": case["label"], "ok": message is None})
        if grads is not None and problem is None:
            total += 1
            grad_message = compare_gradients(result, grads, arg_names) if message is None else (
                "not checked: the values are wrong")
            if grad_message is None:
                passed += 1
            elif not first_problem:
                first_problem = f"gradient check on '{case['label']}': {grad_message}"
            details.append({"case": f"gradient: {case['label']}", "ok": grad_message is None})
    credit = passed / total if total else 0.0
    if credit == 1.0:
        return CheckOutcome(credit=1.0, status="passed",
                            feedback=f"{check.function}(): all {total} checks passed", evidence={"cases": details})
    final_status = "error" if status == "error" and passed == 0 else ("partial" if passed else "failed")
    feedback = f"{check.function}(): {passed}/{total} checks passed. First problem: {first_problem}"
    return CheckOutcome(credit=credit, status=final_status, feedback=feedback, evidence={"cases": details})
