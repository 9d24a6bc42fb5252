"""The LaTeX reader: notation it understands, the rules it documents, and what it refuses."""

from __future__ import annotations

import re

import pytest
import sympy

from autograder.checks.latex import looks_like_latex, parse_latex
from autograder.checks.symbolic import compare, make_symbols, parse_answer
from autograder.errors import AnswerParseError

S = make_symbols(
    {
        "mu": "real",
        "sigma": "positive",
        "m1": "real",
        "m2": "real",
        "s1": "positive",
        "s2": "positive",
        "mu1": "real",
        "mu2": "real",
        "s": "positive",
        "x": "real",
        "y": "positive",
    }
)
MU, SIGMA, X, Y = S["mu"], S["sigma"], S["x"], S["y"]
REFERENCE = (SIGMA**2 + MU**2 - 1 - sympy.log(SIGMA**2)) / 2


def tex(text: str, symbols=S) -> sympy.Expr:
    return parse_latex(text, symbols)


def refused(text: str, symbols=S) -> str:
    with pytest.raises(AnswerParseError) as info:
        parse_latex(text, symbols)
    return str(info.value)


def test_detection():
    assert looks_like_latex(r"\frac{1}{2}")
    assert looks_like_latex("$x^2$") and looks_like_latex("$$x$$")
    assert looks_like_latex(r"\(x\)")
    assert not looks_like_latex("sigma**2/2 - log(sigma)")


def test_kl_in_latex_is_equivalent_to_the_reference():
    answer = parse_answer(r"$\frac{1}{2}(\sigma^2+\mu^2-1-\log\sigma^2)$", S)
    assert answer == REFERENCE
    assert compare(answer, REFERENCE, S).verdict == "equivalent"


def test_wrappers_are_removed():
    for text in (r"$\sigma^2$", r"$$\sigma^2$$", r"\(\sigma^2\)", r"\[\sigma^2\]"):
        assert tex(text) == SIGMA**2
    assert "stray '$'" in refused(r"$\sigma$ + $\mu$")


def test_log_is_the_natural_log_and_log_b_is_base_b():
    assert tex(r"\log\sigma^2") == sympy.log(SIGMA**2)
    assert tex(r"\ln\sigma") == sympy.log(SIGMA)
    assert compare(tex(r"\log\sigma^2"), sympy.log(SIGMA**2), S).verdict == "equivalent"
    base10 = tex(r"\log_{10} \sigma")
    assert base10 == sympy.log(SIGMA) / sympy.log(10)
    assert compare(base10, sympy.log(SIGMA), S).verdict == "different"
    assert tex(r"\log_2 y") == sympy.log(Y) / sympy.log(2)
    assert "only \\log takes a base" in refused(r"\ln_2 y")


def test_greek_case_is_kept():
    message = refused(r"\Sigma + 1")
    assert "\\Sigma" in message and "mu, mu1" in message
    with_capital = make_symbols({"sigma": "positive", "Sigma": "positive"})
    assert tex(r"\Sigma - \sigma", with_capital) == with_capital["Sigma"] - with_capital["sigma"]


def test_subscripts_name_declared_symbols():
    assert tex("s_2") == S["s2"] and tex("s_{2}") == S["s2"]
    assert tex(r"\mu_1\mu_2") == S["mu1"] * S["mu2"]
    assert tex("m_{1} - m_2") == S["m1"] - S["m2"]
    assert "m_3" in refused("m_3")
    underscored = make_symbols({"x_0": "real"})
    assert tex("x_0 + x_{0}", underscored) == 2 * underscored["x_0"]


def test_plain_letters_greedy_declared_names_else_single_letters():
    assert tex("mu1 s2") == S["mu1"] * S["s2"]
    assert tex("x y") == X * Y and tex("xy") == X * Y
    assert tex("sigma") == SIGMA  # a declared multi-letter name written without a backslash
    assert "unknown name 'q'" in refused("q + x")


@pytest.mark.parametrize(
    "macro",
    [
        r"\input{/etc/passwd}",
        r"\def\x{1}",
        r"\newcommand{\x}{1}",
        r"\write18{ls}",
        r"\infty",
        r"\text{x}",
    ],
)
def test_unknown_macros_are_refused_by_name(macro):
    name = re.match(r"\\([A-Za-z]+)", macro).group(1)
    assert f"\\{name} is not supported" in refused(macro)


def test_e_is_exp_unless_declared():
    assert tex("e^{x}") == sympy.exp(X)
    assert tex(r"\mathrm{e}^{x}") == sympy.exp(X)
    assert tex(r"\exp(x) + \exp x") == 2 * sympy.exp(X)
    declared = make_symbols({"e": "positive", "x": "real"})
    assert tex("e^{x}", declared) == declared["e"] ** declared["x"]


def test_fractions_roots_and_absolute_values():
    assert tex(r"\frac{x}{y} + \dfrac{1}{2} + \tfrac12") == X / Y + 1
    assert tex(r"\sqrt{y}") == sympy.sqrt(Y)
    assert tex(r"\sqrt[3]{y}") == Y ** sympy.Rational(1, 3)
    assert tex("|x - 1|") == sympy.Abs(X - 1)
    assert tex(r"\left| x \right| |y|") == sympy.Abs(X) * Y
    assert tex(r"|x||x-1|") == sympy.Abs(X) * sympy.Abs(X - 1)


def test_delimiters_spacing_and_products():
    assert sympy.expand(tex(r"\left( x + 1 \right)\cdot 2 \times y") - 2 * Y * (X + 1)) == 0
    assert tex(r"\bigl[ x \bigr] \Bigl( y \Bigr) \{ 1 \}") == X * Y
    assert tex(r"2\,\sigma^2 \; + \! \quad 1") == 2 * SIGMA**2 + 1
    assert tex(r"2\sigma^2") == 2 * SIGMA**2
    assert tex(r"x/y\, s") == X / Y * S["s"]  # left to right: (x/y)*s


def test_scripts_follow_tex():
    assert tex("x^23") == 3 * X**2  # TeX: ^ takes one token
    assert tex("x^{23}") == X**23
    assert tex("x^{-1}") == 1 / X
    assert "double superscript" in refused("x^2^3")


def test_function_argument_rule_without_parentheses():
    s = S["s"]
    assert tex(r"\log 2\pi s^2") == sympy.log(2 * sympy.pi * s**2)
    assert tex(r"\log\sigma^2 + 1") == sympy.log(SIGMA**2) + 1
    assert tex(r"\log y \log s") == sympy.log(Y) * sympy.log(s)
    assert tex(r"\log y \cdot s") == sympy.log(Y) * s
    assert tex(r"\log \frac{y}{s}") == sympy.log(Y / s)
    assert tex(r"\log(2)\pi") == sympy.pi * sympy.log(2)
    assert tex(r"\log(y)^2") == sympy.log(Y) ** 2
    assert tex(r"\log^2 y") == sympy.log(Y) ** 2
    assert tex(r"\frac{1}{2}\log\sigma^2") == sympy.log(SIGMA**2) / 2
    assert "needs an argument" in refused(r"\log + 1")


def test_pairwise_kl_in_latex():
    answer = parse_answer(
        r"\ln\left(\frac{s_2}{s_1}\right)+\frac{s_1^2+(m_1-m_2)^2}{2 s_2^2}-\frac{1}{2}", S
    )
    expected = parse_answer("log(s2/s1)+(s1**2+(m1-m2)**2)/(2*s2**2)-1/2", S)
    assert compare(answer, expected, S).verdict == "equivalent"


def test_max_min():
    assert tex(r"\max(x, y) + \min(x, 1)") == sympy.Max(X, Y) + sympy.Min(X, 1)


def test_refusals_explain_the_fix():
    assert "without '='" in refused("KL = x")
    assert "unexpected character" in refused("x # y")
    assert "not closed" in refused(r"\left( x")
    assert "division by zero" in refused(r"\frac{1}{0}")
    assert "ends too early" in refused("x +")


def test_size_caps_apply_to_latex():
    assert "too long" in refused("+".join(["x"] * 1500))
    assert "too large" in refused("+".join(["x"] * 500))
    assert "nested too deeply" in refused("{" * 80 + "x" + "}" * 80)
    assert "nested too deeply" in refused("x^{" + "-" * 1500 + "x}")
    assert "too large" in refused("9^{9^{9^{9}}}")
