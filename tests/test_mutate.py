"""Mutants of a reference's solution regions: which operators make them, stable ids, the
equivalent list in assignment.yaml, and a sample graded in the pool (killed, or listed)."""

from __future__ import annotations

import ast
import shutil
from types import SimpleNamespace

import pytest
import yaml

from autograder.cli import main
from autograder.errors import SpecError
from autograder.mutate import MutationReport, equivalent_mutants, generate, mutate, sample
from autograder.prepare import prepare
from autograder.spec import load_spec
from tests.conftest import FIXTURES, ROOT

REFERENCE = '''"""A reference."""

import torch

LIMIT = 3  # given to students, outside any region


# BEGIN SOLUTION
ANSWER = "(mu + sigma)**2/2"
LATEX = r"$\\frac{1}{2}\\mu^2$"
Q1 = "b"
# END SOLUTION


def kl(mu, logvar):
    """KL to a standard normal, summed over the last dimension."""
    # BEGIN SOLUTION
    ratio = (logvar - mu).exp()
    return 0.5 * (-logvar + ratio).sum(-1)
    # END SOLUTION


def given(x):
    return x * LIMIT


def fit(x, steps):
    """Fit a mean."""
    # BEGIN SOLUTION
    m = torch.zeros((), requires_grad=True)
    opt = torch.optim.SGD([m], lr=0.1)
    for _ in range(steps):
        opt.zero_grad()
        loss = torch.mean((x - m) ** 2, 0)
        loss.backward()
        opt.step()
    return {"mean": m.detach()}
    # END SOLUTION
'''


def mutants_by_id():
    return {m.id: m for m in generate(REFERENCE, choices={"Q1": ("a", "b", "c")})}


def test_every_operator_makes_mutants_and_only_inside_the_solution_regions():
    mutants = mutants_by_id()
    assert {m.operator for m in mutants.values()} == {
        "flip",
        "sign",
        "constant",
        "swap",
        "drop",
        "detach",
        "reduction",
        "no_step",
        "initial",
        "choice",
    }
    assert {m.name for m in mutants.values()} == {"ANSWER", "Q1", "kl", "fit"}
    for m in mutants.values():
        assert m.source != REFERENCE and ast.parse(m.source)
        assert "LIMIT = 3" in m.source and "    return x * LIMIT\n" in m.source
        assert m.statement in m.source


def test_each_operator_changes_what_it_says():
    m = mutants_by_id()
    assert "+    return 0.5 * (-logvar + ratio).mean(-1)\n" in m["kl:reduction:1"].diff
    assert "+    return 0.5 * (-logvar + ratio).sum(0)\n" in m["kl:reduction:2"].diff
    assert "+    ratio = (logvar + mu).exp()\n" in m["kl:flip:1"].diff
    assert "+    ratio = (mu - logvar).exp()\n" in m["kl:swap:1"].diff
    assert "+    return 0.5 * (logvar + ratio).sum(-1)\n" in m["kl:sign:1"].diff
    assert "+    ratio = (logvar - mu).exp().detach()\n" in m["kl:detach:1"].diff
    assert "+        loss = torch.mean(0, (x - m) ** 2)\n" in m["fit:swap:1"].diff
    assert "+        loss = torch.mean((x - m) ** 2, -1)\n" in m["fit:reduction:2"].diff
    assert (
        "+        pass\n" in m["fit:no_step:2"].diff
        and "-        opt.step()\n" in m["fit:no_step:2"].diff
    )
    assert m["fit:initial:1"].diff.count("-") >= 5 and "+    pass\n" in m["fit:initial:1"].diff
    assert '+Q1 = "c"\n' in m["Q1:choice:1"].diff
    # An answer is mutated as the expression it holds and written back as a string.
    assert '+ANSWER = "(mu - sigma) ** 2 / 2"\n' in m["ANSWER:flip:3"].diff
    assert '+ANSWER = "(mu + sigma)**2 / 3"\n' in m["ANSWER:constant:2"].diff


def test_a_new_tensor_or_data_alone_is_not_detached():
    detached = [m.statement for m in mutants_by_id().values() if m.operator == "detach"]
    assert not any("torch.zeros((), requires_grad=True).detach()" in s for s in detached)
    assert any("loss = torch.mean((x - m) ** 2, 0).detach()" in s for s in detached)


def test_a_squared_difference_is_not_swapped():
    # (m - x) ** 2 is (x - m) ** 2: a mutant no check could ever kill.
    assert not any("(m - x) ** 2" in m.statement for m in mutants_by_id().values())
    assert any("2 ** (x - m)" in m.statement for m in mutants_by_id().values())


def test_latex_answers_are_left_alone():
    assert not any(m.name == "LATEX" for m in mutants_by_id().values())


def test_ids_stay_when_other_code_changes():
    before = mutants_by_id()
    edited = REFERENCE.replace(
        "def given(x):\n    return x * LIMIT", "def given(x):\n    return x + x + LIMIT"
    )
    after = {m.id: m for m in generate(edited, choices={"Q1": ("a", "b", "c")})}
    assert before.keys() == after.keys()
    assert all(before[i].diff == after[i].diff for i in before if before[i].name != "fit")


def test_sample_is_spread_and_the_same_every_time():
    mutants = list(mutants_by_id().values())
    picked = sample(mutants, 4)
    assert picked == sample(mutants, 4) and len(picked) == 4 and picked[0] is mutants[0]
    assert sample(mutants, None) == mutants == sample(mutants, 10_000)


def write_spec(folder, equivalent):
    file = folder / "assignment.yaml"
    data = yaml.safe_load(file.read_text())
    data["equivalent_mutants"] = equivalent
    file.write_text(yaml.safe_dump(data, sort_keys=False))


@pytest.fixture()
def tiny(tmp_path):
    folder = tmp_path / "tiny"
    shutil.copytree(FIXTURES / "solutions" / "tiny", folder)
    return folder


def test_equivalent_mutants_are_read_from_the_spec_and_checked(tiny):
    write_spec(tiny, [{"id": "fit_mean:constant:1", "reason": "lr 0.2 converges too"}])
    assert equivalent_mutants(load_spec(tiny)) == {"fit_mean:constant:1": "lr 0.2 converges too"}
    for bad, problem in [
        ([{"id": "a:b:1"}], "equivalent_mutants\\[0\\].reason is required"),
        ([{"id": "a:b:1", "reason": " "}], "must say why"),
        ([{"id": "a:b:1", "reason": "x", "why": "y"}], "why is not a known key"),
        ([{"id": "a:b:1", "reason": "x"}, {"id": "a:b:1", "reason": "y"}], "twice"),
    ]:
        write_spec(tiny, bad)
        with pytest.raises(SpecError, match=problem):
            equivalent_mutants(load_spec(tiny))


# The tiny assignment's mutant that no check can tell from the reference.
TINY_EQUIVALENT = [
    {"id": "fit_mean:constant:1", "reason": "SGD with lr 0.2 converges to the same mean"}
]


@pytest.mark.slow
def test_a_sample_of_the_tiny_assignment_is_killed_or_listed(tiny):
    write_spec(tiny, TINY_EQUIVALENT)
    report = mutate(prepare(load_spec(tiny)), count=6, jobs=2)
    assert len(report.results) == 6 and report.survivors == ()
    named = mutate(prepare(load_spec(tiny)), only=["fit_mean:constant:1", "scale:flip:1"], jobs=1)
    assert [(r.mutant.id, r.killed, r.equivalent is not None) for r in named.results] == [
        ("scale:flip:1", True, False),
        ("fit_mean:constant:1", False, True),
    ]
    assert named.score == 1.0 and named.results[0].questions == ("scale",)


@pytest.mark.slow
def test_a_sample_of_a_real_assignment_is_killed_or_listed():
    report = mutate(prepare(load_spec(ROOT / "solutions" / "gaussian_kl")), count=3, jobs=2)
    assert len(report.results) == 3 and report.survivors == ()


@pytest.mark.slow
def test_mutate_end_to_end_prints_the_scores(tiny, capsys):
    write_spec(tiny, TINY_EQUIVALENT)
    code = main(["--solutions", str(tiny.parent), "mutate", "tiny", "--id", "fit_mean:constant:1"])
    assert code == 0
    out = capsys.readouterr().out
    row = next(line for line in out.splitlines() if "tiny" in line)
    assert [cell.strip() for cell in row.split("│")[1:-1]] == ["tiny", "1", "0", "1", "0", "100.0%"]
    assert not any(line.startswith("survivor ") for line in out.splitlines())


def test_mutate_maps_its_arguments(monkeypatch, capsys):
    calls = []

    def fake_mutate(prepared, **kwargs):
        calls.append((prepared, kwargs))
        return MutationReport(assignment="tiny", results=())

    monkeypatch.setattr("autograder.mutate.mutate", fake_mutate)
    monkeypatch.setattr("autograder.cli._prepared", lambda folder: SimpleNamespace(folder=folder))
    solutions = str(FIXTURES / "solutions")
    assert main(["--solutions", solutions, "mutate", "tiny", "--sample", "5", "--jobs", "3"]) == 0
    prepared, kwargs = calls[-1]
    assert prepared.folder == FIXTURES / "solutions" / "tiny"
    assert (kwargs["count"], kwargs["jobs"], tuple(kwargs["only"])) == (5, 3, ())
    assert main(["--solutions", solutions, "mutate", "tiny", "--id", "a:b:1", "--id", "c:d:2"]) == 0
    assert calls[-1][1]["only"] == ["a:b:1", "c:d:2"] and calls[-1][1]["count"] is None
    assert main(["--solutions", solutions, "mutate", "tiny", "--sample", "0"]) == 2
    assert "100.0%" in capsys.readouterr().out
