"""Every assignment in solutions/: the reference gets full marks, the skeleton 0, each mistake its declared score."""

from __future__ import annotations

import json

import pytest

from autograder.prepare import prepare
from autograder.spec import load_spec
from autograder.validate import validate
from tests.conftest import ROOT

ASSIGNMENTS = sorted(p.parent.name for p in (ROOT / "solutions").glob("*/assignment.yaml"))


@pytest.mark.slow
@pytest.mark.parametrize("hw", ASSIGNMENTS)
def test_validate(hw):
    verdicts = validate(prepare(load_spec(ROOT / "solutions" / hw)), jobs=2)
    mistakes = [v for v in verdicts if v.name.startswith("mistakes/")]
    assert len(mistakes) >= 8, f"{hw} needs at least 8 known-wrong variants"
    wrong = {v.name: v.problems for v in verdicts if not v.ok}
    assert wrong == {}
    assert verdicts[0].report.score == verdicts[0].report.max_score > 0
    assert all(v.report.score < verdicts[0].report.max_score for v in mistakes)


@pytest.mark.parametrize("hw", ASSIGNMENTS)
def test_release_is_current_and_hides_the_solution(hw, tmp_path):
    from autograder.release import release

    spec = load_spec(ROOT / "solutions" / hw)
    written = {p.name: p.read_text() for p in release(spec, tmp_path / hw)}
    committed = ROOT / "assignments" / hw
    for name, text in written.items():
        assert (committed / name).read_text() == text, (
            f"assignments/{hw}/{name} is stale: run autograder release {hw}"
        )
    assert "BEGIN SOLUTION" not in written[spec.student_file]
    assert not (committed / "checks.py").exists() and not (committed / "mistakes").exists()
    public = json.loads((committed / "public_checks.json").read_text())
    hidden = {q.id for q in spec.questions if q.visibility == "hidden"}
    assert hidden.isdisjoint(q["id"] for q in public["questions"])
