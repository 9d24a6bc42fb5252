"""Verdicts on trained models: trusted evaluation of returned weights against pass bands."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any

from autograder.checks.content import MetricInputError
from autograder.models import Band, CheckOutcome, MetricCheck


def in_band(value: float, band: Band) -> bool:
    if not math.isfinite(value):
        return False
    return (band.low is None or value >= band.low) and (band.high is None or value <= band.high)


def show_band(band: Band) -> str:
    low = "-inf" if band.low is None else f"{band.low:g}"
    high = "+inf" if band.high is None else f"{band.high:g}"
    return f"[{low}, {high}]"


def judge_metric(check: MetricCheck, outputs: Any, evaluate: Callable[[Any, int], Mapping[str, Any]],
                 seed: int) -> CheckOutcome:
    """Score the outputs of the student's training; a crash of `evaluate` is the grader's fault."""
    try:
        metrics = dict(evaluate(outputs, seed))
    except MetricInputError as exc:
        return CheckOutcome(credit=0.0, status="failed",
                            feedback=f"{check.entry}() returned data that cannot be evaluated: {exc}")
    lines, met = [], 0
    values: dict[str, float] = {}
    for name, band in check.bands.items():
        if name not in metrics:
            raise KeyError(f"{check.evaluate} did not return the metric '{name}'")
        value = float(metrics[name])
        values[name] = value
        ok = in_band(value, band)
        met += ok
        lines.append(f"{name} = {value:.6g} {'within' if ok else 'OUTSIDE'} {show_band(band)}")
    notes = [str(v) for k, v in metrics.items() if k not in check.bands and isinstance(v, str)]
    fraction = met / len(check.bands)
    credit = fraction if check.scoring == "fraction" else float(met == len(check.bands))
    status = "passed" if credit == 1 else "partial" if credit > 0 else "failed"
    head = f"{check.entry}(): {met}/{len(check.bands)} metrics within their bands"
    feedback = "; ".join([head, *lines, *notes])
    return CheckOutcome(credit=credit, status=status, feedback=feedback,
                        evidence={"metrics": {k: v for k, v in values.items()}})
