"""Replaying the release: answers built from what `check` is given (the published cases and their
outputs, the published symbolic samples, the training data of a fit) pass `check` but earn nothing
when graded, while the honest and skeleton controls are graded as always."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from autograder.codec import decode_value
from autograder.grader import grade_submission
from autograder.prepare import PreparedAssignment, prepare
from autograder.public import FILE, load_public, write_public
from autograder.release import strip_solutions
from autograder.spec import load_spec
from autograder.submission import Submission
from tests.adversarial.redteam import (
    SKELETON,
    assert_controls,
    fingerprint,
    grade_folder,
    score_of,
    tiny,
    write_class,
)
from tests.conftest import ROOT

MAX = 10.0


@pytest.fixture(scope="module")
def prepared() -> PreparedAssignment:
    return tiny()


@pytest.fixture(scope="module")
def bundle(prepared, tmp_path_factory) -> tuple[Path, dict[str, Any]]:
    """The tiny release's public checks, as a student holds them."""
    folder = tmp_path_factory.mktemp("release")
    write_public(prepared, folder)
    return folder, json.loads((folder / FILE).read_text())


def checks_of(data: dict[str, Any], kind: str) -> dict[str, Any]:
    return next(c for q in data["questions"] for c in q["checks"] if c["kind"] == kind)


def as_source(value: Any) -> str:
    """A decoded bundle array as (dtype name, nested list): exact, since floats repr exactly."""
    return repr((value.dtype.removeprefix("torch."), value.array.tolist()))


def lookup_table(data: dict[str, Any]) -> bytes:
    """scale() as a table of the published inputs and outputs, and an autograd.Function that hands
    back the published gradients wherever the release carries them."""
    rows = []
    for case in checks_of(data, "tensor")["cases"]:
        args = [as_source(decode_value(a)) for a in case["args"]]
        out = decode_value(case["expected"])
        output = repr((case["dtypes"].removeprefix("torch."), out.array.tolist()))
        grads = case.get("grads") or []
        grad_rows = ["None" if g is None else as_source(decode_value(g)) for g in grads]
        rows.append(f"    ([{', '.join(args)}], {output}, [{', '.join(grad_rows)}]),")
    table = "\n".join(rows)
    return (
        SKELETON
        + f"""

_TABLE = [
{table}
]


def _tensor(spec):
    dtype, values = spec
    return torch.tensor(values, dtype=getattr(torch, dtype))


class _Replay(torch.autograd.Function):
    @staticmethod
    def forward(ctx, out, grads, *args):
        ctx.grads = grads
        return out.clone()

    @staticmethod
    def backward(ctx, grad):
        return (None, None, *ctx.grads)


def scale(x, s):
    for args, out, grads in _TABLE:
        inputs = [_tensor(a) for a in args]
        if all(t.dtype == a.dtype and t.shape == a.shape and torch.equal(t, a)
               for t, a in zip(inputs, (x, s))):
            if grads:
                stored = tuple(None if g is None else _tensor(g) for g in grads)
                return _Replay.apply(_tensor(out), stored, x, s)
            return _tensor(out)
    return torch.zeros_like(x)
""".encode()
    )


def fitted_answer(data: dict[str, Any]) -> str:
    """SQUARE as the upper envelope of steep cones, one at each published sample: it takes each
    published value at its point and has nothing to do with (mu + sigma)**2 elsewhere."""
    samples = checks_of(data, "symbolic")["samples"]
    # Cones in the one symbol whose published values are all different keep the answer short.
    name = next(n for n in ("mu", "sigma") if len({p[n] for p, _ in samples}) == len(samples))
    at = sorted(float(p[name]) for p, _ in samples)
    values = [v for _, v in samples]
    slope = int(10 * (max(values) - min(values)) / min(b - a for a, b in zip(at, at[1:]))) + 1
    assert slope <= 10**12  # the parser's largest number

    def shifted(text: str) -> str:
        return f"{name}+{text[1:]}" if text.startswith("-") else f"{name}-{text}"

    cones = [f"{v!r}-{slope}*Abs({shifted(p[name])})" for p, v in samples]
    groups = [cones[i : i + 15] for i in range(0, len(cones), 15)]  # Max takes 20 at most
    return "Max(" + ", ".join(f"Max({', '.join(g)})" for g in groups) + ")"


def check_on_release(folder: Path, source: bytes, sandbox) -> Any:
    """What `autograder check` reports from the release alone."""
    public = load_public(folder)
    sub = Submission(student="you", filename="tiny.py", data=source)
    return grade_submission(public, sub, sandbox, visibility=("public",))


def test_a_lookup_table_and_a_fitted_answer_pass_check_but_score_nothing(
    prepared, bundle, sandbox, tmp_path
):
    folder, data = bundle
    table = lookup_table(data)
    fitted = SKELETON + f"\nSQUARE = {fitted_answer(data)!r}\n".encode()
    # What the release lets through: every published case, every published sample.
    checked = {q.id: q for q in check_on_release(folder, table, sandbox).questions}
    assert checked["scale"].status == "passed", checked["scale"].feedback
    checked = {q.id: q for q in check_on_release(folder, fitted, sandbox).questions}
    assert checked["square"].status == "passed", checked["square"].feedback

    before = fingerprint()
    graded = grade_folder(
        prepared,
        write_class(tmp_path / "class", {"lookup": table, "fitted": fitted}),
        tmp_path / "gradebook.db",
    )
    assert fingerprint() == before
    assert_controls(graded, MAX)
    lookup, fit = graded.records["lookup"], graded.records["fitted"]
    assert lookup.status == fit.status == "graded"
    assert score_of(lookup, "scale") == 0 and lookup.score == 0
    feedback = next(q.feedback for q in lookup.questions if q.id == "scale")
    assert "not a fresh case drawn the same way" in feedback
    assert "must compute the result, not look it up" in feedback
    assert score_of(fit, "square") == 0 and fit.score == 0


def closed_form(reference: bytes) -> bytes:
    """gaussian_kl's reference with train_linear_vae replaced by PPCA in closed form: the exact
    optimum of the data it is given, with no training at all."""
    return (
        reference
        + b"""

def train_linear_vae(x, steps=2000, lr=0.03, batch_size=256, seed=0):
    x = torch.as_tensor(x, dtype=torch.float64)
    k, s2 = LATENT, DECODER_VARIANCE
    mu = x.mean(0)
    centred = x - mu
    lam, vec = torch.linalg.eigh(centred.T @ centred / x.shape[0])
    lam, vec = lam.flip(0)[:k], vec.flip(1)[:, :k]
    W = vec * (lam - s2).clamp(min=0).sqrt()
    M = W.T @ W + s2 * torch.eye(k, dtype=x.dtype)
    enc_mean = torch.linalg.solve(M, W.T)
    logvar = torch.log(s2 / torch.diagonal(M))
    return {
        "enc.weight": torch.cat([enc_mean, torch.zeros(k, x.shape[1], dtype=x.dtype)]),
        "enc.bias": torch.cat([-enc_mean @ mu, logvar]),
        "dec.weight": W,
        "dec.bias": mu,
    }
"""
    )


def test_weights_fitted_to_the_training_data_are_scored_on_other_data(tmp_path):
    """Closed-form weights are exact on the data they were computed from (gap and KL error 0 to
    rounding); held out, they score as a fitted model does, with a real, positive gap."""
    hw = ROOT / "solutions" / "gaussian_kl"
    gaussian_kl = prepare(load_spec(hw))
    reference = (hw / "gaussian_kl.py").read_bytes()
    students = {
        "closed_form": closed_form(reference),
        "control_honest": reference,
        "control_skeleton": strip_solutions(reference.decode(), "gaussian_kl.py").encode(),
    }
    before = fingerprint()
    graded = grade_folder(
        gaussian_kl,
        write_class(tmp_path / "class", students, controls=False),
        tmp_path / "gradebook.db",
    )
    assert fingerprint() == before
    assert_controls(graded, gaussian_kl.spec.max_score)
    record = graded.records["closed_form"]
    [check] = next(q for q in record.questions if q.id == "linear_vae").evidence["checks"]
    metrics = check["metrics"]
    assert metrics["elbo_gap"] > 1e-4 and metrics["kl_error_max"] > 1e-4, metrics
