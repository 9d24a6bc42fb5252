"""The trusted side of an assignment, built once per batch: the reference and checks.py loaded,
seeded inputs generated (the published ones from the spec's seed, the hidden ones from the course
secret), the reference run on them, and each check planned by its kind."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import field
from types import ModuleType
from typing import Any

import numpy as np
import torch

from autograder.checks import registry
from autograder.checks.content import load_module
from autograder.checks.kind import CaseInputs, Plan, Site, as_argument
from autograder.errors import SpecError
from autograder.models import ArraySpec, AssignmentSpec, Case, Limits, frozen
from autograder.secret import course_secret, derive_seed

TORCH_DTYPES = {"float64": torch.float64, "float32": torch.float32, "int64": torch.int64}


@frozen
class PreparedAssignment:
    spec: AssignmentSpec
    plans: Mapping[str, tuple[Plan, ...]]  # question id → its checks' plans
    reference: ModuleType | None
    # The course secret the hidden cases were drawn with (None for a public bundle), so that
    # another grading process can draw the same ones.
    secret: bytes | None = field(default=None, repr=False)


def load_trusted(spec: AssignmentSpec) -> tuple[ModuleType, ModuleType | None]:
    """The reference solution and the optional checks.py, imported in this (trusted) process."""
    ref_path = spec.root / spec.student_file
    if not ref_path.is_file():
        raise SpecError(f"{ref_path}: the reference solution is missing")
    reference = load_module(ref_path, f"_autograder_reference_{spec.name}")
    checks_path = spec.root / "checks.py"
    checks = (
        load_module(checks_path, f"_autograder_checks_{spec.name}")
        if checks_path.is_file()
        else None
    )
    return reference, checks


def build_array(spec: ArraySpec, rng: np.random.Generator) -> torch.Tensor:
    shape = spec.shape
    if spec.dist == "normal":
        array = rng.standard_normal(shape) * spec.scale
    elif spec.dist == "uniform":
        array = rng.uniform(spec.low, spec.high, shape)
    elif spec.dist == "zeros":
        array = np.zeros(shape)
    elif spec.dist == "ones":
        array = np.ones(shape)
    elif spec.dist == "full":
        array = np.full(shape, spec.fill)
    else:
        array = np.asarray(spec.value, dtype=np.float64)
    return torch.from_numpy(np.asarray(array)).to(TORCH_DTYPES[spec.dtype])


class TrustedSide:
    """What a kind may use while planning: the loaded trusted modules, seeded inputs, the reference."""

    def __init__(
        self,
        spec: AssignmentSpec,
        reference: ModuleType,
        checks: ModuleType | None,
        secret: bytes,
    ) -> None:
        self._spec, self._reference, self._checks = spec, reference, checks
        self._secret = secret

    @property
    def seed(self) -> int:
        return self._spec.seeds[0]

    def hidden_seed(self, purpose: str) -> int:
        return derive_seed(self._secret, self._spec.name, purpose)

    @property
    def limits(self) -> Limits:
        return self._spec.limits

    @property
    def checks(self) -> ModuleType | None:
        return self._checks

    def reference_function(self, name: str, where: str) -> Callable[..., Any]:
        return _function(self._reference, name, where, self._spec.student_file)

    def checks_function(self, name: str, where: str) -> Callable[..., Any]:
        return _function(self._checks, name, where, "checks.py")

    def inputs(
        self, cases: Sequence[Case], generator: str | None, where: str, *, seed: int | None = None
    ) -> list[CaseInputs]:
        """Each case's arrays from its own seeded generator, then the cases a checks.py generator
        makes; from the spec's seed, or from `seed` (a hidden seed) when given."""
        seed = self.seed if seed is None else seed
        built = []
        for i, case in enumerate(cases):
            rng = np.random.default_rng([seed, i, 7919])
            built.append(
                CaseInputs(
                    label=case.label,
                    args=tuple(build_array(a, rng) for a in case.args),
                    kwargs=dict(case.kwargs),
                    properties=tuple(case.properties),
                )
            )
        if generator:
            for case in self.checks_function(generator, where)(seed):
                built.append(
                    CaseInputs(
                        label=case.get("label", "generated case"),
                        args=tuple(as_argument(a) for a in case["args"]),
                        kwargs=dict(case.get("kwargs", {})),
                        properties=tuple(case.get("properties", [])),
                    )
                )
        return built

    def run_reference(self, function: Callable[..., Any], case: CaseInputs, where: str) -> Any:
        try:
            return function(
                *[a.clone() if isinstance(a, torch.Tensor) else a for a in case.args], **case.kwargs
            )
        except Exception as exc:
            raise SpecError(
                f"{where}: the reference {function.__name__}() failed on these inputs: {exc}"
            ) from None


def _function(module: ModuleType | None, name: str, where: str, file: str) -> Callable[..., Any]:
    function = getattr(module, name, None) if module is not None else None
    if not callable(function):
        raise SpecError(f"{where}: names '{name}', which is not a function in {file}")
    return function


def prepare(spec: AssignmentSpec, *, secret: bytes | None = None) -> PreparedAssignment:
    """Plan every check of every question through its kind. The hidden cases are drawn from the
    course secret: `secret`, or else the one `autograder.secret` finds (AUTOGRADER_SECRET, or
    gradebook/secret.key)."""
    torch.set_num_threads(1)
    secret = course_secret() if secret is None else secret
    reference, checks = load_trusted(spec)
    trusted = TrustedSide(spec, reference, checks, secret)
    plans: dict[str, tuple[Plan, ...]] = {}
    for qi, question in enumerate(spec.questions):
        built = []
        for ci, check in enumerate(question.checks):
            site = Site(
                question=question.id,
                prefix=f"{question.id}.{ci}",
                where=f"{spec.root / 'assignment.yaml'}: questions[{qi}].checks[{ci}]",
            )
            built.append(registry.kind_of(check).plan(spec, check, trusted, site))
        plans[question.id] = tuple(built)
    return PreparedAssignment(spec=spec, plans=plans, reference=reference, secret=secret)
