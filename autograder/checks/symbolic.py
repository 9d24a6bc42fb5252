"""The symbolic check kind: a module-level answer (Python syntax, LaTeX or SymPy) against the
expected expression, with the declared assumptions and a catalogue of known mistakes."""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import field
from typing import Any

import sympy

from autograder.checks.equivalence import (
    MIN_VALID,
    POINTS,
    TIME_LIMIT,
    close,
    compare,
    numeric_verdict,
    sample_points,
    values_at,
)
from autograder.checks.expression import FUNCTIONS, parse_expression
from autograder.checks.kind import CheckKind, Plan, Site, Trusted, value_of
from autograder.checks.latex import looks_like_latex, parse_latex
from autograder.checks.proof import Timeout, in_main_thread, time_limit
from autograder.errors import AnswerParseError, SpecError
from autograder.models import (
    AssignmentSpec,
    Call,
    CallResult,
    CheckOutcome,
    CheckSpec,
    OpaqueValue,
    QuestionStatus,
    frozen,
)
from autograder.schema import NAME_PATTERN, Reader, defaults, show

PARSE_SECONDS = 1.0
ASSUMPTIONS = ("real", "positive", "nonnegative", "integer")


@frozen
class Mistake:
    expr: str
    feedback: str
    credit: float = 0.0


@frozen
class SymbolicCheck(CheckSpec):
    kind = "symbolic"
    answer: str
    expected: str
    symbols: Mapping[str, str]
    domain: Mapping[str, tuple[float, float]] = field(default_factory=dict)
    mistakes: tuple[Mistake, ...] = ()
    undecided_credit: float = 1.0


def make_symbols(symbols: Mapping[str, str]) -> dict[str, sympy.Symbol]:
    """SymPy symbols with the declared assumption (real, positive, nonnegative or integer)."""
    made = {}
    for name, assumption in symbols.items():
        if not name.isidentifier() or "__" in name or name in FUNCTIONS:
            raise SpecError(
                f"symbol name '{name}' is not allowed", hint="use a plain identifier such as mu1"
            )
        if assumption not in ASSUMPTIONS:
            hint = f"use one of: {', '.join(ASSUMPTIONS)}"
            raise SpecError(f"symbol '{name}' has assumption '{assumption}'", hint=hint)
        made[name] = sympy.Symbol(name, **{assumption: True})
    return made


def parse_answer(text: str, symbols: Mapping[str, sympy.Symbol]) -> sympy.Expr:
    """Read a Python-syntax or LaTeX answer through the whitelist; raises AnswerParseError."""
    if not isinstance(text, str):
        raise AnswerParseError(f"the answer must be a string, got {type(text).__name__}")
    try:
        if looks_like_latex(text):
            return parse_latex(text, symbols)
        return parse_expression(text, symbols)
    except (TypeError, ValueError, RecursionError) as exc:  # SymPy refusing e.g. Max(I, 1)
        raise AnswerParseError(f"the expression could not be built: {exc}") from None


def answer_text(value: Any, name: str = "the answer") -> str:
    """The student's answer as text: a str (SymPy expressions arrive as str(expr)), else an error."""
    if isinstance(value, str):
        return value
    if value is None or (isinstance(value, OpaqueValue) and value.type_name == "missing"):
        raise AnswerParseError(
            f'{name} is not defined (or is None): assign your answer as a string, e.g. {name} = "..."'
        )
    kind = value.type_name if isinstance(value, OpaqueValue) else type(value).__name__
    raise AnswerParseError(f"{name} must be a string or a SymPy expression, got {kind}")


def read_answer(text: str, symbols: Mapping[str, sympy.Symbol]) -> sympy.Expr:
    """parse_answer, also bounded in time where a timer is possible; raises AnswerParseError."""
    if not in_main_thread():  # SymPy's evaluation while building is bounded by size already
        return parse_answer(text, symbols)
    try:
        with time_limit(PARSE_SECONDS):
            return parse_answer(text, symbols)
    except Timeout:
        raise AnswerParseError("the expression is too complex to read; simplify it") from None


# ------------------------------------------------------------------ verdict for a SymbolicCheck


@frozen
class PreparedSymbolic:
    check: SymbolicCheck
    symbols: Mapping[str, sympy.Symbol]
    expected: sympy.Expr
    mistakes: tuple[sympy.Expr, ...]


_CACHE: dict[tuple[Any, ...], PreparedSymbolic] = {}


def _key(check: SymbolicCheck) -> tuple[Any, ...]:
    domain = tuple((k, tuple(v)) for k, v in check.domain.items())
    return (
        check.answer,
        check.expected,
        tuple(check.symbols.items()),
        domain,
        check.mistakes,
        check.undecided_credit,
        check.weight,
    )


def _spec_expr(
    check: SymbolicCheck, text: str, what: str, symbols: Mapping[str, sympy.Symbol]
) -> sympy.Expr:
    try:
        return parse_answer(text, symbols)
    except AnswerParseError as exc:
        raise SpecError(
            f"symbolic check {check.answer}: cannot read the {what} '{text}': {exc}",
            hint="write it in Python syntax with the declared symbols",
        ) from None


def prepare_symbolic(check: SymbolicCheck) -> PreparedSymbolic:
    """Parse the expected expression and the mistakes once; SpecError names a bad one."""
    key = _key(check)
    if key in _CACHE:
        return _CACHE[key]
    symbols = make_symbols(check.symbols)
    for name, bounds in check.domain.items():
        if name not in symbols or len(bounds) != 2 or not bounds[0] < bounds[1]:
            raise SpecError(f"symbolic check {check.answer}: bad domain for '{name}': {bounds}")
    expected = _spec_expr(check, check.expected, "expected expression", symbols)
    far = time.monotonic() + 60
    if (
        numeric_verdict(expected, expected, symbols, check.domain, 0, POINTS, far).checked
        < MIN_VALID
    ):
        raise SpecError(
            f"symbolic check {check.answer}: the expected expression '{check.expected}' is "
            "undefined at most test points",
            hint="declare the symbols positive, or give a domain",
        )
    mistakes = []
    for i, mistake in enumerate(check.mistakes):
        expr = _spec_expr(check, mistake.expr, f"mistake {i}", symbols)
        if (
            numeric_verdict(expr, expected, symbols, check.domain, 0, POINTS, far).verdict
            == "agree"
        ):
            raise SpecError(
                f"symbolic check {check.answer}: mistake {i} '{mistake.expr}' is numerically "
                "equal to the expected expression, so it would never match a wrong answer"
            )
        mistakes.append(expr)
    prepared = PreparedSymbolic(
        check=check, symbols=symbols, expected=expected, mistakes=tuple(mistakes)
    )
    if len(_CACHE) > 256:
        _CACHE.clear()
    _CACHE[key] = prepared
    return prepared


def _outcome(credit: float, feedback: str, **evidence: Any) -> CheckOutcome:
    status: QuestionStatus = "passed" if credit >= 1 else "partial" if credit > 0 else "failed"
    return CheckOutcome(credit=credit, status=status, feedback=feedback, evidence=evidence)


def judge_symbolic(
    check: SymbolicCheck | PreparedSymbolic, value: Any, *, seed: int = 0
) -> CheckOutcome:
    """Credit, status and student feedback for one symbolic answer returned by the sandbox."""
    prepared = check if isinstance(check, PreparedSymbolic) else prepare_symbolic(check)
    spec, name = prepared.check, prepared.check.answer
    try:
        text = answer_text(value, name)
    except AnswerParseError as exc:
        missing = value is None or (isinstance(value, OpaqueValue) and value.type_name == "missing")
        verdict = "missing" if missing else "wrong_type"
        return _outcome(0.0, str(exc), parsed=None, verdict=verdict, matched_mistake=None)
    try:
        answer = read_answer(text, prepared.symbols)
    except AnswerParseError as exc:
        message = f"Could not read {name}: {exc}"
        return _outcome(0.0, message, parsed=None, verdict="unreadable", matched_mistake=None)
    start = time.monotonic()
    result = compare(answer, prepared.expected, prepared.symbols, spec.domain, seed=seed)
    evidence = {
        "parsed": str(answer),
        "verdict": result.verdict,
        "matched_mistake": None,
        "points_checked": result.points_checked,
        "detail": result.detail,
    }
    if result.verdict == "equivalent":
        return _outcome(1.0, f"{name} is correct.", **evidence)
    if result.verdict == "undecided":
        if result.points_checked >= MIN_VALID:
            return _outcome(
                spec.undecided_credit,
                f"{name} is numerically equal to the reference at {result.points_checked} points "
                "but not proven symbolically.",
                **evidence,
            )
        return _outcome(
            0.0, f"{name} could not be checked: {result.detail}; simplify it.", **evidence
        )
    deadline = start + 2 * TIME_LIMIT
    for i, (mistake, expr) in enumerate(zip(spec.mistakes, prepared.mistakes)):
        found = numeric_verdict(answer, expr, prepared.symbols, spec.domain, seed, POINTS, deadline)
        if found.verdict == "agree":
            evidence["matched_mistake"] = i
            return _outcome(
                mistake.credit, f"{name} is not correct: {mistake.feedback}", **evidence
            )
    return _outcome(
        0.0, f"{name} is not equivalent to the expected expression: {result.detail}.", **evidence
    )


# ------------------------------------------------------------------ the kind: schema, plan, judge, public


def parse(r: Reader) -> SymbolicCheck:
    d = defaults(SymbolicCheck)
    symbols = r.get(
        "symbols",
        dict,
        fix="declare each symbol with an assumption, e.g. {mu: real, sigma: positive}",
    )
    for sym, assumption in symbols.items():
        if not NAME_PATTERN.match(str(sym)) or assumption not in ASSUMPTIONS:
            r.fail(
                r.key(f"symbols.{sym}"),
                f"must be one of {', '.join(ASSUMPTIONS)}, got {show(assumption)}",
            )
    domain = {}
    for sym, bounds in r.get("domain", dict, {}).items():
        if sym not in symbols:
            r.fail(r.key(f"domain.{sym}"), "names a symbol that is not declared in symbols")
        if (
            not isinstance(bounds, list)
            or len(bounds) != 2
            or not all(isinstance(b, (int, float)) for b in bounds)
            or bounds[0] >= bounds[1]
        ):
            r.fail(
                r.key(f"domain.{sym}"), f"must be [low, high] with low < high, got {show(bounds)}"
            )
        domain[str(sym)] = (float(bounds[0]), float(bounds[1]))
    mistakes = []
    for i, raw in enumerate(r.get("mistakes", list, [])):
        m = r.sub(f"mistakes[{i}]", raw)
        m.check_keys(("expr", "feedback", "credit"))
        credit = m.get("credit", float, defaults(Mistake)["credit"])
        if not 0 <= credit < 1:
            m.fail(
                m.key("credit"),
                f"must be in [0, 1) (a mistake cannot earn full credit), got {credit}",
            )
        mistakes.append(
            Mistake(
                expr=str(m.get("expr", (str, int, float))),
                feedback=m.get("feedback", str),
                credit=credit,
            )
        )
    credit = r.get("undecided_credit", float, d["undecided_credit"])
    if not 0 <= credit <= 1:
        r.fail(r.key("undecided_credit"), f"must be in [0, 1], got {credit}")
    return SymbolicCheck(
        answer=r.name("answer"),
        expected=str(r.get("expected", (str, int, float))),
        symbols={str(k): v for k, v in symbols.items()},
        domain=domain,
        mistakes=tuple(mistakes),
        undecided_credit=credit,
        weight=r.get("weight", float, d["weight"]),
    )


@frozen
class Graded:
    """A plan's expectation when the spec is at hand: the parsed expression and mistakes."""

    prepared: PreparedSymbolic
    sample_seed: int  # where the public bundle samples the expected values (the spec's seed)
    seed: int  # where grading compares (a hidden seed, so the published samples are not it)


@frozen
class Samples:
    """A plan's expectation read from a public bundle: expected values at points, never the expression."""

    answer: str
    symbols: Mapping[str, str]
    samples: tuple[tuple[Mapping[str, str], float], ...]


def plan(spec: AssignmentSpec, check: SymbolicCheck, trusted: Trusted, site: Site) -> Plan:
    try:
        prepared = prepare_symbolic(check)
    except SpecError as exc:
        raise SpecError(f"{site.where}: {exc.message}", hint=exc.hint) from None
    call = Call(id=site.prefix, kind="get", name=check.answer)
    return Plan(
        question=site.question,
        kind=SymbolicCheck.kind,
        calls=(call,),
        weight=check.weight,
        expected=Graded(
            prepared=prepared,
            sample_seed=trusted.seed,
            seed=trusted.hidden_seed(f"symbolic:{site.prefix}"),
        ),
        check=check,
    )


def judge(plan: Plan, returned: Mapping[str, CallResult]) -> CheckOutcome:
    value = value_of(returned, plan.calls[0])
    if isinstance(plan.expected, Samples):
        return _judge_samples(plan.expected, value)
    assert isinstance(plan.expected, Graded)
    return judge_symbolic(plan.expected.prepared, value, seed=plan.expected.seed)


def _judge_samples(data: Samples, value: Any) -> CheckOutcome:
    name = data.answer
    symbols = make_symbols(data.symbols)
    try:
        answer = read_answer(answer_text(value, name), symbols)
    except AnswerParseError as exc:
        return CheckOutcome(credit=0.0, status="failed", feedback=f"Could not read {name}: {exc}")
    points = [point for point, _ in data.samples]
    for (point, want), got in zip(data.samples, values_at(answer, symbols, points)):
        if got is None or not close(got, want):
            where = ", ".join(f"{k}={v}" for k, v in point.items())
            shown = "undefined" if got is None else f"{got:.6g}"
            return CheckOutcome(
                credit=0.0,
                status="failed",
                feedback=f"{name} is not equivalent to the expected answer: at {where} it gives "
                f"{shown}, expected {want:.6g}",
            )
    return CheckOutcome(
        credit=1.0,
        status="passed",
        feedback=f"{name} matches the expected answer at {len(points)} points "
        "(the full check runs after you submit)",
    )


def to_public(plan: Plan) -> dict[str, Any]:
    """Expected values at sample points: enough to check an answer, never the expression."""
    assert isinstance(plan.expected, Graded) and isinstance(plan.check, SymbolicCheck)
    check, prepared = plan.check, plan.expected.prepared
    points = sample_points(prepared.symbols, check.domain, seed=plan.expected.sample_seed)
    values = values_at(prepared.expected, prepared.symbols, points)
    samples = [[point, value] for point, value in zip(points, values) if value is not None]
    return {
        "kind": SymbolicCheck.kind,
        "answer": check.answer,
        "symbols": dict(check.symbols),
        "samples": samples,
    }


def from_public(data: Mapping[str, Any], site: Site) -> Plan:
    samples = tuple((dict(point), float(value)) for point, value in data["samples"])
    expected = Samples(answer=str(data["answer"]), symbols=dict(data["symbols"]), samples=samples)
    call = Call(id=site.prefix, kind="get", name=expected.answer)
    return Plan(
        question=site.question,
        kind=SymbolicCheck.kind,
        calls=(call,),
        weight=float(data["weight"]),
        expected=expected,
    )


KIND = CheckKind(
    name=SymbolicCheck.kind,
    spec=SymbolicCheck,
    keys=("answer", "expected", "symbols", "domain", "mistakes", "undecided_credit"),
    parse=parse,
    plan=plan,
    judge=judge,
    to_public=to_public,
    from_public=from_public,
)
