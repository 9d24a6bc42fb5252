"""Multiple-choice answers: how a student's text is normalised to an option."""

from __future__ import annotations

import pytest

from autograder.checks.choice import normalise_choice


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
