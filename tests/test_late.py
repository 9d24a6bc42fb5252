"""Deadlines, grace, extensions and the late penalty."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from autograder.grader import late_days, late_penalty
from autograder.models import LatePolicy
from autograder.spec import load_spec
from tests.conftest import FIXTURES

DEADLINE = datetime(2026, 12, 4, 23, 59, tzinfo=UTC)
SPEC = replace(
    load_spec(FIXTURES / "solutions" / "tiny"),
    deadline=DEADLINE,
    extensions={"s07": 2.0},
    late_policy=LatePolicy(grace_minutes=15, penalty_per_day=0.1, max_late_days=3),
)


def test_on_time_within_grace_and_undated_cost_nothing():
    assert late_days(SPEC, "s01", DEADLINE - timedelta(hours=1)) == 0
    assert late_days(SPEC, "s01", DEADLINE + timedelta(minutes=14)) == 0
    assert late_days(SPEC, "s01", None) == 0


def test_days_are_counted_whole_after_the_grace_period():
    assert late_days(SPEC, "s01", DEADLINE + timedelta(minutes=16)) == 1
    assert late_days(SPEC, "s01", DEADLINE + timedelta(days=1, hours=1)) == 2
    assert late_penalty(SPEC, 2) == 0.2


def test_extensions_move_the_deadline_and_max_days_zero_the_score():
    assert late_days(SPEC, "s07", DEADLINE + timedelta(days=1)) == 0
    assert late_penalty(SPEC, 4) == 1.0
