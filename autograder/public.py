"""The public checks a release carries, so that `check` works with only assignments/HW/.

Tensor checks ship their inputs and the reference outputs; symbolic checks ship the expected
values at sample points, never the expression. Choice, metric and custom checks stay hidden.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import torch

from autograder.checks.symbolic import (
    answer_text,
    make_symbols,
    parse_answer,
    read_answer,
    sample_points,
    values_at,
)
from autograder.errors import AnswerParseError, SpecError
from autograder.models import (
    ArrayValue,
    AssignmentSpec,
    Call,
    CheckOutcome,
    GradProbe,
    Limits,
    Question,
    SymbolicCheck,
    TensorCheck,
)
from autograder.prepare import Plan, PreparedAssignment, tensor_plan, value_of
from autograder.sandbox.transport import decode_value, encode_value

FILE = "public_checks.json"


def _symbolic_public(check: SymbolicCheck, seed: int) -> dict[str, Any]:
    symbols = make_symbols(check.symbols)
    points = sample_points(symbols, check.domain, seed=seed)
    values = values_at(parse_answer(check.expected, symbols), symbols, points)
    samples = [[point, value] for point, value in zip(points, values) if value is not None]
    return {"kind": "symbolic", "answer": check.answer, "symbols": dict(check.symbols), "samples": samples}


def _tensor_public(plan: Plan) -> dict[str, Any]:
    cases = []
    for call, (case, expected, dtypes, tol, grads) in zip(plan.calls, plan.expectations):
        cases.append({"label": case["label"], "properties": list(case["properties"]), "kwargs": case["kwargs"],
                      "args": [encode_value(a) for a in case["args"]],
                      "expected": encode_value(list(expected) if isinstance(expected, tuple) else expected),
                      "tuple": isinstance(expected, tuple), "dtypes": dtypes, "tol": list(tol),
                      "grad_v": encode_value(call.grad.v) if call.grad is not None else None,
                      "grads": [encode_value(g) for g in grads] if grads is not None else None,
                      "seconds": call.seconds})
    check: TensorCheck = plan.check
    return {"kind": "tensor", "function": check.function, "arg_names": list(plan.arg_names), "cases": cases}


def write_public(prepared: PreparedAssignment, folder: Path) -> Path:
    spec = prepared.spec
    questions = []
    for q in spec.questions:
        if q.visibility != "public":
            continue
        checks = []
        for plan in prepared.plans[q.id]:
            if isinstance(plan.check, SymbolicCheck):
                checks.append(dict(_symbolic_public(plan.check, spec.seeds[0]), weight=plan.weight))
            elif isinstance(plan.check, TensorCheck):
                checks.append(dict(_tensor_public(plan), weight=plan.weight))
        if checks:
            questions.append({"id": q.id, "title": q.title, "points": q.points, "checks": checks})
    bundle = {"assignment": spec.name, "title": spec.title, "student_file": spec.student_file,
              "limits": {"wall_seconds": spec.limits.wall_seconds, "call_seconds": spec.limits.call_seconds,
                         "memory_mb": spec.limits.memory_mb, "cpu_seconds": spec.limits.cpu_seconds},
              "questions": questions}
    path = folder / FILE
    path.write_text(json.dumps(bundle, indent=1, sort_keys=True) + "\n")
    return path


# ---------------------------------------------------------------- reading a bundle


def _array(value: Any) -> Any:
    return _tensors(decode_value(value))


def _tensors(decoded: Any) -> Any:
    if isinstance(decoded, ArrayValue):
        return torch.from_numpy(np.array(decoded.array))
    if isinstance(decoded, tuple):
        return tuple(_tensors(d) for d in decoded)
    return decoded


def _judge_samples(data: dict[str, Any], value: Any) -> CheckOutcome:
    name = data["answer"]
    symbols = make_symbols(data["symbols"])
    try:
        answer = read_answer(answer_text(value, name), symbols)
    except AnswerParseError as exc:
        return CheckOutcome(credit=0.0, status="failed", feedback=f"Could not read {name}: {exc}")
    points = [point for point, _ in data["samples"]]
    for point, want, got in zip(points, (w for _, w in data["samples"]), values_at(answer, symbols, points)):
        if got is None or abs(got - want) > 1e-10 * max(1.0, abs(want)):
            where = ", ".join(f"{k}={v}" for k, v in point.items())
            shown = "undefined" if got is None else f"{got:.6g}"
            return CheckOutcome(credit=0.0, status="failed",
                                feedback=f"{name} is not equivalent to the expected answer: at {where} it gives "
                                         f"{shown}, expected {want:.6g}")
    return CheckOutcome(credit=1.0, status="passed",
                        feedback=f"{name} matches the expected answer at {len(points)} points "
                                 "(the full check runs after you submit)")


def load_public(folder: Path) -> PreparedAssignment:
    path = folder / FILE
    try:
        bundle = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise SpecError(f"{path}: cannot be read ({exc})", hint="release the assignment again") from None
    questions, plans = [], {}
    for q in bundle["questions"]:
        built = []
        for ci, data in enumerate(q["checks"]):
            prefix = f"{q['id']}.{ci}"
            if data["kind"] == "symbolic":
                call = Call(id=prefix, kind="get", name=data["answer"])
                built.append(Plan(q["id"], (call,), lambda r, d=data, c=call: _judge_samples(d, value_of(r, c)),
                                  data["weight"]))
                continue
            check = TensorCheck(function=data["function"], weight=data["weight"])
            calls, expectations = [], []
            for i, case in enumerate(data["cases"]):
                args = tuple(_array(a) for a in case["args"])
                probe = GradProbe(v=_array(case["grad_v"])) if case["grad_v"] else None
                calls.append(Call(id=f"{prefix}.{i}", kind="call", name=data["function"], args=args,
                                  kwargs=case["kwargs"], seconds=case["seconds"], grad=probe))
                expected = decode_value(case["expected"])
                expected = (tuple(e.array for e in expected) if case["tuple"] else expected.array)
                dtypes = tuple(case["dtypes"]) if case["tuple"] else case["dtypes"]
                grads = ([None if g is None else decode_value(g).array for g in case["grads"]]
                         if case["grads"] else None)
                expectations.append(({"label": case["label"], "properties": case["properties"]}, expected,
                                     dtypes, tuple(case["tol"]), grads))
            built.append(tensor_plan(q["id"], check, tuple(calls), tuple(expectations), data["arg_names"]))
        plans[q["id"]] = tuple(built)
        questions.append(Question(id=q["id"], points=q["points"], visibility="public", checks=(), title=q["title"]))
    spec = AssignmentSpec(name=bundle["assignment"], title=bundle["title"], student_file=bundle["student_file"],
                          root=folder.resolve(), questions=tuple(questions), limits=Limits(**bundle["limits"]))
    return PreparedAssignment(spec=spec, plans=plans, reference=None)


