"""Whitelist parser: builds a SymPy tree from a Python-syntax answer without evaluating any text."""

from __future__ import annotations

import ast
import difflib
import math
import re
import warnings
from collections.abc import Mapping, Sequence

import sympy

from autograder.errors import AnswerParseError

MAX_CHARS = 2000
MAX_NODES = 400
MAX_DEPTH = 60
MAX_INT = 10**12
MAX_EXPONENT = 1000
# A numeric power whose result would need more digits than this is refused before SymPy computes it.
MAX_DIGITS = 1000

FUNCTIONS = ("log", "ln", "exp", "sqrt", "Abs", "Max", "Min", "Rational")
CONSTANTS: Mapping[str, sympy.Expr] = {"pi": sympy.pi, "E": sympy.E}
ALLOWED = "numbers, the symbols, + - * / ** (or ^), and log, exp, sqrt, Abs, Max, Min, pi, E"

_BAD_VALUES = (sympy.zoo, sympy.nan, sympy.oo, -sympy.oo)


def symbol_list(symbols: Mapping[str, sympy.Symbol]) -> str:
    return ", ".join(sorted(symbols)) or "(none)"


def unknown_name(name: str, symbols: Mapping[str, sympy.Symbol], shown: str | None = None) -> str:
    """The message for a name that is neither a symbol nor a whitelisted function or constant."""
    shown = shown or f"'{name}'"
    message = f"unknown name {shown}; the symbols here are: {symbol_list(symbols)}"
    lowered = {s.lower(): s for s in symbols}
    close = difflib.get_close_matches(name.lower(), list(lowered), n=1, cutoff=0.6)
    if close:
        message += f" (did you mean '{lowered[close[0]]}'?)"
    return message


def check_text(text: str) -> str:
    """Length and emptiness checks shared by the Python and LaTeX readers."""
    if len(text) > MAX_CHARS:
        raise AnswerParseError(
            f"the answer is too long ({len(text)} characters, limit {MAX_CHARS}); simplify it"
        )
    text = text.strip()
    if not text:
        raise AnswerParseError('the answer is empty: write an expression, e.g. "sigma**2/2"')
    if "\x00" in text:
        raise AnswerParseError("the answer contains a NUL character; remove it")
    return text


def number(text: str) -> sympy.Rational:
    """An exact rational for a decimal literal (0.1 means 1/10), refusing huge magnitudes."""
    try:
        value = sympy.Rational(text)
    except (TypeError, ValueError):
        raise AnswerParseError(f"could not read the number '{text}'") from None
    if abs(value) > MAX_INT:
        raise AnswerParseError(
            f"the number {text} is too large (limit 10**12); write it with symbols or simplify"
        )
    return value


def _digits(value: sympy.Rational) -> float:
    return max(abs(int(value.p)), abs(int(value.q)), 1).bit_length() * math.log10(2)


# SymPy evaluates a node as it is built (folding numbers, combining terms), but some evaluations
# are super-linear: Abs/Max/Min simplify and compare their arguments, and evaluating a parent can
# rebuild, and so re-evaluate, every Abs/Max/Min inside it (measured: 30 s for a 300-character
# answer). So Max/Min are never evaluated while parsing, Abs only with a small argument, and other
# nodes only when their arguments are of bounded size and hold no Max/Min and no large Abs. Larger
# trees stay as written, which the numeric evaluation handles the same way.
EVALUATE_LIMIT = 120  # nodes under a node that SymPy may evaluate
SMALL = 24  # nodes under an Abs that SymPy may evaluate
COSTLY = (sympy.Abs, sympy.Max, sympy.Min)


def _fits(args: Sequence[sympy.Expr], limit: int, small_abs_inside: bool) -> bool:
    count = 0
    for arg in args:
        for node in sympy.preorder_traversal(arg):
            count += 1
            if count > limit or isinstance(node, sympy.Max | sympy.Min):
                return False
            if isinstance(node, sympy.Abs) and not (
                small_abs_inside and _fits(node.args, SMALL, False)
            ):
                return False
    return True


def is_small(args: Sequence[sympy.Expr]) -> bool:
    """Arguments that are cheap to rewrite: few nodes and no Abs/Max/Min inside."""
    return _fits(args, SMALL, False)


def evaluates(args: Sequence[sympy.Expr]) -> bool:
    """Arguments a node may evaluate: bounded size, no Max/Min, only small Abs inside."""
    return _fits(args, EVALUATE_LIMIT, True)


def add(terms: Sequence[sympy.Expr]) -> sympy.Expr:
    return sympy.Add(*terms, evaluate=evaluates(terms))


def mul(factors: Sequence[sympy.Expr]) -> sympy.Expr:
    return sympy.Mul(*factors, evaluate=evaluates(factors))


def neg(value: sympy.Expr) -> sympy.Expr:
    return mul([sympy.Integer(-1), value])


def power(base: sympy.Expr, exponent: sympy.Expr) -> sympy.Expr:
    """base**exponent, refusing exponents that would make SymPy compute or expand something huge."""
    if exponent.is_Number and exponent.is_real and abs(exponent) > MAX_EXPONENT:
        raise AnswerParseError(
            f"the exponent {exponent} is too large (limit {MAX_EXPONENT}); simplify the expression"
        )
    if base.is_Rational and exponent.is_Rational:
        size = _digits(base) * abs(float(exponent))
        if size > MAX_DIGITS or (not exponent.is_Integer and _digits(base) > 2 * MAX_DIGITS):
            raise AnswerParseError(
                f"a number in the expression would have about {size:.0f} digits; simplify it"
            )
    return sympy.Pow(base, exponent, evaluate=evaluates([base, exponent]))


def apply_function(name: str, args: Sequence[sympy.Expr]) -> sympy.Expr:
    """A whitelisted function applied to already-built arguments, with arity checks."""
    n = len(args)

    def need(ok: bool, usage: str) -> None:
        if not ok:
            raise AnswerParseError(f"{name} takes {usage}, got {n}; e.g. {name}(sigma)")

    if name in ("log", "ln"):
        need(n == 1 or (name == "log" and n == 2), "one argument (log(x, b) for base b)")
        logs = [sympy.log(a, evaluate=evaluates([a])) for a in args]
        return logs[0] if n == 1 else mul([logs[0], power(logs[1], sympy.Integer(-1))])
    if name == "exp":
        need(n == 1, "one argument")
        return sympy.exp(args[0], evaluate=evaluates(args))
    if name == "sqrt":
        need(n == 1, "one argument")
        return power(args[0], sympy.Rational(1, 2))
    if name == "Abs":
        need(n == 1, "one argument")
        return sympy.Abs(args[0], evaluate=is_small(args))
    if name in ("Max", "Min"):
        need(1 <= n <= 20, "one to twenty arguments")
        # Never evaluated here: even three small arguments cost ~45 ms of pairwise comparisons.
        return (sympy.Max if name == "Max" else sympy.Min)(*args, evaluate=False)
    if name == "Rational":
        need(n in (1, 2), "one or two integers")
        if not all(a.is_Integer for a in args) or (n == 2 and args[1] == 0):
            raise AnswerParseError(
                "Rational(p, q) needs two integers with q != 0, e.g. Rational(1, 2)"
            )
        return sympy.Rational(*(int(a) for a in args))
    raise AnswerParseError(f"unknown function '{name}'; allowed: {', '.join(FUNCTIONS)}")


def finish(expr: sympy.Expr) -> sympy.Expr:
    """Final checks shared by both readers: a finite SymPy expression of bounded size."""
    if not isinstance(expr, sympy.Expr):
        raise AnswerParseError("the answer is not an expression; " + ALLOWED)
    count = 0
    for _ in sympy.preorder_traversal(expr):
        count += 1
        if count > MAX_NODES:
            raise AnswerParseError(
                f"the expression is too large (over {MAX_NODES} parts); simplify it"
            )
    if expr.has(*_BAD_VALUES):
        raise AnswerParseError(
            "the expression is undefined or infinite (a division by zero, or log(0)?); check it"
        )
    return expr


# ------------------------------------------------------------------ Python syntax

_IMPLICIT = re.compile(r"\d\s*[A-Za-z_(]|[A-Za-z_]\w*\s+[A-Za-z_(\d]|\)\s*[\w(]")
_SAME_CHAIN = {ast.Add: "sum", ast.Sub: "sum", ast.Mult: "product", ast.Div: "product"}
_NODE_NAMES = {
    ast.Attribute: "attribute access ('.name')",
    ast.Subscript: "indexing ('[...]')",
    ast.Lambda: "lambda",
    ast.List: "a list",
    ast.Tuple: "a tuple (a comma outside a function call?)",
    ast.Set: "a set",
    ast.Dict: "a dict",
    ast.Compare: "a comparison (==, <, ...): write only the expression",
    ast.BoolOp: "and/or",
    ast.IfExp: "if/else",
    ast.NamedExpr: ":=",
    ast.JoinedStr: "an f-string",
    ast.Starred: "* unpacking",
    ast.ListComp: "a comprehension",
    ast.SetComp: "a comprehension",
    ast.DictComp: "a comprehension",
    ast.GeneratorExp: "a generator expression",
}
_OPERATOR_HINTS = {
    ast.FloorDiv: "'//' is not allowed; use /",
    ast.Mod: "'%' is not allowed",
    ast.MatMult: "'@' is not allowed; use *",
    ast.BitOr: "'|' is not allowed; use Abs(x) for an absolute value",
}


def _chain(op: ast.operator) -> str | None:
    return _SAME_CHAIN.get(type(op))


def _check_shape(root: ast.expr) -> None:
    """Size and nesting caps, counted before anything is built (an iterative walk, no recursion)."""
    stack: list[tuple[ast.AST, int]] = [(root, 1)]
    nodes = 0
    while stack:
        node, depth = stack.pop()
        if isinstance(node, ast.expr):
            nodes += 1
        if nodes > MAX_NODES:
            raise AnswerParseError(
                f"the expression is too large (over {MAX_NODES} parts); simplify it"
            )
        if depth > MAX_DEPTH:
            raise AnswerParseError(f"the expression is nested too deeply (over {MAX_DEPTH} levels)")
        for child in ast.iter_child_nodes(node):
            # A left-associative run such as a+b-c+d is one level, not one level per term.
            flat = (
                isinstance(node, ast.BinOp)
                and child is node.left
                and isinstance(child, ast.BinOp)
                and _chain(node.op) is not None
                and _chain(node.op) == _chain(child.op)
            )
            stack.append((child, depth if flat else depth + 1))


def _syntax_message(text: str, exc: SyntaxError) -> str:
    if _IMPLICIT.search(text):
        return "use * for multiplication, e.g. 2*sigma (implicit multiplication such as 2sigma is not allowed)"
    opened, closed = text.count("("), text.count(")")
    if opened != closed:
        return f"unbalanced parentheses: {opened} '(' and {closed} ')'"
    where = f" (near character {exc.offset})" if exc.offset else ""
    return f"could not read the expression: {exc.msg}{where}; allowed: {ALLOWED}"


class _Builder:
    def __init__(self, symbols: Mapping[str, sympy.Symbol]) -> None:
        self.symbols = symbols

    def build(self, node: ast.expr) -> sympy.Expr:
        if isinstance(node, ast.Constant):
            return self._constant(node.value)
        if isinstance(node, ast.Name):
            return self._name(node.id)
        if isinstance(node, ast.BinOp):
            return self._binop(node)
        if isinstance(node, ast.UnaryOp):
            if isinstance(node.op, ast.USub):
                return neg(self.build(node.operand))
            if isinstance(node.op, ast.UAdd):
                return self.build(node.operand)
            raise AnswerParseError("'not' and '~' are not allowed; allowed: " + ALLOWED)
        if isinstance(node, ast.Call):
            return self._call(node)
        what = _NODE_NAMES.get(type(node), f"'{type(node).__name__}'")
        raise AnswerParseError(f"{what} is not allowed; use {ALLOWED}")

    def _constant(self, value: object) -> sympy.Expr:
        if isinstance(value, bool) or value is None or value is Ellipsis:
            raise AnswerParseError(f"{value} is not allowed in an expression; use {ALLOWED}")
        if isinstance(value, int):
            return number(str(value))
        if isinstance(value, float):
            if not math.isfinite(value):
                raise AnswerParseError(
                    "the number is not finite (too large?); use a smaller number"
                )
            return number(repr(value))
        if isinstance(value, str | bytes):
            raise AnswerParseError(
                "a string inside the expression is not allowed: write the expression itself, "
                "without inner quotes, e.g. sigma**2/2"
            )
        raise AnswerParseError(f"complex numbers are not allowed; use {ALLOWED}")

    def _name(self, name: str) -> sympy.Expr:
        if name in self.symbols:
            return self.symbols[name]
        if "__" in name:
            raise AnswerParseError(f"names with double underscores ('{name}') are not allowed")
        if name in CONSTANTS:
            return CONSTANTS[name]
        if name in FUNCTIONS:
            raise AnswerParseError(
                f"{name} is a function: call it with parentheses, e.g. {name}(x)"
            )
        if name == "e":
            raise AnswerParseError(
                "'e' is not a symbol here; for Euler's number write E or exp(1), e.g. exp(x)"
            )
        raise AnswerParseError(unknown_name(name, self.symbols))

    def _binop(self, node: ast.BinOp) -> sympy.Expr:
        kind = _chain(node.op)
        if kind is None:
            if isinstance(node.op, ast.Pow):
                return power(self.build(node.left), self.build(node.right))
            hint = _OPERATOR_HINTS.get(type(node.op), f"'{type(node.op).__name__}' is not allowed")
            raise AnswerParseError(f"{hint}; allowed: {ALLOWED}")
        # Walk the left spine iteratively so a long a+b+c+... costs no recursion depth.
        parts: list[tuple[ast.operator, sympy.Expr]] = []
        spine: ast.expr = node
        while isinstance(spine, ast.BinOp) and _chain(spine.op) == kind:
            parts.append((spine.op, self.build(spine.right)))
            spine = spine.left
        first = self.build(spine)
        if kind == "sum":
            terms = [first] + [
                neg(v) if isinstance(op, ast.Sub) else v for op, v in reversed(parts)
            ]
            return add(terms)
        factors = [first]
        for op, v in reversed(parts):
            factors.append(power(v, sympy.Integer(-1)) if isinstance(op, ast.Div) else v)
        return mul(factors)

    def _call(self, node: ast.Call) -> sympy.Expr:
        func = node.func
        if isinstance(func, ast.Attribute):
            raise AnswerParseError("attribute access ('.name') is not allowed; use " + ALLOWED)
        if not isinstance(func, ast.Name):
            raise AnswerParseError(
                "use * for multiplication, e.g. 2*(mu + 1) rather than 2(mu + 1)"
            )
        name = func.id
        if name in self.symbols:
            raise AnswerParseError(
                f"{name} is a symbol, not a function: use * for multiplication, e.g. {name}*(...)"
            )
        if name not in FUNCTIONS:
            self._name(name)  # raises the right message (dunder, unknown name, 'e', ...)
            raise AnswerParseError(
                f"{name} is not a function; allowed functions: {', '.join(FUNCTIONS)}"
            )
        if node.keywords:
            raise AnswerParseError(f"keyword arguments are not allowed in {name}(...)")
        if any(isinstance(a, ast.Starred) for a in node.args):
            raise AnswerParseError("* unpacking is not allowed")
        return apply_function(name, [self.build(a) for a in node.args])


def parse_expression(text: str, symbols: Mapping[str, sympy.Symbol]) -> sympy.Expr:
    """A SymPy expression for a Python-syntax answer; raises AnswerParseError with a student hint."""
    text = check_text(text)
    source = text.replace("^", "**")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # "int is not callable" SyntaxWarning for 2(x)
            tree = ast.parse(source, mode="eval")
    except SyntaxError as exc:
        raise AnswerParseError(_syntax_message(text, exc)) from None
    except (ValueError, RecursionError, MemoryError):
        raise AnswerParseError("could not read the expression: it is too complex") from None
    _check_shape(tree.body)
    return finish(_Builder(symbols).build(tree.body))
