"""Equivalence of two trusted expression trees: bounded high-precision evaluation at test points,
then a bounded proof; the verdict is equivalent, different or undecided."""

from __future__ import annotations

import math
import random
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Literal

import sympy
from mpmath.ctx_mp import MPContext

from autograder.checks.proof import prove_zero

TIME_LIMIT = 2.0  # seconds for one whole compare(), numeric part and proof together
POINTS = 30
DIGITS = 30
RTOL = 1e-12
MIN_VALID = 10
_DEFAULT_RANGES = {"positive": (0.2, 3.0), "nonnegative": (0.0, 3.0), "real": (-3.0, 3.0)}
# Every WIDE_EVERY-th point takes symbols without a declared domain from their whole domain:
# magnitudes log-uniform in [10**-3, 10**3], either sign for a real symbol. An answer that is
# right only near the usual range of values (or only at some points) is then caught too.
WIDE_EVERY = 3
WIDE_DECADES = (-3.0, 3.0)
_NO_DOMAIN: Mapping[str, tuple[float, float]] = MappingProxyType({})

Verdict = Literal["equivalent", "different", "undecided"]


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
    for j in range(n):
        wide = j % WIDE_EVERY == WIDE_EVERY - 1
        point = {}
        for s in symbols:
            if s.is_integer:
                lo, hi = domain.get(s.name, (1, 6))
                point[s] = str(rng.randint(math.ceil(lo), math.floor(hi)))
                continue
            kind = "positive" if s.is_positive else "nonnegative" if s.is_nonnegative else "real"
            if wide and s.name not in domain:
                value = 10 ** rng.uniform(*WIDE_DECADES)
                if kind == "real" and rng.random() < 0.5:
                    value = -value
            else:
                lo, hi = domain.get(s.name, _DEFAULT_RANGES[kind])
                value = rng.uniform(lo, hi)
            point[s] = f"{value:.4g}"
        points.append(point)
    return points


def sample_points(
    symbols: Mapping[str, sympy.Symbol],
    domain: Mapping[str, tuple[float, float]] = _NO_DOMAIN,
    *,
    seed: int = 0,
    n: int = POINTS,
) -> list[dict[str, str]]:
    """Test points as {symbol name: value text}, drawn the way compare() draws them."""
    every = sorted(symbols.values(), key=lambda s: s.name)
    return [{s.name: v for s, v in point.items()} for point in _points(every, domain, seed, n)]


def values_at(
    expr: sympy.Expr, symbols: Mapping[str, sympy.Symbol], points: Sequence[Mapping[str, str]]
) -> list[float | None]:
    """The expression's value at each point as a float (None where it is not a finite real, or
    too large for a float), by the same bounded evaluator as compare()."""
    ctx = _context()
    try:
        f = _compile(expr, ctx)
    except RecursionError:
        return [None] * len(points)
    values = []
    for point in points:
        v = _value(f, {symbols[k]: ctx.mpf(x) for k, x in point.items()}, ctx)
        number = None if v is None else float(v)
        # Beyond the range of a float (exp(1000), say) a value cannot be published or compared.
        values.append(number if number is not None and math.isfinite(number) else None)
    return values


@dataclass(frozen=True, slots=True)
class Numeric:
    verdict: Literal["agree", "different", "undecided"]
    detail: str
    checked: int


def close(a: Any, b: Any) -> bool:
    """The one tolerance of numeric equivalence, relative to the larger value (at least 1)."""
    return bool(abs(a - b) <= RTOL * max(1, abs(a), abs(b)))


def _shown(point: Mapping[sympy.Symbol, str], used: set[sympy.Symbol]) -> str:
    names = [f"{s.name}={v}" for s, v in point.items() if s in used]
    return "at " + ", ".join(names) if names else "for any values"


def numeric_verdict(
    answer: sympy.Expr,
    expected: sympy.Expr,
    symbols: Mapping[str, sympy.Symbol],
    domain: Mapping[str, tuple[float, float]],
    seed: int,
    points: int,
    deadline: float,
) -> Numeric:
    ctx = _context()
    used = answer.free_symbols | expected.free_symbols
    every = sorted(set(symbols.values()) | used, key=lambda s: s.name)
    try:
        fa, fb = _compile(answer, ctx), _compile(expected, ctx)
    except RecursionError:
        return Numeric("undecided", "the expression is too deeply nested to evaluate", 0)
    checked = invalid = 0
    first_invalid = None
    for point in _points(every, domain, seed, points):
        if time.monotonic() > deadline:
            return Numeric("undecided", "evaluating the expression took too long", checked)
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
        if not close(a, b):
            return Numeric(
                "different",
                f"{_shown(point, used)} your expression gives {ctx.nstr(a, 6)}, "
                "which is not the expected value",
                checked,
            )
    # Undefined at an isolated point may be a removable singularity; undefined at many is wrong.
    if first_invalid is not None and invalid >= max(3, 0.2 * (checked + invalid)):
        return Numeric(
            "different",
            f"{_shown(first_invalid, used)} your expression is undefined or not a real number, "
            "but the expected expression is defined there",
            checked,
        )
    if checked < min(MIN_VALID, points):
        return Numeric(
            "undecided", f"only {checked} of {points} test points gave finite real values", checked
        )
    return Numeric("agree", f"numerically equal at {checked} points", checked)


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
    numeric = numeric_verdict(answer, expected, symbols, domain, seed, points, deadline)
    if numeric.verdict == "different":
        return Comparison(
            verdict="different", detail=numeric.detail, points_checked=numeric.checked
        )
    budget = deadline - time.monotonic() - 0.1  # unwinding after the alarm takes some ms
    if proof_seconds is not None:
        budget = min(budget, proof_seconds)
    # A proof settles it even where too few points were defined to compare numerically.
    if prove_zero(answer - expected, budget):
        return Comparison(
            verdict="equivalent", detail="proven symbolically", points_checked=numeric.checked
        )
    detail = numeric.detail
    if numeric.verdict == "agree":
        detail = f"numerically equal at {numeric.checked} points but not proven symbolically"
    return Comparison(verdict="undecided", detail=detail, points_checked=numeric.checked)
