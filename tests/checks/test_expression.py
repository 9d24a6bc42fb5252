"""The Python-syntax whitelist parser: what it builds, and what it refuses with which message."""

from __future__ import annotations

import ast
import builtins
from pathlib import Path

import pytest
import sympy

from autograder.checks.expression import MAX_NODES, parse_expression
from autograder.errors import AnswerParseError

MU = sympy.Symbol("mu", real=True)
SIGMA = sympy.Symbol("sigma", positive=True)
SYMBOLS = {"mu": MU, "sigma": SIGMA}


def parse(text: str, symbols=SYMBOLS) -> sympy.Expr:
    return parse_expression(text, symbols)


def refused(text: str, symbols=SYMBOLS) -> str:
    with pytest.raises(AnswerParseError) as info:
        parse_expression(text, symbols)
    return str(info.value)


def test_builds_the_expected_tree():
    assert (
        parse("(sigma**2+mu**2-1-log(sigma**2))/2")
        == (SIGMA**2 + MU**2 - 1 - sympy.log(SIGMA**2)) / 2
    )
    assert parse("sigma^2 + mu^2") == SIGMA**2 + MU**2  # ^ is power, not xor
    assert parse("-mu") == -MU and parse("+mu") == MU
    assert (
        parse("sqrt(sigma)*exp(mu)/pi + E")
        == sympy.sqrt(SIGMA) * sympy.exp(MU) / sympy.pi + sympy.E
    )


def test_decimals_become_exact_rationals():
    assert parse("0.5*sigma") == SIGMA / 2
    assert parse("0.1") == sympy.Rational(1, 10)


def test_whitelisted_functions_and_arity():
    assert parse("ln(sigma)") == sympy.log(SIGMA)
    assert parse("log(sigma, 2)") == sympy.log(SIGMA) / sympy.log(2)
    assert parse("Abs(mu) + Max(mu, sigma) + Min(mu, 1)") == sympy.Abs(MU) + sympy.Max(
        MU, SIGMA
    ) + sympy.Min(MU, 1)
    assert parse("Rational(1, 3)*mu") == MU / 3
    assert "takes" in refused("exp(mu, sigma)")
    assert "takes" in refused("ln(mu, 2)")
    assert "Rational" in refused("Rational(mu, 2)")
    assert "keyword" in refused("log(sigma, base=2)")


def test_symbol_names_with_digits_and_underscores():
    symbols = {n: sympy.Symbol(n, positive=True) for n in ("m1", "s_2", "x0")}
    assert parse("m1*s_2 + x0", symbols) == symbols["m1"] * symbols["s_2"] + symbols["x0"]


@pytest.mark.parametrize(
    "attack, fragment",
    [
        ("__import__('os').system('x')", "attribute access"),
        ("__import__('os')", "double underscores"),
        ("().__class__", "attribute"),
        ("sigma.__class__", "attribute"),
        ("lambda: 1", "lambda"),
        ("[1][0]", "indexing"),
        ("open('f')", "unknown name 'open'"),
        ("[x for x in (1,)]", "comprehension"),
        ("'mu'", "string"),
        ("mu if mu else sigma", "if/else"),
        ("mu == sigma", "comparison"),
        ("(mu, sigma)", "tuple"),
        ("mu // 2", "//"),
        ("mu % 2", "%"),
        ("1j*mu", "complex"),
        ("True + mu", "True"),
        ("log", "is a function"),
        ("f'{mu}'", "f-string"),
        ("(m := 2)", ":="),
    ],
)
def test_dangerous_or_foreign_constructs_are_refused(attack, fragment):
    assert fragment in refused(attack)


def test_unknown_names_list_the_symbols_and_suggest():
    message = refused("sigam + mu")
    assert "unknown name 'sigam'; the symbols here are: mu, sigma" in message
    assert "did you mean 'sigma'" in message


def test_bare_e_is_not_eulers_number_unless_declared():
    assert "E or exp(1)" in refused("e**mu")
    e = sympy.Symbol("e", positive=True)
    assert parse("e*mu", {"e": e, "mu": MU}) == e * MU


@pytest.mark.parametrize("text", ["2sigma", "2 sigma", "sigma mu", "(mu)(sigma)", "2(mu+1)"])
def test_implicit_multiplication_says_use_star(text):
    assert "use * for multiplication, e.g. " in refused(text)


def test_calling_a_symbol_is_explained():
    assert "sigma is a symbol, not a function" in refused("sigma(mu)")


def test_power_towers_are_refused_without_computing_them():
    # The point is that this returns at all: 9**9**9**9 must never be computed.
    assert "too large" in refused("9**9**9**9")
    assert "too large" in refused("sigma**(10**6)")
    assert "digits" in refused("(10**12)**100")
    assert parse("2**10") == 1024


def test_huge_or_non_finite_numbers_are_refused():
    assert "too large" in refused("10000000000000*mu")
    assert "not finite" in refused("1e999")
    assert parse("1000000000000") == 10**12


def test_undefined_constants_are_refused():
    assert "division by zero" in refused("mu/0")
    assert "undefined" in refused("log(0)")


def test_size_and_nesting_caps():
    assert "too long" in refused("+".join(["mu"] * 10000))
    assert "too large" in refused("+".join(["mu"] * 300))  # under the length cap, over the node cap
    assert parse("+".join(["mu"] * (MAX_NODES // 4))) == (MAX_NODES // 4) * MU
    assert "nested too deeply" in refused("-" * 100 + "mu")
    assert "nested too deeply" in refused("sigma**" * 70 + "sigma")
    assert "empty" in refused("   ")


def test_syntax_errors_have_a_readable_message():
    assert "unbalanced parentheses" in refused("(mu + sigma")
    assert "could not read" in refused("mu +* sigma")


def test_no_eval_or_exec_runs_while_parsing(monkeypatch):
    def forbidden(*args, **kwargs):
        raise AssertionError("eval/exec called")

    monkeypatch.setattr(builtins, "eval", forbidden)
    monkeypatch.setattr(builtins, "exec", forbidden)
    assert parse("(sigma^2+mu^2-1)/2+log(1/sigma)") == (SIGMA**2 + MU**2 - 1) / 2 + sympy.log(
        1 / SIGMA
    )
    refused("__import__('os').system('x')")


def test_modules_never_call_string_evaluators():
    """The three reader/judge modules contain no call that could run text as code."""
    folder = Path(__file__).resolve().parents[2] / "autograder" / "checks"
    # Bare names: Python's evaluators and SymPy's string readers; our own parse_latex is fine.
    banned_names = {
        "eval",
        "exec",
        "compile",
        "sympify",
        "parse_expr",
        "S",
        "__import__",
        "lambdify",
    }
    banned_attributes = {"eval", "exec", "sympify", "parse_expr", "parse_latex", "S", "lambdify"}
    for name in ("expression.py", "latex.py", "symbolic.py"):
        tree = ast.parse((folder / name).read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
                assert node.func.id not in banned_names, f"{name} calls {node.func.id}"
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
                assert node.func.attr not in banned_attributes, f"{name} calls .{node.func.attr}"
            if isinstance(node, ast.ImportFrom):
                assert "parsing" not in (node.module or ""), f"{name} imports {node.module}"
