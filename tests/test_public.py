"""The public bundle: what each kind ships, that it reads back to the same expectations, and that
it refuses what it cannot read."""

from __future__ import annotations

import json

import numpy as np
import pytest

from autograder.checks.symbolic import Graded, Samples
from autograder.checks.tensor import Expectations
from autograder.codec import decode_value
from autograder.errors import SpecError
from autograder.prepare import prepare
from autograder.public import FILE, FORMAT, load_public, write_public
from autograder.spec import load_spec
from tests.conftest import FIXTURES


@pytest.fixture(scope="module")
def prepared():
    return prepare(load_spec(FIXTURES / "solutions" / "tiny"))


@pytest.fixture()
def bundle_dir(prepared, tmp_path):
    folder = tmp_path / "release"
    folder.mkdir()
    write_public(prepared, folder)
    return folder


def test_only_public_questions_and_public_kinds_are_shipped(bundle_dir):
    bundle = json.loads((bundle_dir / FILE).read_text())
    assert bundle["format"] == FORMAT
    assert [q["id"] for q in bundle["questions"]] == [
        "square",
        "scale",
    ]  # fit and concept are hidden
    kinds = [c["kind"] for q in bundle["questions"] for c in q["checks"]]
    assert kinds == ["symbolic", "tensor"]
    text = json.dumps(bundle)
    assert "(mu + sigma)**2" not in text and "mu**2 + sigma**2" not in text  # never an expression


def test_the_bundle_reads_back_to_the_graded_expectations(prepared, bundle_dir):
    public = load_public(bundle_dir)
    assert public.reference is None and public.spec.name == "tiny"
    [graded_tensor] = prepared.plans["scale"]
    [public_tensor] = public.plans["scale"]
    a, b = graded_tensor.expected, public_tensor.expected
    assert isinstance(a, Expectations) and isinstance(b, Expectations)
    published = [c for c in a.cases if not c.hidden]
    assert a.arg_names == b.arg_names and len(published) == len(b.cases) == 3
    for x, y in zip(published, b.cases):
        assert (
            x.label == y.label
            and x.properties == y.properties
            and (x.rtol, x.atol) == (y.rtol, y.atol)
        )
        np.testing.assert_array_equal(x.output, y.output)
        assert y.grads is None and not y.hidden  # gradients are graded after submission only
    assert [c.id for c in graded_tensor.calls[: len(published)]] == [
        c.id for c in public_tensor.calls
    ]
    assert all(c.grad is None for c in public_tensor.calls)
    [graded_sym] = prepared.plans["square"]
    [public_sym] = public.plans["square"]
    assert isinstance(graded_sym.expected, Graded) and isinstance(public_sym.expected, Samples)
    assert len(public_sym.expected.samples) == 30
    assert public_sym.weight == graded_sym.weight == 1.0


def test_the_bundle_holds_no_hidden_case_and_no_gradient(prepared, bundle_dir):
    """What grading adds to a published question never reaches the release: the hidden twins'
    inputs and outputs, the gradient probes and their answers."""
    [graded] = prepared.plans["scale"]
    hidden = [
        (call, case) for call, case in zip(graded.calls, graded.expected.cases) if case.hidden
    ]
    assert hidden and any(call.grad is not None for call, _ in hidden)
    bundle = json.loads((bundle_dir / FILE).read_text())
    [tensor] = bundle["questions"][1]["checks"]
    assert all(set(case).isdisjoint({"grad_v", "grads"}) for case in tensor["cases"])
    shipped = [decode_value(a).array for case in tensor["cases"] for a in case["args"]]

    def shipped_already(arg) -> bool:
        return any(x.shape == tuple(arg.shape) and np.array_equal(x, arg.numpy()) for x in shipped)

    # A twin shares its case's constant arguments (ones, zeros); its random ones are never shipped.
    assert all(not all(shipped_already(a) for a in call.args) for call, _ in hidden)


def test_the_bundle_does_not_depend_on_the_secret(prepared, bundle_dir, tmp_path):
    other = prepare(load_spec(FIXTURES / "solutions" / "tiny"), secret=b"another course")
    (tmp_path / "other").mkdir()
    write_public(other, tmp_path / "other")
    assert (tmp_path / "other" / FILE).read_bytes() == (bundle_dir / FILE).read_bytes()
    [mine], [theirs] = prepared.plans["scale"], other.plans["scale"]
    assert not np.array_equal(mine.calls[-1].args[0].numpy(), theirs.calls[-1].args[0].numpy())


@pytest.mark.parametrize(
    "change, message",
    [
        (lambda b: b.pop("format"), "format none, this autograder reads format 2"),
        (lambda b: b.update(format=99), "format 99"),
        (lambda b: b.update(format=1), "format 1, this autograder reads format 2"),
        (lambda b: b["questions"][0]["checks"][0].update(kind="oracle"), "unknown kind 'oracle'"),
    ],
)
def test_a_bundle_it_cannot_read_is_refused_with_a_hint(bundle_dir, change, message):
    path = bundle_dir / FILE
    bundle = json.loads(path.read_text())
    change(bundle)
    path.write_text(json.dumps(bundle))
    with pytest.raises(SpecError, match=message) as info:
        load_public(bundle_dir)
    assert info.value.hint


def test_a_hidden_kind_cannot_be_smuggled_into_a_bundle(bundle_dir):
    path = bundle_dir / FILE
    bundle = json.loads(path.read_text())
    bundle["questions"][0]["checks"][0] = {"kind": "choice", "answer": "Q1", "weight": 1}
    path.write_text(json.dumps(bundle))
    with pytest.raises(SpecError, match="cannot hold a choice check"):
        load_public(bundle_dir)
