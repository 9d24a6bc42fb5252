"""The check kinds the engine knows, by name; the engine reaches a kind only through here."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from autograder.checks import choice, custom, metric, symbolic, tensor
from autograder.checks.kind import CheckKind, Plan
from autograder.errors import SpecError
from autograder.models import CallResult, CheckOutcome, CheckSpec

_BUILT_IN = (symbolic.KIND, tensor.KIND, metric.KIND, choice.KIND, custom.KIND)
_KINDS: dict[str, CheckKind] = {k.name: k for k in _BUILT_IN}


def register(kind: CheckKind) -> None:
    """Add a kind (for instance from a course's own package); a name is registered once."""
    existing = _KINDS.get(kind.name)
    if existing is not None and existing is not kind:
        raise SpecError(f"a check kind named '{kind.name}' is already registered")
    _KINDS[kind.name] = kind


def unregister(name: str) -> None:
    """Remove a kind added with register (the built-in kinds stay)."""
    if name in {k.name for k in _BUILT_IN}:
        raise SpecError(f"the built-in check kind '{name}' cannot be removed")
    _KINDS.pop(name, None)


def names() -> tuple[str, ...]:
    return tuple(_KINDS)


def get(name: str) -> CheckKind | None:
    return _KINDS.get(name)


def kind_of(check: CheckSpec) -> CheckKind:
    kind = _KINDS.get(type(check).kind)
    if kind is None or not isinstance(check, kind.spec):
        raise SpecError(f"no check kind is registered for {type(check).__name__}")
    return kind


def judge(plan: Plan, returned: Mapping[str, CallResult]) -> CheckOutcome:
    kind = _KINDS.get(plan.kind)
    if kind is None:
        raise SpecError(f"no check kind '{plan.kind}' is registered")
    return kind.judge(plan, returned)


def to_public(plan: Plan) -> dict[str, Any] | None:
    """The plan as the release ships it (None: the kind stays hidden), with its weight."""
    kind = _KINDS[plan.kind]
    data = kind.to_public(plan)
    return None if data is None else dict(data, weight=plan.weight)
