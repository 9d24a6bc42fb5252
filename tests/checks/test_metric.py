"""Metric pass bands: membership, open ends, non-finite values and how a band is shown."""

from __future__ import annotations

import math

import pytest

from autograder.checks.metric import Band, in_band, show_band


@pytest.mark.parametrize(
    ("value", "band", "inside"),
    [
        (0.5, Band(low=0.0, high=1.0), True),
        (0.0, Band(low=0.0, high=1.0), True),
        (1.0, Band(low=0.0, high=1.0), True),
        (-1e-9, Band(low=0.0, high=1.0), False),
        (1.0 + 1e-9, Band(low=0.0, high=1.0), False),
        (-1e6, Band(high=0.05), True),
        (0.06, Band(high=0.05), False),
        (1e6, Band(low=0.9), True),
        (0.89, Band(low=0.9), False),
        (123.0, Band(), True),
    ],
)
def test_bands_are_closed_and_a_missing_end_is_open(value, band, inside):
    assert in_band(value, band) is inside


@pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf])
@pytest.mark.parametrize("band", [Band(), Band(high=0.05), Band(low=0.9), Band(low=-1.0, high=1.0)])
def test_nan_and_infinity_are_never_in_a_band(value, band):
    assert in_band(value, band) is False


@pytest.mark.parametrize(
    ("band", "text"),
    [
        (Band(low=0.1, high=2.0), "[0.1, 2]"),
        (Band(high=0.05), "[-inf, 0.05]"),
        (Band(low=-3.0), "[-3, +inf]"),
        (Band(), "[-inf, +inf]"),
        (Band(low=1.5e-7, high=123456789.0), "[1.5e-07, 1.23457e+08]"),
    ],
)
def test_show_band_writes_open_ends_as_infinity(band, text):
    assert show_band(band) == text
