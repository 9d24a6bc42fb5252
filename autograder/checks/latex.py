"""LaTeX to SymPy: a small tokenizer and recursive-descent parser over a whitelist; nothing is evaluated.

Reading rules (what a student can rely on):
- `\\log` and `\\ln` are the natural log; `\\log_{b} x` is the log in base b.
- A function written without parentheses takes the following implicitly multiplied factors as its
  argument, up to the next explicit operator (+ - * / \\cdot) or the next \\log, \\ln, \\exp:
  `\\log 2\\pi s^2` = log(2*pi*s**2), `\\log\\sigma^2 + 1` = log(sigma**2) + 1,
  `\\log x \\log y` = log(x)*log(y). With parentheses the argument is the group:
  `\\log(2)\\pi` = log(2)*pi, and `\\log(x)^2` = (log x)**2, like `\\log^2 x`.
- Juxtaposition multiplies (`2\\sigma^2`, `\\mu_1\\mu_2`); `a/b c` is (a/b)*c, left to right.
- Plain letters: the longest declared name wins (`mu1`, `s2`), otherwise one letter is one symbol.
  `m_1` and `m_{1}` name the declared `m1` (or `m_1`). Greek letters keep their case.
- An undeclared `e` is Euler's number, so `e^{x}` is exp(x).
"""

from __future__ import annotations

import re
from collections.abc import Mapping

import sympy

from autograder.checks.expression import (
    MAX_DEPTH,
    MAX_NODES,
    add,
    apply_function,
    check_text,
    finish,
    mul,
    neg,
    number,
    power,
    symbol_list,
    unknown_name,
)
from autograder.errors import AnswerParseError

GREEK = frozenset(
    "alpha beta gamma delta epsilon varepsilon zeta eta theta vartheta iota kappa lambda mu nu xi "
    "omicron rho varrho sigma varsigma tau upsilon phi varphi chi psi omega Gamma Delta Theta "
    "Lambda Xi Pi Sigma Upsilon Phi Psi Omega pi".split()
)
FUNCTION_WORDS = ("log", "ln", "exp", "sqrt")
_APPLIED = frozenset({"log", "ln", "exp", "max", "min"})  # these end an unparenthesised argument
_COMMANDS = {
    "cdot": ("op", "*"),
    "times": ("op", "*"),
    "ast": ("op", "*"),
    "div": ("op", "/"),
    "{": ("op", "("),
    "}": ("op", ")"),
    "lbrace": ("op", "("),
    "rbrace": ("op", ")"),
    "lvert": ("op", "|open"),
    "rvert": ("op", "|close"),
    "vert": ("op", "|"),
    "mid": ("op", "|"),
}
_FUNCS = frozenset({"log", "ln", "exp", "sqrt", "frac", "dfrac", "tfrac", "max", "min"})
_SPACES = frozenset({",", ";", ":", "!", " ", "quad", "qquad", "displaystyle", "textstyle"})
_OPENERS = frozenset({"left", "bigl", "Bigl", "biggl", "Biggl"})
_CLOSERS = frozenset({"right", "bigr", "Bigr", "biggr", "Biggr"})
_SIZES = frozenset({"big", "Big", "bigg", "Bigg", "middle"})
_WORD_MACROS = frozenset({"mathrm", "mathit", "operatorname"})
_OPS = set("+-*/^_()[]{}|,=")
_CLOSE = {"(": (")", "]"), "[": (")", "]"), "{": ("}",)}
_WRAPPERS = (("$$", "$$"), ("$", "$"), ("\\(", "\\)"), ("\\[", "\\]"))


def looks_like_latex(text: str) -> bool:
    """A backslash, braces or $...$ mark LaTeX; a Python-syntax answer has none of them."""
    stripped = text.strip()
    return (
        "\\" in stripped or "{" in stripped or (stripped.startswith("$") and stripped.endswith("$"))
    )


def _unwrap(text: str) -> str:
    for left, right in _WRAPPERS:
        if text.startswith(left) and text.endswith(right) and len(text) >= len(left) + len(right):
            return text[len(left) : len(text) - len(right)].strip()
    return text


Token = tuple[str, str, int]  # kind, value, offset


def tokenize(text: str, names: Mapping[str, object]) -> list[Token]:
    """Tokens: num (one digit), dot, name, greek, cmd, op. Spacing and sizing macros vanish here."""
    words = sorted([*names, *FUNCTION_WORDS], key=len, reverse=True)
    tokens: list[Token] = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c.isspace() or c == "~":
            i += 1
        elif c.isdigit():
            tokens.append(("num", c, i))
            i += 1
        elif c == ".":
            tokens.append(("dot", c, i))
            i += 1
        elif c.isascii() and c.isalpha():
            word = next((w for w in words if text.startswith(w, i)), c)
            kind = "cmd" if word in FUNCTION_WORDS and word not in names else "name"
            tokens.append((kind, word, i))
            i += len(word)
        elif c == "\\":
            m = re.match(r"\\([A-Za-z]+|.)", text[i:], re.S)
            if m is None:
                raise AnswerParseError("a backslash ends the answer; remove it")
            macro, start = m.group(1), i
            i += m.end()
            if macro in _SPACES:
                continue
            if macro in _OPENERS | _CLOSERS | _SIZES:
                # A sizing macro only decorates the delimiter after it; it fixes whether | opens.
                while i < n and text[i].isspace():
                    i += 1
                if i < n and text[i] == "|":
                    bar = "|open" if macro in _OPENERS else "|close" if macro in _CLOSERS else "|"
                    tokens.append(("op", bar, i))
                    i += 1
                elif i < n and text[i] == ".":
                    i += 1  # \left. and \right. are empty delimiters
                continue
            if macro in _WORD_MACROS:
                m = re.match(r"\s*\{\s*([A-Za-z0-9]+)\s*\}", text[i:])
                if m is None:
                    raise AnswerParseError(
                        f"\\{macro} must be followed by a word in braces, e.g. \\{macro}{{e}}"
                    )
                word = m.group(1)
                kind = "cmd" if word in _FUNCS and word not in names else "name"
                tokens.append((kind, word, start))
                i += m.end()
            elif macro in _COMMANDS:
                tokens.append((*_COMMANDS[macro], start))
            elif macro in GREEK:
                tokens.append(("greek", macro, start))
            elif macro in _FUNCS:
                tokens.append(("cmd", macro, start))
            else:
                raise AnswerParseError(
                    f"the LaTeX command \\{macro} is not supported; use numbers, symbols, + - "
                    "\\cdot, \\frac, \\sqrt, \\log, \\ln, \\exp, ^, \\left( \\right) and Greek letters"
                )
        elif c in _OPS:
            if c == "=":
                raise AnswerParseError(
                    "write only the expression, without '=' (e.g. not 'KL = ...')"
                )
            tokens.append(("op", c, i))
            i += 1
        else:
            raise AnswerParseError(f"unexpected character '{c}' at position {i + 1}")
    tokens.append(("end", "", n))
    return tokens


class _Parser:
    def __init__(self, text: str, symbols: Mapping[str, sympy.Symbol]) -> None:
        self.text = text
        self.symbols = symbols
        self.tokens = tokenize(text, symbols)
        self.pos = 0
        self.depth = 0
        self.nodes = 0
        self.bars = 0  # how many |...| are open: inside one, a bare | closes

    # ---------------------------------------------------------------- helpers
    def peek(self) -> Token:
        return self.tokens[self.pos]

    def take(self) -> Token:
        tok = self.tokens[self.pos]
        if tok[0] != "end":  # the end token stays, so peek() is always safe
            self.pos += 1
        return tok

    def is_op(self, *values: str) -> bool:
        kind, value, _ = self.peek()
        return kind == "op" and value in values

    def fail(self, message: str, tok: Token | None = None) -> AnswerParseError:
        offset = (tok or self.peek())[2]
        snippet = self.text[offset : offset + 15] or "the end"
        return AnswerParseError(f"{message} (near '{snippet}')")

    def count(self, expr: sympy.Expr) -> sympy.Expr:
        self.nodes += 1
        if self.nodes > MAX_NODES:
            raise AnswerParseError(
                f"the expression is too large (over {MAX_NODES} parts); simplify it"
            )
        return expr

    def nest(self, delta: int) -> None:
        self.depth += delta
        if self.depth > MAX_DEPTH:
            raise AnswerParseError(f"the expression is nested too deeply (over {MAX_DEPTH} levels)")

    def starts_atom(self, tok: Token) -> bool:
        kind, value, _ = tok
        if kind in ("num", "dot", "name", "greek", "cmd"):
            return True
        return kind == "op" and (
            value in ("(", "[", "{", "|open") or (value == "|" and not self.bars)
        )

    # ---------------------------------------------------------------- grammar
    def parse(self) -> sympy.Expr:
        result = self.expr()
        if self.peek()[0] != "end":
            raise self.fail(f"unexpected '{self.peek()[1]}'")
        return result

    def expr(self) -> sympy.Expr:
        self.nest(1)
        terms = [self.term()]
        while self.is_op("+", "-"):
            sign = self.take()[1]
            t = self.term()
            terms.append(self.count(neg(t) if sign == "-" else t))
        self.nest(-1)
        return add(terms)

    def term(self) -> sympy.Expr:
        factors = [self.unary()]
        while True:
            if self.is_op("*", "/"):
                op = self.take()[1]
                rhs = self.unary()
                factors.append(power(rhs, sympy.Integer(-1)) if op == "/" else rhs)
            elif self.starts_atom(self.peek()):
                factors.append(self.power_())
            else:
                return factors[0] if len(factors) == 1 else mul(factors)
            self.count(factors[-1])

    def unary(self) -> sympy.Expr:
        if self.is_op("-", "+"):
            sign = self.take()[1]
            self.nest(1)
            value = self.unary()
            self.nest(-1)
            return self.count(neg(value)) if sign == "-" else value
        return self.power_()

    def power_(self) -> sympy.Expr:
        base = self.atom()
        if self.is_op("^"):
            self.take()
            base = self.count(power(base, self.script()))
            if self.is_op("^"):
                raise self.fail("double superscript: use braces, e.g. x^{2^{3}}")
        if self.is_op("_"):
            raise self.fail("a subscript belongs to a symbol name (m_1) or to \\log_{b}")
        return base

    def script(self) -> sympy.Expr:
        """The argument of ^ or _: a braced group or a single token (TeX reads x^23 as x^2 * 3)."""
        kind, value, _ = self.peek()
        if kind == "op" and value == "{":
            return self.group()
        if kind == "op" and value == "-":
            self.take()
            self.nest(1)
            value = neg(self.script())
            self.nest(-1)
            return value
        if kind == "num":
            self.take()
            return number(value)
        return self.atom()

    def group(self) -> sympy.Expr:
        open_tok = self.take()
        saved, self.bars = self.bars, 0  # a | inside parentheses opens a new absolute value
        inner = self.expr()
        self.bars = saved
        if not self.is_op(*_CLOSE[open_tok[1]]):
            raise self.fail(f"'{open_tok[1]}' is not closed", open_tok)
        self.take()
        return inner

    def atom(self) -> sympy.Expr:
        tok = self.peek()
        kind, value, _ = tok
        if kind in ("num", "dot"):
            return self.count(self.number())
        if kind in ("name", "greek"):
            self.take()
            return self.count(self.symbol(value, "\\" + value if kind == "greek" else value))
        if kind == "op" and value in _CLOSE:
            return self.group()
        if kind == "op" and value in ("|", "|open"):
            self.take()
            self.bars += 1
            inner = self.expr()
            if not self.is_op("|", "|close"):
                raise self.fail("an absolute value |...| is not closed", tok)
            self.take()
            self.bars -= 1
            return self.count(apply_function("Abs", [inner]))
        if kind == "cmd":
            self.take()
            self.nest(1)
            result = self.command(value, tok)
            self.nest(-1)
            return self.count(result)
        if kind == "end":
            raise self.fail("the expression ends too early")
        raise self.fail(f"unexpected '{value}'")

    def number(self) -> sympy.Expr:
        start = self.peek()[2]
        end = start
        while self.peek()[0] in ("num", "dot") and self.peek()[2] == end:
            end += 1
            self.take()
        return number(self.text[start:end])

    def symbol(self, name: str, shown: str) -> sympy.Expr:
        if self.is_op("_"):
            self.take()
            sub = self.subscript_text()
            for candidate in (name + sub, f"{name}_{sub}"):
                if candidate in self.symbols:
                    return self.symbols[candidate]
            raise AnswerParseError(unknown_name(name + sub, self.symbols, f"{shown}_{sub}"))
        if name in self.symbols:
            return self.symbols[name]
        if name == "e":
            return sympy.E
        if name == "pi":
            return sympy.pi
        if shown.startswith("\\"):
            raise AnswerParseError(
                f"{shown} is not one of the symbols here ({symbol_list(self.symbols)}); "
                "Greek letters are case-sensitive (\\Sigma and \\sigma differ)"
            )
        raise AnswerParseError(unknown_name(name, self.symbols))

    def subscript_text(self) -> str:
        if not self.is_op("{"):
            kind, value, _ = self.take()
            if kind not in ("num", "name", "greek"):
                raise self.fail("a subscript must be a number or letters, e.g. m_1 or m_{12}")
            return value
        self.take()
        parts = []
        while self.peek()[0] in ("num", "name", "greek"):
            parts.append(self.take()[1])
        if not parts or not self.is_op("}"):
            raise self.fail("a subscript must be a number or letters, e.g. m_1 or m_{12}")
        self.take()
        return "".join(parts)

    def argument(self, macro: str) -> sympy.Expr:
        """An argument of \\frac or \\sqrt: a braced group or a single token."""
        kind, value, _ = self.peek()
        if kind == "op" and value == "{":
            return self.group()
        if kind == "num":
            self.take()
            return number(value)
        if kind in ("name", "greek", "cmd", "dot"):
            return self.atom()
        raise self.fail(
            f"\\{macro} needs its arguments in braces, e.g. \\frac{{1}}{{2}} or \\sqrt{{x}}"
        )

    def command(self, name: str, tok: Token) -> sympy.Expr:
        if name in ("frac", "dfrac", "tfrac"):
            top = self.argument(name)
            return mul([top, power(self.argument(name), sympy.Integer(-1))])
        if name == "sqrt":
            if self.is_op("["):
                degree = self.group()
                return power(self.argument(name), power(degree, sympy.Integer(-1)))
            return apply_function("sqrt", [self.argument(name)])
        if name in ("max", "min"):
            if not self.is_op("(", "["):
                raise self.fail(f"\\{name} needs parentheses, e.g. \\{name}(a, b)")
            self.take()
            args = [self.expr()]
            while self.is_op(","):
                self.take()
                args.append(self.expr())
            if not self.is_op(")", "]"):
                raise self.fail(f"\\{name}( is not closed", tok)
            self.take()
            return apply_function(name.capitalize(), args)
        return self.apply(name, tok)

    def apply(self, name: str, tok: Token) -> sympy.Expr:
        """\\log, \\ln, \\exp with an optional base (\\log_b) and power (\\log^2 x)."""
        base = exponent = None
        for _ in range(2):
            if self.is_op("_") and base is None:
                if name != "log":
                    raise self.fail(f"only \\log takes a base; \\{name}_ is not allowed")
                self.take()
                base = self.script()
            elif self.is_op("^") and exponent is None:
                self.take()
                exponent = self.script()
        if self.is_op("(", "[", "{"):
            arg = self.group()
            if exponent is None and self.is_op("^"):  # \log(x)^2 means (\log x)^2
                self.take()
                exponent = self.script()
        else:
            arg = self.implicit_argument(name, tok)
        value = apply_function(
            "log" if name == "ln" else name, [arg] if base is None else [arg, base]
        )
        return power(value, exponent) if exponent is not None else value

    def implicit_argument(self, name: str, tok: Token) -> sympy.Expr:
        if self.is_op("-"):
            self.take()
            self.nest(1)
            value = neg(self.implicit_argument(name, tok))
            self.nest(-1)
            return value
        if not self.starts_atom(self.peek()):
            raise self.fail(f"\\{name} needs an argument, e.g. \\{name}(x)", tok)
        factors = [self.power_()]
        while self.starts_atom(self.peek()) and not (
            self.peek()[0] == "cmd" and self.peek()[1] in _APPLIED
        ):
            factors.append(self.count(self.power_()))
        return factors[0] if len(factors) == 1 else mul(factors)


def parse_latex(text: str, symbols: Mapping[str, sympy.Symbol]) -> sympy.Expr:
    """A SymPy expression for a LaTeX answer; raises AnswerParseError naming what is wrong."""
    body = _unwrap(check_text(text))
    if "$" in body:
        raise AnswerParseError("a stray '$' inside the answer: wrap the whole answer in one $...$")
    if not body:
        raise AnswerParseError(
            "the answer is empty: write an expression, e.g. $\\frac{\\sigma^2}{2}$"
        )
    try:
        return finish(_Parser(body, symbols).parse())
    except RecursionError:
        raise AnswerParseError("the expression is nested too deeply; simplify it") from None
