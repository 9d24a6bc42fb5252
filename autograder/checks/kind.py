"""What every check kind provides: its spec type, how it plans sandbox calls, how it judges what
came back, and how it is written to and read from the public bundle that students hold."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from types import ModuleType
from typing import Any, Protocol

import numpy as np
import torch

from autograder.models import (
    AssignmentSpec,
    Call,
    CallResult,
    CheckOutcome,
    CheckSpec,
    Limits,
    OpaqueValue,
    frozen,
)
from autograder.models.spec import Case
from autograder.schema import Reader


@frozen
class Site:
    """Where a check sits: its question, the prefix of its call ids, and its place in the spec file."""

    question: str
    prefix: str
    where: str = ""


@frozen
class Plan:
    """What one check asks of the sandbox, and what the answers are judged against.

    `expected` is the kind's own typed expectation (reference outputs, a parsed expression,
    a trusted evaluation); only the kind that made the plan reads it.
    """

    question: str
    kind: str
    calls: tuple[Call, ...]
    weight: float
    expected: Any
    check: CheckSpec | None = None  # None for a plan read back from a public bundle


@frozen
class CaseInputs:
    """A case's inputs, built by the trusted side from a spec's `Case` or a generator."""

    label: str
    args: tuple[Any, ...]
    kwargs: Mapping[str, Any]
    properties: tuple[str, ...]


class Trusted(Protocol):
    """What planning may ask of the trusted side (the reference, checks.py, seeded inputs).

    `seed` is the spec's seed: what the public bundle is drawn from. `hidden_seed(purpose)` comes
    from the course secret, one per purpose (a kind and a check): what grading alone sees.
    """

    @property
    def seed(self) -> int: ...

    def hidden_seed(self, purpose: str) -> int: ...

    @property
    def limits(self) -> Limits: ...

    @property
    def checks(self) -> ModuleType | None: ...

    def reference_function(self, name: str, where: str) -> Callable[..., Any]: ...

    def checks_function(self, name: str, where: str) -> Callable[..., Any]: ...

    def inputs(
        self, cases: Sequence[Case], generator: str | None, where: str, *, seed: int | None = None
    ) -> list[CaseInputs]: ...

    def run_reference(self, function: Callable[..., Any], case: CaseInputs, where: str) -> Any: ...


@frozen
class CheckKind:
    """One kind of check, as the registry knows it."""

    name: str
    spec: type[CheckSpec]
    keys: tuple[str, ...]  # the YAML keys its schema allows, besides `kind` and `weight`
    parse: Callable[[Reader], CheckSpec]
    plan: Callable[[AssignmentSpec, Any, Trusted, Site], Plan]
    judge: Callable[[Plan, Mapping[str, CallResult]], CheckOutcome]
    to_public: Callable[[Plan], dict[str, Any] | None]  # None: the kind stays hidden
    from_public: Callable[[Mapping[str, Any], Site], Plan]


def is_public(spec: AssignmentSpec, site: Site) -> bool:
    """Whether the check's question is public, so that its cases reach students in the release."""
    return any(q.id == site.question and q.visibility == "public" for q in spec.questions)


def value_of(results: Mapping[str, CallResult], call: Call) -> Any:
    """The value a call returned, or an OpaqueValue 'missing' when it produced none."""
    result = results.get(call.id)
    if result is None or not result.ok:
        return OpaqueValue(type_name="missing", detail=result.error if result else "")
    return result.value


def as_argument(value: Any) -> Any:
    """A value made by trusted code (a generator, a data function) as student code receives it."""
    if isinstance(value, np.ndarray):
        return torch.from_numpy(value)
    return value
