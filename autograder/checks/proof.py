"""A time-bounded proof that an expression is identically zero (SymPy under SIGALRM where possible)."""

from __future__ import annotations

import math
import signal
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import sympy

from autograder.checks.expression import COSTLY, EVALUATE_LIMIT, is_small

MAX_EXPANSION = 2000  # terms an expand() may produce before it counts as too costly to try


class Timeout(BaseException):
    """Raised by SIGALRM; a BaseException so that SymPy's `except Exception` cannot swallow it."""


def in_main_thread() -> bool:
    return threading.current_thread() is threading.main_thread() and hasattr(signal, "setitimer")


@contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    armed = [True]

    def handler(signum: int, frame: Any) -> None:
        if armed[0]:
            armed[0] = False  # fire once: the restoring code below can never be interrupted twice
            raise Timeout

    old_handler = signal.signal(signal.SIGALRM, handler)
    old_delay, old_interval = signal.getitimer(signal.ITIMER_REAL)
    start = time.monotonic()
    seconds = max(seconds, 1e-3)  # 0 would disarm the timer instead of expiring at once
    signal.setitimer(signal.ITIMER_REAL, min(seconds, old_delay) if old_delay else seconds)
    try:
        try:
            yield
        finally:
            armed[0] = False
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old_handler)
        if old_delay:  # give back a timer someone else had set, minus the time we used
            left = max(old_delay - (time.monotonic() - start), 1e-6)
            signal.setitimer(signal.ITIMER_REAL, left, old_interval)


def _expansion_size(expr: sympy.Expr, cap: int = 10**6) -> int:
    """An upper estimate of the terms expand() would produce anywhere in the tree."""
    worst = 1

    def terms(e: sympy.Expr) -> int:
        nonlocal worst
        if e.is_Add:
            n = sum(terms(a) for a in e.args)
        elif e.is_Mul:
            n = 1
            for a in e.args:
                n = min(cap, n * terms(a))
        elif e.is_Pow and e.exp.is_Rational:
            k, p = terms(e.base), int(abs(e.exp))  # a k-term sum to the p: C(p+k-1, k-1) terms
            log_n = math.lgamma(p + k) - math.lgamma(k) - math.lgamma(p + 1)
            n = 1 if k == 1 else cap if log_n > math.log(cap) else round(math.exp(log_n))
        else:
            for a in e.args:
                terms(a)
            n = 1
        worst = max(worst, min(n, cap))
        return min(n, cap)

    terms(expr)
    return worst


def _bounded(d: sympy.Expr) -> bool:
    """Rewriting d cannot stall: it is small (so SymPy already evaluated it while parsing),
    its expansion stays small, and no Abs/Max/Min has a large argument."""
    costly = 0
    for count, node in enumerate(sympy.preorder_traversal(d)):
        if isinstance(node, COSTLY):
            costly += 1
            if costly > 4 or not is_small(node.args):
                return False
        if count > 2 * EVALUATE_LIMIT:
            return False
    return _expansion_size(d) <= MAX_EXPANSION


def _reaches_zero(step: Callable[[sympy.Expr], sympy.Expr], d: sympy.Expr) -> bool:
    try:
        return step(d) == 0
    except Exception:  # any SymPy failure (a non-comparable Max, a PolynomialError) is "not proven"
        return False


def _exp_minus_one(d: sympy.Expr) -> sympy.Expr:
    # A log identity is often a rational identity after exp(): d = 0 iff exp(d) = 1 for real d.
    product = sympy.Mul(*[sympy.exp(t) for t in sympy.Add.make_args(d)])
    return sympy.cancel(sympy.expand(product)) - 1 if _bounded(product) else d


def _cheap_proof(d: sympy.Expr) -> bool:
    steps: tuple[Callable[[sympy.Expr], sympy.Expr], ...] = (
        lambda e: sympy.expand(sympy.expand_log(e, force=True)),
        lambda e: sympy.cancel(sympy.expand_log(e, force=True)),
        _exp_minus_one if d.has(sympy.log) else lambda e: e,
    )
    return any(_reaches_zero(step, d) for step in steps)


def prove_zero(d: sympy.Expr, seconds: float) -> bool:
    """True when a SymPy rewrite reaches 0 within the budget; False means only 'not proven'."""
    if d == 0:
        return True
    if seconds <= 0:
        return False
    bounded = _bounded(d)
    # SIGALRM is the only way to stop SymPy; it exists only in the main thread. Elsewhere only
    # rewrites whose cost is bounded by the size checks run.
    if not in_main_thread():
        return bounded and _cheap_proof(d)
    steps: tuple[Callable[[sympy.Expr], sympy.Expr], ...] = (
        lambda e: sympy.factor(e, deep=True),
        lambda e: sympy.simplify(sympy.logcombine(e, force=True)),
        lambda e: sympy.simplify(sympy.expand_log(e, force=True)),
        sympy.simplify,
    )
    try:
        with time_limit(seconds):
            if bounded and _cheap_proof(d):
                return True
            return _expansion_size(d) <= 50 * MAX_EXPANSION and any(
                _reaches_zero(s, d) for s in steps
            )
    except Timeout:
        return False
