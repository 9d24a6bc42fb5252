"""Symbolic answers: parse, compare with the reference (test points, then a bounded proof), and judge."""

from __future__ import annotations

import math
import random
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Literal

import sympy
from mpmath.ctx_mp import MPContext

from autograder.checks.expression import (
    FUNCTIONS,
    parse_expression,
)
from autograder.checks.latex import looks_like_latex, parse_latex
from autograder.checks.proof import Timeout, in_main_thread, prove_zero, time_limit
from autograder.errors import AnswerParseError, SpecError
from autograder.models import CheckOutcome, OpaqueValue, SymbolicCheck

TIME_LIMIT = 2.0  # seconds for one whole compare(), numeric part and proof together
PARSE_SECONDS = 1.0
POINTS = 30
DIGITS = 30
RTOL = 1e-12
MIN_VALID = 10
_ASSUMPTIONS = ("real", "positive", "nonnegative", "integer")
_DEFAULT_RANGES = {"positive": (0.2, 3.0), "nonnegative": (0.0, 3.0), "real": (-3.0, 3.0)}
_NO_DOMAIN: Mapping[str, tuple[float, float]] = MappingProxyType({})

Verdict = Literal["equivalent", "different", "undecided"]


def make_symbols(symbols: Mapping[str, str]) -> dict[str, sympy.Symbol]:
    """SymPy symbols with the declared assumption (real, positive, nonnegative or integer)."""
    made = {}
    for name, assumption in symbols.items():
        if not name.isidentifier() or "__" in name or name in FUNCTIONS:
            raise SpecError(f"symbol name '{name}' is not allowed", hint="use a plain identifier such as mu1")
        if assumption not in _ASSUMPTIONS:
            hint = f"use one of: {', '.join(_ASSUMPTIONS)}"
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


@dataclass(frozen=True, slots=True, kw_only=True)
class Comparison:
    verdict: Verdict
    detail: str
    points_checked: int


# ------------------------------------------------------------------ numeric evaluation


class _Invalid(Exception):
    """The value at a point is not a finite real number."""


_LOCAL = threading.local()
Compiled = Callable[[Mapping[sympy.Symbol, Any]], Any]


def _context() -> MPContext:
    """A private mpmath context per thread, so the global mpmath precision is never touched."""
    ctx = getattr(_LOCAL, "ctx", None)
    if ctx is None:
        ctx = _LOCAL.ctx = MPContext()
        ctx.dps = DIGITS
        ctx.too_big = ctx.mpf(10) ** 1000
    return ctx


def _compile(expr: sympy.Expr, ctx: MPContext) -> Compiled:
    """A closure evaluating our (trusted, whitelisted) tree; every node is checked for size, so
    towers such as x**x**x**x fail fast at a point instead of building giant numbers."""

    def check(v: Any) -> Any:
        for part in (v.real, v.imag) if isinstance(v, ctx.mpc) else (v,):
            if not ctx.isfinite(part) or abs(part) > ctx.too_big:
                raise _Invalid
        return v

    if expr.is_Symbol:
        return lambda env: env[expr]
    if expr is sympy.I:
        return lambda env: ctx.mpc(0, 1)
    if expr.is_Rational:
        c = ctx.mpf(int(expr.p)) / int(expr.q)
        return lambda env: c
    if expr.is_Number or expr in (sympy.pi, sympy.E):
        c = ctx.mpf(sympy.Float(expr, DIGITS + 5)._mpf_)
        return lambda env: c
    fs = [_compile(a, ctx) for a in expr.args]
    if expr.is_Add:
        return lambda env: check(ctx.fsum([f(env) for f in fs]))
    if expr.is_Mul:

        def product(env: Mapping[sympy.Symbol, Any]) -> Any:
            value = fs[0](env)
            for f in fs[1:]:
                value = check(value * f(env))
            return value

        return product
    if expr.is_Pow:
        base, exponent = fs
        return lambda env: check(ctx.power(base(env), exponent(env)))
    unary = {sympy.exp: ctx.exp, sympy.log: ctx.log, sympy.Abs: abs}.get(expr.func)
    if unary is not None and len(fs) == 1:
        return lambda env: check(unary(fs[0](env)))

    def real_args(env: Mapping[sympy.Symbol, Any]) -> list[Any]:
        values = [f(env) for f in fs]
        if any(isinstance(v, ctx.mpc) for v in values):
            raise _Invalid
        return values

    if expr.func in (sympy.Max, sympy.Min):
        pick = max if expr.func is sympy.Max else min
        return lambda env: pick(real_args(env))

    def fallback(env: Mapping[sympy.Symbol, Any]) -> Any:
        # Whatever else SymPy produced from our tree (sign, re, ...): evaluate it through SymPy.
        args = [sympy.Float._new(v._mpf_, ctx.prec) for v in real_args(env)]
        value = sympy.N(expr.func(*args), DIGITS)
        if not (value.is_Number and value.is_real):
            raise _Invalid
        return check(ctx.mpf(sympy.Float(value, DIGITS)._mpf_))

    return fallback


def _value(f: Compiled, env: Mapping[sympy.Symbol, Any], ctx: MPContext) -> Any | None:
    """A finite real value at a point, or None (complex, nan, infinite, division by zero)."""
    try:
        v = f(env)
    except (_Invalid, ArithmeticError, ValueError, TypeError):
        return None
    if isinstance(v, ctx.mpc):
        if abs(v.imag) > ctx.mpf(10) ** (5 - DIGITS) * max(1, abs(v.real)):
            return None
        v = v.real
    return v


def _points(
    symbols: list[sympy.Symbol], domain: Mapping[str, tuple[float, float]], seed: int, n: int
) -> list[dict[sympy.Symbol, str]]:
    """Test points with 4 significant digits, so the point shown in feedback is the point used."""
    rng = random.Random(seed)
    points = []
    for _ in range(n):
        point = {}
        for s in symbols:
            if s.is_integer:
                lo, hi = domain.get(s.name, (1, 6))
                point[s] = str(rng.randint(math.ceil(lo), math.floor(hi)))
                continue
            kind = "positive" if s.is_positive else "nonnegative" if s.is_nonnegative else "real"
            lo, hi = domain.get(s.name, _DEFAULT_RANGES[kind])
            point[s] = f"{rng.uniform(lo, hi):.4g}"
        points.append(point)
    return points


def sample_points(symbols: Mapping[str, sympy.Symbol], domain: Mapping[str, tuple[float, float]] = _NO_DOMAIN,
                  *, seed: int = 0, n: int = POINTS) -> list[dict[str, str]]:
    """Test points as {symbol name: value text}, drawn the way compare() draws them."""
    every = sorted(symbols.values(), key=lambda s: s.name)
    return [{s.name: v for s, v in point.items()} for point in _points(every, domain, seed, n)]


def values_at(expr: sympy.Expr, symbols: Mapping[str, sympy.Symbol],
              points: list[Mapping[str, str]]) -> list[float | None]:
    """The expression's value at each point (None where it is not a finite real), by the same
    bounded evaluator as compare()."""
    ctx = _context()
    try:
        f = _compile(expr, ctx)
    except RecursionError:
        return [None] * len(points)
    values = []
    for point in points:
        v = _value(f, {symbols[k]: ctx.mpf(x) for k, x in point.items()}, ctx)
        values.append(None if v is None else float(v))
    return values


@dataclass(frozen=True, slots=True)
class _Numeric:
    verdict: Literal["agree", "different", "undecided"]
    detail: str
    checked: int


def _shown(point: Mapping[sympy.Symbol, str], used: set[sympy.Symbol]) -> str:
    names = [f"{s.name}={v}" for s, v in point.items() if s in used]
    return "at " + ", ".join(names) if names else "for any values"


def _numeric(
    answer: sympy.Expr,
    expected: sympy.Expr,
    symbols: Mapping[str, sympy.Symbol],
    domain: Mapping[str, tuple[float, float]],
    seed: int,
    points: int,
    deadline: float,
) -> _Numeric:
    ctx = _context()
    used = answer.free_symbols | expected.free_symbols
    every = sorted(set(symbols.values()) | used, key=lambda s: s.name)
    try:
        fa, fb = _compile(answer, ctx), _compile(expected, ctx)
    except RecursionError:
        return _Numeric("undecided", "the expression is too deeply nested to evaluate", 0)
    checked = invalid = 0
    first_invalid = None
    for point in _points(every, domain, seed, points):
        if time.monotonic() > deadline:
            return _Numeric("undecided", "evaluating the expression took too long", checked)
        env = {s: ctx.mpf(v) for s, v in point.items()}
        b = _value(fb, env, ctx)
        if b is None:
            continue  # the reference is not defined here: the point says nothing
        a = _value(fa, env, ctx)
        if a is None:
            invalid += 1
            first_invalid = first_invalid or point
            continue
        checked += 1
        if abs(a - b) > RTOL * max(1, abs(a), abs(b)):
            return _Numeric(
                "different",
                f"{_shown(point, used)} your expression gives {ctx.nstr(a, 6)}, "
                "which is not the expected value",
                checked,
            )
    # Undefined at an isolated point may be a removable singularity; undefined at many is wrong.
    if first_invalid is not None and invalid >= max(3, 0.2 * (checked + invalid)):
        return _Numeric(
            "different",
            f"{_shown(first_invalid, used)} your expression is undefined or not a real number, "
            "but the expected expression is defined there",
            checked,
        )
    if checked < min(MIN_VALID, points):
        return _Numeric("undecided", f"only {checked} of {points} test points gave finite real values", checked)
    return _Numeric("agree", f"numerically equal at {checked} points", checked)


def compare(
    answer: sympy.Expr,
    expected: sympy.Expr,
    symbols: Mapping[str, sympy.Symbol],
    domain: Mapping[str, tuple[float, float]] = _NO_DOMAIN,
    *,
    seed: int = 0,
    points: int = POINTS,
    time_limit: float = TIME_LIMIT,
    proof_seconds: float | None = None,
) -> Comparison:
    """Numeric test points first (any mismatch: different), then a proof bounded by time_limit."""
    start = time.monotonic()
    deadline = start + time_limit
    numeric = _numeric(answer, expected, symbols, domain, seed, points, deadline)
    if numeric.verdict == "different":
        return Comparison(verdict="different", detail=numeric.detail, points_checked=numeric.checked)
    budget = deadline - time.monotonic() - 0.1  # unwinding after the alarm takes some ms
    if proof_seconds is not None:
        budget = min(budget, proof_seconds)
    # A proof settles it even where too few points were defined to compare numerically.
    if prove_zero(answer - expected, budget):
        return Comparison(verdict="equivalent", detail="proven symbolically", points_checked=numeric.checked)
    detail = numeric.detail
    if numeric.verdict == "agree":
        detail = f"numerically equal at {numeric.checked} points but not proven symbolically"
    return Comparison(verdict="undecided", detail=detail, points_checked=numeric.checked)


# ------------------------------------------------------------------ verdict for a SymbolicCheck


@dataclass(frozen=True, slots=True, kw_only=True)
class PreparedSymbolic:
    check: SymbolicCheck
    symbols: Mapping[str, sympy.Symbol]
    expected: sympy.Expr
    mistakes: tuple[sympy.Expr, ...]


_CACHE: dict[tuple, PreparedSymbolic] = {}


def _key(check: SymbolicCheck) -> tuple:
    domain = tuple((k, tuple(v)) for k, v in check.domain.items())
    return (check.answer, check.expected, tuple(check.symbols.items()), domain, check.mistakes,
            check.undecided_credit, check.weight)


def _spec_expr(check: SymbolicCheck, text: str, what: str, symbols: Mapping[str, sympy.Symbol]):
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
    if _numeric(expected, expected, symbols, check.domain, 0, POINTS, far).checked < MIN_VALID:
        raise SpecError(
            f"symbolic check {check.answer}: the expected expression '{check.expected}' is "
            "undefined at most test points",
            hint="declare the symbols positive, or give a domain",
        )
    mistakes = []
    for i, mistake in enumerate(check.mistakes):
        expr = _spec_expr(check, mistake.expr, f"mistake {i}", symbols)
        if _numeric(expr, expected, symbols, check.domain, 0, POINTS, far).verdict == "agree":
            raise SpecError(
                f"symbolic check {check.answer}: mistake {i} '{mistake.expr}' is numerically "
                "equal to the expected expression, so it would never match a wrong answer"
            )
        mistakes.append(expr)
    prepared = PreparedSymbolic(check=check, symbols=symbols, expected=expected, mistakes=tuple(mistakes))
    if len(_CACHE) > 256:
        _CACHE.clear()
    _CACHE[key] = prepared
    return prepared


def _outcome(credit: float, feedback: str, **evidence: Any) -> CheckOutcome:
    status = "passed" if credit >= 1 else "partial" if credit > 0 else "failed"
    return CheckOutcome(credit=credit, status=status, feedback=feedback, evidence=evidence)


def judge_symbolic(check: SymbolicCheck | PreparedSymbolic, value: Any, *, seed: int = 0) -> CheckOutcome:
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
    evidence = {"parsed": str(answer), "verdict": result.verdict, "matched_mistake": None,
                "points_checked": result.points_checked, "detail": result.detail}
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
        return _outcome(0.0, f"{name} could not be checked: {result.detail}; simplify it.", **evidence)
    deadline = start + 2 * TIME_LIMIT
    for i, (mistake, expr) in enumerate(zip(spec.mistakes, prepared.mistakes)):
        found = _numeric(answer, expr, prepared.symbols, spec.domain, seed, POINTS, deadline)
        if found.verdict == "agree":
            evidence["matched_mistake"] = i
            return _outcome(mistake.credit, f"{name} is not correct: {mistake.feedback}", **evidence)
    return _outcome(0.0, f"{name} is not equivalent to the expected expression: {result.detail}.", **evidence)
