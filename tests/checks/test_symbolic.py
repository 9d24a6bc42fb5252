"""Equivalence (equivalent / different / undecided) and the verdict for a SymbolicCheck."""

from __future__ import annotations

import re
import signal
import threading
import time

import pytest
import sympy

from autograder.checks.equivalence import WIDE_EVERY, Comparison, sample_points
from autograder.checks.symbolic import (
    Mistake,
    PreparedSymbolic,
    SymbolicCheck,
    answer_text,
    compare,
    judge_symbolic,
    make_symbols,
    parse_answer,
    prepare_symbolic,
)
from autograder.errors import AnswerParseError, SpecError
from autograder.models import OpaqueValue

A2_SYMBOLS = {"mu": "real", "sigma": "positive"}
A2_1 = "(sigma**2+mu**2-1-log(sigma**2))/2"
# CONTENT.md A2.1: catalogued wrong answers, in catalogue order.
A2_1_WRONG = (
    ("sigma**2+mu**2-1-log(sigma**2)", "the overall factor 1/2 is missing"),
    ("(sigma**2+mu**2-1-log(sigma))/2", "log σ² = 2 log σ"),
    ("(sigma**2+mu**2-1+log(sigma**2))/2", "the log term has the wrong sign"),
    ("(sigma**2+mu**2-log(sigma**2))/2", "your KL is ½ at μ=0, σ=1"),
    ("(sigma+mu**2-1-log(sigma))/2", "σ is used where σ² belongs"),
    ("(1/sigma**2+mu**2/sigma**2-1+log(sigma**2))/2", "that is the reverse KL"),
)
A2_1_RIGHT = (
    "sigma**2/2+mu**2/2-1/2-log(sigma)",
    "(sigma^2+mu^2-1)/2+log(1/sigma)",
    "-(log(sigma**2)-sigma**2-mu**2+1)/2",
)
KL_CHECK = SymbolicCheck(
    answer="KL_STD_NORMAL",
    expected=A2_1,
    symbols=A2_SYMBOLS,
    mistakes=tuple(Mistake(expr=e, feedback=f) for e, f in A2_1_WRONG),
)
S = make_symbols(
    {
        **A2_SYMBOLS,
        "m1": "real",
        "m2": "real",
        "s1": "positive",
        "s2": "positive",
        "l1": "real",
        "l2": "real",
        "a": "real",
        "b": "real",
        "n": "integer",
    }
)


def p(text: str) -> sympy.Expr:
    return parse_answer(text, S)


def test_make_symbols_assumptions():
    made = make_symbols({"mu": "real", "sigma": "positive", "v": "nonnegative", "k": "integer"})
    assert made["mu"].is_real and made["mu"].is_positive is None
    assert made["sigma"].is_positive and made["v"].is_nonnegative and made["k"].is_integer
    with pytest.raises(SpecError, match="assumption 'complex'"):
        make_symbols({"z": "complex"})
    with pytest.raises(SpecError, match="not allowed"):
        make_symbols({"log": "real"})


def test_answer_text():
    assert answer_text("mu + 1") == "mu + 1"
    with pytest.raises(
        AnswerParseError, match="^KL_STD_NORMAL must be a string or a SymPy expression, got int$"
    ):
        answer_text(3, "KL_STD_NORMAL")
    with pytest.raises(AnswerParseError, match="got function"):
        answer_text(OpaqueValue(type_name="function"), "KL_STD_NORMAL")
    with pytest.raises(AnswerParseError, match="is not defined"):
        answer_text(None, "KL_STD_NORMAL")


@pytest.mark.parametrize("alternative", A2_1_RIGHT)
def test_a2_1_alternatives_are_equivalent(alternative):
    result = compare(p(alternative), p(A2_1), S)
    assert result == Comparison(
        verdict="equivalent", detail="proven symbolically", points_checked=30
    )


@pytest.mark.parametrize("wrong", [w for w, _ in A2_1_WRONG])
def test_a2_1_wrong_answers_are_different(wrong):
    result = compare(p(wrong), p(A2_1), S)
    assert result.verdict == "different"
    assert re.match(r"at mu=-?[\d.]+, sigma=[\d.]+ your expression gives ", result.detail)


def test_a2_3_pairwise_kl():
    expected = p("log(s2/s1)+(s1**2+(m1-m2)**2)/(2*s2**2)-1/2")
    assert (
        compare(p("(s1**2+(m1-m2)**2)/(2*s2**2)-1/2-log(s1/s2)"), expected, S).verdict
        == "equivalent"
    )
    for wrong in (
        "log(s1/s2)+(s1**2+(m1-m2)**2)/(2*s2**2)-1/2",  # log ratio inverted
        "log(s2/s1)+(s1**2+(m1-m2)**2)/(2*s1**2)-1/2",  # divides by s1**2
        "log(s2/s1)+(s1**2+(m1-m2)**2)/(2*s2**2)",  # -1/2 missing
        "log(s2/s1)+(s1**2+(m1-m2))/(2*s2**2)-1/2",  # mean difference not squared
        "(s1**2+(m1-m2)**2)/(2*s2**2)-1/2",
    ):  # log term missing
        assert compare(p(wrong), expected, S).verdict == "different", wrong


def test_a5_3_iwae_k2():
    expected = p("log((exp(l1)+exp(l2))/2)")
    assert compare(p("l1+log(1+exp(l2-l1))-log(2)"), expected, S).verdict == "equivalent"
    for wrong in ("(l1+l2)/2", "log(exp(l1)+exp(l2))", "log((l1+l2)/2)", "Max(l1,l2)"):
        assert compare(p(wrong), expected, S).verdict == "different", wrong


def test_three_way_verdicts():
    max_ab = p("Max(a, b)")
    assert compare(max_ab, max_ab + 0 * S["a"], S).verdict == "equivalent"
    assert compare(max_ab, p("(a+b)/2"), S).verdict == "different"
    # A true identity SymPy cannot prove: numerically equal, not proven.
    hard = compare(max_ab, p("(a+b+Abs(a-b))/2"), S)
    assert hard.verdict == "undecided" and hard.points_checked == 30
    assert "not proven" in hard.detail
    # With no time for a proof, even an easy identity stays undecided.
    assert compare(p(A2_1_RIGHT[0]), p(A2_1), S, proof_seconds=0).verdict == "undecided"


def test_too_few_defined_points_is_undecided_unless_proven():
    # sqrt(mu - 2.5) is real only for mu in (2.5, 3): a few of the 30 points.
    answer, expected = p("sqrt(mu - 5/2)"), p("sqrt(2*mu - 5)/sqrt(2)")
    numeric_only = compare(answer, expected, S, proof_seconds=0)
    assert numeric_only.verdict == "undecided" and "test points" in numeric_only.detail
    assert numeric_only.points_checked < 10
    assert compare(answer, expected, S).verdict == "equivalent"  # a proof needs no points


def test_undefined_where_the_reference_is_defined_is_different():
    result = compare(p("log(-sigma)"), p("log(sigma)"), S)
    assert result.verdict == "different" and "undefined or not a real number" in result.detail


def test_points_are_seeded_and_respect_the_domain():
    answer, expected = p("mu + sigma"), p("mu - sigma")
    one = compare(answer, expected, S, seed=3)
    assert one == compare(answer, expected, S, seed=3)
    assert one.detail != compare(answer, expected, S, seed=4).detail
    narrow = compare(answer, expected, S, {"sigma": (5.0, 6.0)})
    sigma = float(re.search(r"sigma=([\d.]+)", narrow.detail).group(1))
    assert 5.0 <= sigma <= 6.0
    integer = compare(p("n"), p("n + 1"), S)
    assert re.search(r"n=[1-6] ", integer.detail)


def test_part_of_the_points_come_from_the_whole_domain():
    points = sample_points(make_symbols({"mu": "real", "sigma": "positive"}), seed=2)
    mus = [float(p["mu"]) for p in points]
    sigmas = [float(p["sigma"]) for p in points]
    usual = [j for j in range(len(points)) if j % WIDE_EVERY != WIDE_EVERY - 1]
    assert all(-3 <= mus[j] <= 3 and 0.2 <= sigmas[j] <= 3 for j in usual)
    assert all(s > 0 for s in sigmas) and min(sigmas) < 0.2 and max(sigmas) > 3
    assert min(mus) < -3 and max(mus) > 3 and max(map(abs, mus)) <= 1000
    # A declared domain is the whole domain of its symbol.
    narrow = sample_points(make_symbols({"sigma": "positive"}), {"sigma": (5.0, 6.0)}, seed=5)
    assert all(5.0 <= float(p["sigma"]) <= 6.0 for p in narrow)


def test_an_answer_right_only_in_the_usual_range_is_caught():
    # Equal to the reference wherever |mu| <= 3, and not beyond.
    answer = p("(sigma**2+mu**2-1-log(sigma**2))/2 + Max(0, Abs(mu) - 3)")
    assert compare(answer, p(A2_1), S).verdict == "different"


def test_compare_off_the_main_thread_uses_only_cheap_steps():
    results = {}

    def work():
        results["easy"] = compare(p(A2_1_RIGHT[1]), p(A2_1), S).verdict
        results["hard"] = compare(p("Max(a, b)"), p("(a+b+Abs(a-b))/2"), S).verdict

    thread = threading.Thread(target=work)
    thread.start()
    thread.join(30)
    assert results == {"easy": "equivalent", "hard": "undecided"}


def test_proof_budget_is_bounded_and_restores_the_alarm():
    def handler(signum, frame):
        raise AssertionError("the previous SIGALRM handler must not fire during the test")

    previous = signal.signal(signal.SIGALRM, handler)
    try:
        signal.setitimer(signal.ITIMER_REAL, 100)
        start = time.monotonic()
        result = compare(p("Max(a, b)"), p("(a+b+Abs(a-b))/2"), S, time_limit=0.5)
        assert time.monotonic() - start < 3
        assert result.verdict == "undecided"
        assert signal.getsignal(signal.SIGALRM) is handler
        remaining, _ = signal.getitimer(signal.ITIMER_REAL)
        assert 90 < remaining <= 100  # the caller's own timer is given back
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def test_pathological_answers_finish():
    expected = p("sigma")
    assert compare(p("sigma**sigma**sigma**sigma**sigma"), expected, S).verdict == "different"
    assert (
        compare(p("(mu+sigma+1)**1000 - (1+sigma+mu)**1000 + sigma"), expected, S).verdict
        == "equivalent"
    )
    start = time.monotonic()
    compare(p("(mu+sigma+1)**999*(mu+sigma+2)"), p("(mu+sigma+1)**1000+(mu+sigma+1)**999"), S)
    assert time.monotonic() - start < 5


# ------------------------------------------------------------------ judge_symbolic


def test_judge_correct_answers():
    for text in (*A2_1_RIGHT, r"$\frac{1}{2}(\sigma^2+\mu^2-1-\log\sigma^2)$"):
        outcome = judge_symbolic(KL_CHECK, text)
        assert (outcome.credit, outcome.status) == (1.0, "passed"), text
        assert outcome.evidence["verdict"] == "equivalent"
        assert outcome.evidence["matched_mistake"] is None


@pytest.mark.parametrize("index", range(len(A2_1_WRONG)))
def test_judge_matches_each_catalogued_mistake(index):
    wrong, feedback = A2_1_WRONG[index]
    outcome = judge_symbolic(KL_CHECK, wrong)
    assert (outcome.credit, outcome.status) == (0.0, "failed")
    assert outcome.evidence["matched_mistake"] == index
    assert feedback in outcome.feedback


def test_judge_mistake_with_partial_credit_and_a_rewritten_mistake():
    check = SymbolicCheck(
        answer="KL",
        expected=A2_1,
        symbols=A2_SYMBOLS,
        mistakes=(Mistake(expr=A2_1_WRONG[1][0], feedback="log σ² = 2 log σ", credit=0.5),),
    )
    # Written differently from the catalogue entry, still the same mistake numerically.
    outcome = judge_symbolic(check, "sigma**2/2 + mu**2/2 - 1/2 - log(sigma)/2")
    assert (outcome.credit, outcome.status, outcome.evidence["matched_mistake"]) == (
        0.5,
        "partial",
        0,
    )


def test_judge_unknown_wrong_answer_shows_a_point_not_the_reference():
    outcome = judge_symbolic(KL_CHECK, "mu**2 + sigma")
    assert (outcome.credit, outcome.status, outcome.evidence["matched_mistake"]) == (
        0.0,
        "failed",
        None,
    )
    assert re.search(
        r"at mu=-?[\d.]+, sigma=[\d.]+ your expression gives -?[\d.]+, which is not the expected",
        outcome.feedback,
    )
    for leak in ("log(sigma**2)", "sigma**2", "1/2"):
        assert leak not in outcome.feedback
    assert outcome.evidence["parsed"] == "mu**2 + sigma"


def test_judge_undecided_uses_the_configured_credit():
    check = SymbolicCheck(
        answer="M",
        expected="(a+b+Abs(a-b))/2",
        symbols={"a": "real", "b": "real"},
        undecided_credit=0.5,
    )
    outcome = judge_symbolic(check, "Max(a, b)")
    assert (outcome.credit, outcome.status) == (0.5, "partial")
    assert (
        "numerically equal to the reference at 30 points but not proven symbolically"
        in outcome.feedback
    )
    full = SymbolicCheck(
        answer="M", expected="(a+b+Abs(a-b))/2", symbols={"a": "real", "b": "real"}
    )
    assert (judge_symbolic(full, "Max(a, b)").status) == "passed"


def test_judge_unreadable_missing_and_wrong_type():
    outcome = judge_symbolic(KL_CHECK, "2sigma")
    assert (outcome.credit, outcome.status) == (0.0, "failed")
    assert outcome.feedback.startswith("Could not read KL_STD_NORMAL: use * for multiplication")
    missing = judge_symbolic(KL_CHECK, None)
    assert missing.feedback == (
        'KL_STD_NORMAL is not defined (or is None): assign your answer as a string, e.g. KL_STD_NORMAL = "..."'
    )
    assert missing.status == "failed"
    assert judge_symbolic(KL_CHECK, OpaqueValue(type_name="missing")).feedback == missing.feedback
    wrong_type = judge_symbolic(KL_CHECK, 3)
    assert wrong_type.feedback == "KL_STD_NORMAL must be a string or a SymPy expression, got int"
    assert (wrong_type.credit, wrong_type.status) == (0.0, "failed")
    attack = judge_symbolic(KL_CHECK, "__import__('os').system('touch /tmp/pwned')")
    assert attack.status == "failed" and "not allowed" in attack.feedback


def test_prepare_parses_once_and_reports_spec_errors():
    prepared = prepare_symbolic(KL_CHECK)
    assert isinstance(prepared, PreparedSymbolic)
    assert prepare_symbolic(KL_CHECK) is prepared
    assert (
        prepared.expected == (S["sigma"] ** 2 + S["mu"] ** 2 - 1 - sympy.log(S["sigma"] ** 2)) / 2
    )
    assert judge_symbolic(prepared, A2_1_RIGHT[0]).credit == 1.0
    with pytest.raises(SpecError, match=r"expected expression 'sigam\*\*2'"):
        prepare_symbolic(SymbolicCheck(answer="X", expected="sigam**2", symbols=A2_SYMBOLS))
    with pytest.raises(SpecError, match=r"mistake 0 '2 sigma'"):
        prepare_symbolic(
            SymbolicCheck(
                answer="X",
                expected=A2_1,
                symbols=A2_SYMBOLS,
                mistakes=(Mistake(expr="2 sigma", feedback="f"),),
            )
        )
    with pytest.raises(SpecError, match="numerically equal"):
        prepare_symbolic(
            SymbolicCheck(
                answer="X",
                expected=A2_1,
                symbols=A2_SYMBOLS,
                mistakes=(Mistake(expr=A2_1_RIGHT[0], feedback="f"),),
            )
        )
    with pytest.raises(SpecError, match="undefined at most test points"):
        prepare_symbolic(SymbolicCheck(answer="X", expected="log(-sigma)", symbols=A2_SYMBOLS))


def test_judge_a5_3_mistakes_match_in_catalogue_order():
    wrong = ("(l1+l2)/2", "log(exp(l1)+exp(l2))", "log((l1+l2)/2)", "Max(l1,l2)")
    check = SymbolicCheck(
        answer="IWAE_K2",
        expected="log((exp(l1)+exp(l2))/2)",
        symbols={"l1": "real", "l2": "real"},
        mistakes=tuple(Mistake(expr=w, feedback=f"mistake {i}") for i, w in enumerate(wrong)),
    )
    for index, text in enumerate(wrong):
        assert judge_symbolic(check, text).evidence["matched_mistake"] == index
    assert judge_symbolic(check, "0.5*(l2 + l1)").feedback == "IWAE_K2 is not correct: mistake 0"
    assert judge_symbolic(check, r"\log\frac{e^{l_1}+e^{l_2}}{2}").status == "passed"
    assert judge_symbolic(check, "l1+log(1+exp(l2-l1))-log(2)").status == "passed"
