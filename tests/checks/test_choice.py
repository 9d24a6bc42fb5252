"""Multiple-choice answers: how a student's text is normalised to an option, and its verdict."""

from __future__ import annotations

import time

import pytest

from autograder.checks.choice import MAX_ANSWER_CHARS, ChoiceCheck, judge_choice, normalise_choice


@pytest.mark.parametrize(
    ("text", "option"),
    [
        ("b", "b"),
        ("B", "b"),
        ("(B)", "b"),
        ("b)", "b"),
        (" b. ", "b"),
        ("[c]", "c"),
        ("( a )", "a"),
        ("(a", "a"),
        ("c.)", "c"),
        ("\tD\n", "d"),
        ("(ii)", "ii"),
    ],
)
def test_brackets_dots_case_and_spaces_are_dropped(text, option):
    assert normalise_choice(text) == option


@pytest.mark.parametrize("text", ["a or b", "b because", "not sure"])
def test_the_inside_of_an_answer_is_kept(text):
    assert normalise_choice(text) == text


def test_an_empty_answer_stays_empty():
    assert normalise_choice("  ( ) ") == ""


CHECK = ChoiceCheck(answer="Q1", options=("a", "b", "c"), correct=("b",))


def test_a_right_answer_passes_and_a_wrong_one_fails():
    assert judge_choice(CHECK, " (B) ").status == "passed"
    assert judge_choice(CHECK, "a").status == "failed"


def test_a_huge_answer_is_not_an_option_and_costs_no_time():
    """The normalising regexes backtrack quadratically on a long run of spaces (22k characters
    took 17 s), so an answer longer than any option is refused before they see it."""
    answer = "a" + " " * 22_000 + "x"
    start = time.perf_counter()
    outcome = judge_choice(CHECK, answer)
    assert time.perf_counter() - start < 0.5
    assert outcome.status == "failed" and outcome.credit == 0
    assert "is not one of the options a, b, c" in outcome.feedback
    assert f"({len(answer)} characters)" in outcome.feedback and len(outcome.feedback) < 200
    assert judge_choice(CHECK, " " * (MAX_ANSWER_CHARS - 2) + "b").status == "passed"
