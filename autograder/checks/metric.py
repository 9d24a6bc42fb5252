"""The metric check kind: the student's training entry point runs in the sandbox, and a trusted
evaluation in checks.py scores what it returned against pass bands."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import field
from typing import Any

from autograder.checks.content import MetricInputError
from autograder.checks.kind import CheckKind, Plan, Site, Trusted, as_argument
from autograder.checks.tensor import call_problem
from autograder.errors import SpecError
from autograder.models import (
    AssignmentSpec,
    Call,
    CallResult,
    CheckOutcome,
    CheckSpec,
    QuestionStatus,
    frozen,
)
from autograder.schema import Reader, defaults, show

SCORING = ("fraction", "all")


@frozen
class Band:
    low: float | None = None
    high: float | None = None


@frozen
class MetricCheck(CheckSpec):
    kind = "metric"
    entry: str
    evaluate: str
    data: str | None = None
    kwargs: Mapping[str, Any] = field(default_factory=dict)
    bands: Mapping[str, Band] = field(default_factory=dict)
    seconds: float = 60.0
    scoring: str = "fraction"
    derivation: str = ""


def in_band(value: float, band: Band) -> bool:
    if not math.isfinite(value):
        return False
    return (band.low is None or value >= band.low) and (band.high is None or value <= band.high)


def show_band(band: Band) -> str:
    low = "-inf" if band.low is None else f"{band.low:g}"
    high = "+inf" if band.high is None else f"{band.high:g}"
    return f"[{low}, {high}]"


def judge_metric(
    check: MetricCheck, outputs: Any, evaluate: Callable[[Any, int], Mapping[str, Any]], seed: int
) -> CheckOutcome:
    """Score the outputs of the student's training; a crash of `evaluate` is the grader's fault."""
    try:
        metrics = dict(evaluate(outputs, seed))
    except MetricInputError as exc:
        return CheckOutcome(
            credit=0.0,
            status="failed",
            feedback=f"{check.entry}() returned data that cannot be evaluated: {exc}",
        )
    lines, met = [], 0
    values: dict[str, float] = {}
    for name, band in check.bands.items():
        if name not in metrics:
            raise SpecError(
                f"checks.py: {check.evaluate}() did not return the metric '{name}'",
                hint=f"return '{name}' from {check.evaluate}(), or remove its band",
            )
        value = float(metrics[name])
        values[name] = value
        ok = in_band(value, band)
        met += ok
        lines.append(f"{name} = {value:.6g} {'within' if ok else 'OUTSIDE'} {show_band(band)}")
    notes = [str(v) for k, v in metrics.items() if k not in check.bands and isinstance(v, str)]
    fraction = met / len(check.bands)
    credit = fraction if check.scoring == "fraction" else float(met == len(check.bands))
    status: QuestionStatus = "passed" if credit == 1 else "partial" if credit > 0 else "failed"
    head = f"{check.entry}(): {met}/{len(check.bands)} metrics within their bands"
    feedback = "; ".join([head, *lines, *notes])
    return CheckOutcome(
        credit=credit,
        status=status,
        feedback=feedback,
        evidence={"metrics": {k: v for k, v in values.items()}},
    )


# ------------------------------------------------------------------ the kind: schema, plan, judge, public


def parse(r: Reader) -> MetricCheck:
    d = defaults(MetricCheck)
    bands = {}
    for name, raw in r.get(
        "bands", dict, fix="give at least one band, e.g. gap: [0.57, 0.59]"
    ).items():
        if (
            not isinstance(raw, list)
            or len(raw) != 2
            or not all(b is None or isinstance(b, (int, float)) for b in raw)
        ):
            r.fail(
                r.key(f"bands.{name}"), f"must be [low, high] (null for unbounded), got {show(raw)}"
            )
        low, high = (None if b is None else float(b) for b in raw)
        if low is not None and high is not None and low > high:
            r.fail(r.key(f"bands.{name}"), f"has low > high: {raw}")
        bands[str(name)] = Band(low=low, high=high)
    if not bands:
        r.fail(r.key("bands"), "must name at least one metric")
    scoring = r.get("scoring", str, d["scoring"])
    if scoring not in SCORING:
        r.fail(r.key("scoring"), f"must be 'fraction' or 'all', got {scoring!r}")
    return MetricCheck(
        entry=r.name("entry"),
        evaluate=r.name("evaluate"),
        data=r.get("data", str, d["data"]),
        kwargs=r.get("kwargs", dict, d["kwargs"]),
        bands=bands,
        seconds=r.get("seconds", float, d["seconds"]),
        scoring=scoring,
        derivation=r.get("derivation", str, d["derivation"]),
        weight=r.get("weight", float, d["weight"]),
    )


@frozen
class Evaluation:
    """The trusted evaluation a plan's returned weights go through, and its seed."""

    evaluate: Callable[[Any, int], Mapping[str, Any]]
    seed: int


def plan(spec: AssignmentSpec, check: MetricCheck, trusted: Trusted, site: Site) -> Plan:
    """The training data and the evaluation both come from a hidden seed: `evaluate(outputs,
    seed)` scores on held-out data it draws from that seed, which no student can precompute."""
    evaluate = trusted.checks_function(check.evaluate, site.where)
    seed = trusted.hidden_seed(f"metric:{site.prefix}")
    kwargs = dict(check.kwargs)
    if check.data:
        data = trusted.checks_function(check.data, site.where)(seed)
        kwargs.update({k: as_argument(v) for k, v in dict(data).items()})
    call = Call(id=site.prefix, kind="call", name=check.entry, kwargs=kwargs, seconds=check.seconds)
    return Plan(
        question=site.question,
        kind=MetricCheck.kind,
        calls=(call,),
        weight=check.weight,
        expected=Evaluation(evaluate=evaluate, seed=seed),
        check=check,
    )


def judge(plan: Plan, returned: Mapping[str, CallResult]) -> CheckOutcome:
    check, evaluation = plan.check, plan.expected
    assert isinstance(check, MetricCheck) and isinstance(evaluation, Evaluation)
    call = plan.calls[0]
    problem = call_problem(returned.get(call.id), check.entry)
    if problem:
        return CheckOutcome(credit=0.0, status=problem[0], feedback=problem[1])
    return judge_metric(check, returned[call.id].value, evaluation.evaluate, evaluation.seed)


def to_public(plan: Plan) -> None:
    """Metric checks stay hidden: their evaluation and data are the grader's."""
    return None


def from_public(data: Mapping[str, Any], site: Site) -> Plan:
    raise SpecError(
        f"a public bundle cannot hold a metric check ({site.question})",
        hint="release the assignment again",
    )


KIND = CheckKind(
    name=MetricCheck.kind,
    spec=MetricCheck,
    keys=("entry", "evaluate", "data", "kwargs", "bands", "seconds", "scoring", "derivation"),
    parse=parse,
    plan=plan,
    judge=judge,
    to_public=to_public,
    from_public=from_public,
)
