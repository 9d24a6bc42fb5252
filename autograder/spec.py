"""Load and validate assignment.yaml into frozen dataclasses; every error names file, key and fix."""

from __future__ import annotations

import difflib
import hashlib
import re
from collections.abc import Callable, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

import yaml

from autograder.errors import SpecError, UsageError
from autograder.models import (
    ArraySpec,
    AssignmentSpec,
    Band,
    Case,
    ChoiceCheck,
    CustomCheck,
    LatePolicy,
    Limits,
    MetricCheck,
    Mistake,
    Question,
    SymbolicCheck,
    TensorCheck,
)

ID_PATTERN = re.compile(r"^[a-z][a-z0-9_]*$")
NAME_PATTERN = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
ASSUMPTIONS = ("real", "positive", "nonnegative", "integer")
DISTS = ("normal", "uniform", "zeros", "ones", "full", "value")
DTYPES = ("float64", "float32", "int64")
PROPERTIES = ("finite", "nonnegative", "zero")


class _Reader:
    """Typed access to one mapping of the YAML, with the path of each key for messages."""

    def __init__(self, file: Path, data: Any, where: str) -> None:
        self.file, self.where = file, where
        if not isinstance(data, Mapping):
            self.fail(where or "the file", f"must be a mapping, got {_show(data)}")
        self.data = data

    def fail(self, key: str, problem: str) -> None:
        raise SpecError(f"{self.file}: {key} {problem}")

    def key(self, name: str) -> str:
        return f"{self.where}.{name}" if self.where else name

    def check_keys(self, allowed: tuple[str, ...]) -> None:
        for name in self.data:
            if name not in allowed:
                close = difflib.get_close_matches(str(name), allowed, n=1)
                hint = f"; did you mean '{close[0]}'?" if close else f"; allowed keys: {', '.join(allowed)}"
                self.fail(self.key(str(name)), f"is not a known key{hint}")

    def get(self, name: str, kind: type | tuple[type, ...], default: Any = ..., fix: str = "") -> Any:
        if name not in self.data:
            if default is ...:
                self.fail(self.key(name), f"is required{(': ' + fix) if fix else ''}")
            return default
        value = self.data[name]
        kinds = kind if isinstance(kind, tuple) else (kind,)
        if float in kinds and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        if not isinstance(value, kinds) or (isinstance(value, bool) and bool not in kinds):
            names = " or ".join(_type_word(k) for k in kinds)
            self.fail(self.key(name), f"must be {names}, got {_show(value)}")
        return value

    def sub(self, name: str, value: Any) -> _Reader:
        return _Reader(self.file, value, self.key(name))


def _type_word(kind: type) -> str:
    return {float: "a number", int: "an integer", str: "a string", bool: "true or false",
            list: "a list", dict: "a mapping", type(None): "null"}.get(kind, kind.__name__)


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) < 60 else text[:57] + "..."


def find_assignment(name: str, solutions: Path = Path("solutions")) -> Path:
    folder = solutions / name
    if not (folder / "assignment.yaml").is_file():
        known = sorted(p.name for p in solutions.glob("*") if (p / "assignment.yaml").is_file())
        raise UsageError(
            f"no assignment '{name}': {folder / 'assignment.yaml'} does not exist",
            hint=f"known assignments: {', '.join(known) or 'none'} (run from the course folder)",
        )
    return folder


def load_spec(folder: Path) -> AssignmentSpec:
    """Read solutions/HW/assignment.yaml and check everything a grader will rely on."""
    file = folder / "assignment.yaml"
    try:
        text = file.read_text()
        data = yaml.safe_load(text)
    except OSError as exc:
        raise SpecError(f"{file}: cannot be read ({exc.strerror})") from None
    except yaml.YAMLError as exc:
        raise SpecError(f"{file}: is not valid YAML: {exc}") from None
    top = _Reader(file, data, "")
    top.check_keys(("title", "student_file", "deadline", "late_policy", "extensions", "limits",
                    "seeds", "questions"))
    name = folder.name
    student_file = top.get("student_file", str, f"{name}.py")
    if Path(student_file).stem != name or not student_file.endswith(".py"):
        top.fail("student_file", f"must be '{name}.py' (the folder's name), got {student_file!r}")
    questions_raw = top.get("questions", list, fix="list the questions, each with id, points and checks")
    if not questions_raw:
        top.fail("questions", "must list at least one question")
    questions = tuple(_question(top.sub(f"questions[{i}]", q)) for i, q in enumerate(questions_raw))
    ids = [q.id for q in questions]
    for qid in ids:
        if ids.count(qid) > 1:
            top.fail("questions", f"has the id '{qid}' twice: ids must be unique")
    _check_answer_names(top, questions)
    seeds = top.get("seeds", list, [0])
    if not seeds or not all(isinstance(s, int) and not isinstance(s, bool) for s in seeds):
        top.fail("seeds", f"must be a non-empty list of integers, got {_show(seeds)}")
    digest = hashlib.sha256(text.encode())
    for extra in sorted(folder.glob("*.py")):
        digest.update(extra.name.encode() + extra.read_bytes())
    return AssignmentSpec(
        name=name,
        title=top.get("title", str, name),
        student_file=student_file,
        root=folder.resolve(),
        questions=questions,
        limits=_limits(top),
        late_policy=_late_policy(top),
        deadline=_deadline(top),
        extensions=_extensions(top),
        seeds=tuple(seeds),
        spec_hash=digest.hexdigest(),
    )


def _check_answer_names(top: _Reader, questions: tuple[Question, ...]) -> None:
    seen: dict[str, str] = {}
    for q in questions:
        for check in q.checks:
            name = getattr(check, "answer", None)
            if name is None:
                continue
            if name in seen and seen[name] != q.id:
                top.fail("questions", f"use the answer name {name} in both '{seen[name]}' and '{q.id}'")
            seen[name] = q.id


def _limits(top: _Reader) -> Limits:
    if "limits" not in top.data:
        return Limits()
    r = top.sub("limits", top.data["limits"])
    allowed = ("wall_seconds", "cpu_seconds", "memory_mb", "call_seconds")
    r.check_keys(allowed)
    values = {k: r.get(k, float) for k in allowed if k in r.data}
    for k, v in values.items():
        if v <= 0:
            r.fail(r.key(k), f"must be positive, got {v}")
    if "memory_mb" in values:
        values["memory_mb"] = int(values["memory_mb"])
        if values["memory_mb"] < 1024:
            r.fail(r.key("memory_mb"), "must be at least 1024: torch alone needs about 650 MB")
    return Limits(**values)


def _late_policy(top: _Reader) -> LatePolicy:
    if "late_policy" not in top.data:
        return LatePolicy()
    r = top.sub("late_policy", top.data["late_policy"])
    r.check_keys(("grace_minutes", "penalty_per_day", "max_late_days"))
    policy = LatePolicy(grace_minutes=r.get("grace_minutes", float, 0.0),
                        penalty_per_day=r.get("penalty_per_day", float, 0.0),
                        max_late_days=r.get("max_late_days", float, 0.0))
    if not 0 <= policy.penalty_per_day <= 1:
        r.fail(r.key("penalty_per_day"), "must be a fraction between 0 and 1")
    return policy


def _deadline(top: _Reader) -> datetime | None:
    value = top.data.get("deadline")
    if value is None:
        return None
    if isinstance(value, datetime):
        deadline = value
    else:
        try:
            deadline = datetime.fromisoformat(str(value))
        except ValueError:
            top.fail("deadline", f"must be an ISO 8601 time such as 2026-12-04T23:59:00+00:00, got {_show(value)}")
    if deadline.tzinfo is None:
        top.fail("deadline", "needs a time zone, e.g. 2026-12-04T23:59:00+00:00")
    return deadline


def _extensions(top: _Reader) -> dict[str, float]:
    raw = top.get("extensions", dict, {})
    out = {}
    for student, days in raw.items():
        if not isinstance(days, (int, float)) or isinstance(days, bool) or days < 0:
            top.fail(f"extensions.{student}", f"must be a number of days, got {_show(days)}")
        out[str(student)] = float(days)
    return out


def _question(r: _Reader) -> Question:
    r.check_keys(("id", "title", "prompt", "points", "visibility", "checks"))
    qid = r.get("id", str)
    if not ID_PATTERN.match(qid):
        r.fail(r.key("id"), f"must be lower-case letters, digits and _, got {qid!r}")
    points = r.get("points", float, fix="give the question's points, e.g. points: 2")
    if points < 0:
        r.fail(r.key("points"), f"must not be negative, got {points}")
    visibility = r.get("visibility", str, "hidden")
    if visibility not in ("public", "hidden"):
        r.fail(r.key("visibility"), f"must be 'public' or 'hidden', got {visibility!r}")
    checks_raw = r.get("checks", list, fix="add at least one check (symbolic, tensor, metric, choice or custom)")
    if not checks_raw:
        r.fail(r.key("checks"), "must list at least one check")
    checks = tuple(_check(r.sub(f"checks[{i}]", c)) for i, c in enumerate(checks_raw))
    return Question(id=qid, points=points, visibility=visibility, checks=checks,
                    title=r.get("title", str, ""), prompt=r.get("prompt", str, ""))


def _check(r: _Reader) -> Any:
    kind = r.get("kind", str, fix="one of symbolic, tensor, metric, choice, custom")
    builders: dict[str, Callable[[_Reader], Any]] = {
        "symbolic": _symbolic, "tensor": _tensor, "metric": _metric, "choice": _choice, "custom": _custom,
    }
    if kind not in builders:
        r.fail(r.key("kind"), f"must be one of {', '.join(builders)}, got {kind!r}")
    check = builders[kind](r)
    if check.weight <= 0:
        r.fail(r.key("weight"), "must be positive")
    return check


def _answer_name(r: _Reader, key: str) -> str:
    name = r.get(key, str)
    if not NAME_PATTERN.match(name):
        r.fail(r.key(key), f"must be a Python name, got {name!r}")
    return name


def _symbolic(r: _Reader) -> SymbolicCheck:
    r.check_keys(("kind", "answer", "expected", "symbols", "domain", "mistakes", "undecided_credit", "weight"))
    symbols = r.get("symbols", dict, fix="declare each symbol with an assumption, e.g. {mu: real, sigma: positive}")
    for sym, assumption in symbols.items():
        if not NAME_PATTERN.match(str(sym)) or assumption not in ASSUMPTIONS:
            r.fail(r.key(f"symbols.{sym}"), f"must be one of {', '.join(ASSUMPTIONS)}, got {_show(assumption)}")
    domain = {}
    for sym, bounds in r.get("domain", dict, {}).items():
        if sym not in symbols:
            r.fail(r.key(f"domain.{sym}"), "names a symbol that is not declared in symbols")
        if (not isinstance(bounds, list) or len(bounds) != 2
                or not all(isinstance(b, (int, float)) for b in bounds) or bounds[0] >= bounds[1]):
            r.fail(r.key(f"domain.{sym}"), f"must be [low, high] with low < high, got {_show(bounds)}")
        domain[str(sym)] = (float(bounds[0]), float(bounds[1]))
    mistakes = []
    for i, raw in enumerate(r.get("mistakes", list, [])):
        m = r.sub(f"mistakes[{i}]", raw)
        m.check_keys(("expr", "feedback", "credit"))
        credit = m.get("credit", float, 0.0)
        if not 0 <= credit < 1:
            m.fail(m.key("credit"), f"must be in [0, 1) (a mistake cannot earn full credit), got {credit}")
        mistakes.append(Mistake(expr=str(m.get("expr", (str, int, float))), feedback=m.get("feedback", str),
                                credit=credit))
    credit = r.get("undecided_credit", float, 1.0)
    if not 0 <= credit <= 1:
        r.fail(r.key("undecided_credit"), f"must be in [0, 1], got {credit}")
    return SymbolicCheck(answer=_answer_name(r, "answer"), expected=str(r.get("expected", (str, int, float))),
                         symbols={str(k): v for k, v in symbols.items()}, domain=domain,
                         mistakes=tuple(mistakes), undecided_credit=credit, weight=r.get("weight", float, 1.0))


def _array_spec(r: _Reader) -> ArraySpec:
    r.check_keys(("shape", "dist", "dtype", "scale", "low", "high", "fill", "value"))
    shape = r.get("shape", list, [])
    if not all(isinstance(n, int) and n >= 0 for n in shape):
        r.fail(r.key("shape"), f"must be a list of non-negative integers, got {_show(shape)}")
    dist = r.get("dist", str, "normal")
    if dist not in DISTS:
        r.fail(r.key("dist"), f"must be one of {', '.join(DISTS)}, got {dist!r}")
    dtype = r.get("dtype", str, "float64")
    if dtype not in DTYPES:
        r.fail(r.key("dtype"), f"must be one of {', '.join(DTYPES)}, got {dtype!r}")
    if dist == "value" and "value" not in r.data:
        r.fail(r.key("value"), "is required when dist is 'value'")
    return ArraySpec(shape=tuple(shape), dist=dist, dtype=dtype, scale=r.get("scale", float, 1.0),
                     low=r.get("low", float, 0.0), high=r.get("high", float, 1.0),
                     fill=r.get("fill", float, 0.0), value=r.data.get("value"))


def _tensor(r: _Reader) -> TensorCheck:
    r.check_keys(("kind", "function", "cases", "generator", "rtol", "atol", "rtol32", "atol32",
                  "gradcheck", "weight"))
    cases = []
    for i, raw in enumerate(r.get("cases", list, [])):
        c = r.sub(f"cases[{i}]", raw)
        c.check_keys(("label", "args", "kwargs", "properties"))
        props = tuple(c.get("properties", list, []))
        for p in props:
            if p not in PROPERTIES:
                c.fail(c.key("properties"), f"has unknown property {p!r}; use {', '.join(PROPERTIES)}")
        args = tuple(_array_spec(c.sub(f"args[{j}]", a)) for j, a in enumerate(c.get("args", list, [])))
        cases.append(Case(label=c.get("label", str, f"case {i + 1}"), args=args,
                          kwargs=c.get("kwargs", dict, {}), properties=props))
    generator = r.get("generator", str, None)
    if not cases and generator is None:
        r.fail(r.key("cases"), "are required (or name a generator in checks.py)")
    tols = {k: r.get(k, float, default) for k, default in
            (("rtol", 1e-8), ("atol", 1e-8), ("rtol32", 1e-5), ("atol32", 1e-5))}
    return TensorCheck(function=_answer_name(r, "function"), cases=tuple(cases), generator=generator,
                       gradcheck=r.get("gradcheck", bool, False), weight=r.get("weight", float, 1.0), **tols)


def _metric(r: _Reader) -> MetricCheck:
    r.check_keys(("kind", "entry", "evaluate", "data", "kwargs", "bands", "seconds", "scoring",
                  "derivation", "weight"))
    bands = {}
    for name, raw in r.get("bands", dict, fix="give at least one band, e.g. gap: [0.57, 0.59]").items():
        if (not isinstance(raw, list) or len(raw) != 2
                or not all(b is None or isinstance(b, (int, float)) for b in raw)):
            r.fail(r.key(f"bands.{name}"), f"must be [low, high] (null for unbounded), got {_show(raw)}")
        low, high = (None if b is None else float(b) for b in raw)
        if low is not None and high is not None and low > high:
            r.fail(r.key(f"bands.{name}"), f"has low > high: {raw}")
        bands[str(name)] = Band(low=low, high=high)
    if not bands:
        r.fail(r.key("bands"), "must name at least one metric")
    scoring = r.get("scoring", str, "fraction")
    if scoring not in ("fraction", "all"):
        r.fail(r.key("scoring"), f"must be 'fraction' or 'all', got {scoring!r}")
    return MetricCheck(entry=_answer_name(r, "entry"), evaluate=_answer_name(r, "evaluate"),
                       data=r.get("data", str, None), kwargs=r.get("kwargs", dict, {}), bands=bands,
                       seconds=r.get("seconds", float, 60.0), scoring=scoring,
                       derivation=r.get("derivation", str, ""), weight=r.get("weight", float, 1.0))


def _choice(r: _Reader) -> ChoiceCheck:
    r.check_keys(("kind", "answer", "options", "correct", "feedback", "weight"))
    options = tuple(str(o).lower() for o in r.get("options", list))
    correct = r.get("correct", (list, str))
    correct = tuple(str(c).lower() for c in ([correct] if isinstance(correct, str) else correct))
    for c in correct:
        if c not in options:
            r.fail(r.key("correct"), f"names {c!r}, which is not among the options {list(options)}")
    feedback = {str(k).lower(): str(v) for k, v in r.get("feedback", dict, {}).items()}
    return ChoiceCheck(answer=_answer_name(r, "answer"), options=options, correct=correct,
                       feedback=feedback, weight=r.get("weight", float, 1.0))


def _custom(r: _Reader) -> CustomCheck:
    r.check_keys(("kind", "function", "calls", "weight"))
    return CustomCheck(function=_answer_name(r, "function"),
                       calls=tuple(str(c) for c in r.get("calls", list, [])),
                       weight=r.get("weight", float, 1.0))
